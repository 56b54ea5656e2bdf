"""Command and RPC names as file stems, the way NAPALM names its mocked-data files.

Recordings are folders of such files, and rulebooks name commands the way devices spell them
(``show interface | json``): both sides meet on the stem (``show_interface___json``).
"""

from __future__ import annotations

import re

from netrosetta.errors import NetrosettaError

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def file_stem(command: str) -> str:
    """The file name (without extension) NAPALM uses for a command or RPC name."""
    stem = _UNSAFE.sub("_", command.strip())
    if not stem or stem in {".", ".."}:
        raise NetrosettaError(f"cannot name a recording file after command {command!r}")
    return stem
