"""Reading Datadog / ktranslate SNMP profiles: one YAML file each, `extends:` naming other
profiles by file name anywhere under the same profile folder (as both agents resolve them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netrosetta.engine.yaml_source import load_yaml_text
from netrosetta.errors import NetrosettaError

SUFFIXES = (".yml", ".yaml")
_TRAILING_TABS = re.compile(r"[ \t]*\t[ \t]*$", re.MULTILINE)


@dataclass
class Profile:
    path: Path
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)      # what loading had to repair

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def stem(self) -> str:
        return self.path.stem


def profile_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in SUFFIXES))
        elif p.is_file():
            out.append(p)
        else:
            raise NetrosettaError("no such profile file or folder", file=str(p))
    return out


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NetrosettaError(f"cannot read profile: {exc}", file=str(path)) from None
    notes = []
    # YAML allows a tab after a value; libyaml does not. Go's yaml (the agents') does, so the
    # profiles carry some: drop them (they are whitespace) and say so.
    if _TRAILING_TABS.search(text):
        lines = [i + 1 for i, ln in enumerate(text.splitlines()) if _TRAILING_TABS.search(ln)]
        text = _TRAILING_TABS.sub("", text)
        notes.append(f"trailing tab removed on line(s) {', '.join(map(str, lines))}")
    doc = load_yaml_text(text, str(path), null_key="null")
    if doc.data is None:
        data: dict[str, Any] = {}
    elif isinstance(doc.data, dict):
        data = doc.data
    else:
        raise NetrosettaError("a profile is a mapping (sysobjectid, extends, metrics...)", file=str(path), line=1)
    return Profile(path, data, notes)


class ProfileSet:
    """Every profile under some roots, by file name, so `extends: [if-mib.yml]` resolves. Two
    vendors may each ship a `traps.yml`; only an extends naming such a file is ambiguous."""

    def __init__(self, profiles: list[Profile]) -> None:
        self.by_name: dict[str, list[Profile]] = {}
        for p in profiles:
            self.by_name.setdefault(p.file_name, []).append(p)

    def unique(self, p: Profile) -> bool:
        return len(self.by_name.get(p.file_name, [])) == 1

    def parent(self, child: Profile, name: str) -> Profile:
        got = self.by_name.get(name) or [p for ps in self.by_name.values() for p in ps if p.stem == Path(name).stem]
        if not got:
            raise NetrosettaError(f"extends unknown profile {name!r}", file=str(child.path))
        if len(got) > 1:
            raise NetrosettaError(f"extends {name!r}, which names {len(got)} profiles: "
                                  + ", ".join(str(p.path) for p in got), file=str(child.path))
        return got[0]
