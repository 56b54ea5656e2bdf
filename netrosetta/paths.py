"""Where the project's data folders are (the repo root for an editable install)."""

from __future__ import annotations

import os
from pathlib import Path

# netrosetta/ sits beside mappings/, mibs/ and yang/ at the repository root.
ROOT = Path(os.environ.get("NETROSETTA_HOME") or Path(__file__).resolve().parent.parent)
MAPPINGS = ROOT / "mappings"
SCHEMA_DIR = MAPPINGS / "schema"
MIBS = ROOT / "mibs"
YANG = ROOT / "yang"
SHARED = ROOT.parent / "shared"
