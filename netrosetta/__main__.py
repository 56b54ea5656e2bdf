import sys

from netrosetta.cli import main

sys.exit(main())
