"""Where the project's data folders are: the source checkout, or the data shipped in the wheel.

A source checkout (or editable install) has mappings/, mibs/ and yang/ beside netrosetta/; a wheel
carries the same folders as netrosetta/_data/ (see setup.py). NETROSETTA_HOME overrides both.
User rulebook folders are added on top of these by configuration (``rulebooks:``), never replace them.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _root() -> Path:
    home = os.environ.get("NETROSETTA_HOME")
    if home:
        return Path(home)
    checkout = _PACKAGE.parent
    if (checkout / "mappings").is_dir() and (checkout / "engine").is_dir():
        return checkout
    return _PACKAGE / "_data"


ROOT = _root()
MAPPINGS = ROOT / "mappings"
SCHEMA_DIR = MAPPINGS / "schema"
MIBS = ROOT / "mibs"
YANG = ROOT / "yang"
# the shared corpus sits beside a checkout; an installed package has none (tests then skip)
SHARED = _PACKAGE.parent.parent / "shared"
