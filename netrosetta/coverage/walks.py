"""Coverage of a folder of recorded SNMP walks: per device, the rulebook that matched (a vendor one
or the generic fallback), the metric families that came out, the MIB tables the walk held that no
rule read (by MIB module: what to write next), and - given LibreNMS's decode of
the same walks - whether CPU, memory and temperature agree with it.

A walk is ``NAME.snmprec`` (snmpsim) or ``NAME.walk`` / ``NAME.snmpwalk`` / ``NAME.txt``
(``snmpwalk -On`` output); its LibreNMS decode is ``EXPECTED/NAME.json``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.snmpwalk_text import looks_like_snmpwalk, read_snmpwalk
from netrosetta.collectors.snmp.unused import by_module, unused_objects
from netrosetta.collectors.snmp.varbind import WalkFile, read_snmprec
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from netrosetta.errors import NetrosettaError

from . import librenms
from .families import FAMILIES, family
from .figures import tally

log = logging.getLogger(__name__)

WALK_SUFFIXES = (".snmprec", ".walk", ".snmpwalk", ".txt")
# fixed translation time: coverage is about which points come out, not when
TIME_NS = 1_700_000_000_000_000_000


def walk_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise NetrosettaError("not a folder of walks", file=str(folder))
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in WALK_SUFFIXES)


def read_walk(path: Path) -> WalkFile:
    """snmprec or snmpwalk text, told apart by the first line that is not a comment."""
    try:
        with path.open(encoding="utf-8", errors="surrogateescape") as f:
            first = next((ln for ln in f if ln.strip() and not ln.startswith("#")), "")
    except OSError as exc:
        raise NetrosettaError(f"cannot read walk: {exc.strerror}", file=str(path)) from None
    return read_snmpwalk(path) if looks_like_snmpwalk(first) else read_snmprec(path)


def translate_walk(path: Path, rulebooks: RulebookSet) -> tuple[DeviceTranslation, WalkFile]:
    t, walk, _ds = _translate(path, rulebooks)
    return t, walk


def _translate(path: Path, rulebooks: RulebookSet) -> tuple[DeviceTranslation, WalkFile, SnmpDataset]:
    walk = read_walk(path)
    ds = SnmpDataset(walk.varbinds)
    return translate(ds, snmp_facts(ds), rulebooks, time_ns=TIME_NS), walk, ds


@dataclass
class DeviceCoverage:
    device: str                                   # walk name (file stem)
    rulebook: str                                 # chosen rulebook id, "-" when translation failed
    fallback: bool                                # matched only the generic fallback
    families: dict[str, int] = field(default_factory=dict)    # family -> data points
    skipped_lines: int = 0
    error: str = ""
    librenms_os: str = ""
    agree: dict[str, bool] = field(default_factory=dict)      # class -> fully right vs LibreNMS
    librenms_has: dict[str, bool] = field(default_factory=dict)
    # what the walk held that no rule of the chosen rulebook read: MIB module -> table/group -> values
    unused: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rulebook": self.rulebook, "fallback": self.fallback, "families": self.families}
        if self.skipped_lines:
            out["skipped_lines"] = self.skipped_lines
        if self.unused:
            out["unused"] = self.unused
        if self.error:
            out["error"] = self.error
        if self.agree:
            out["librenms"] = {"os": self.librenms_os, "agree": self.agree, "has": self.librenms_has}
        return out


def families_of(t: DeviceTranslation) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for _s, m, _a, _v in t.iter_points():
        counts[family(m.name)] += 1
    return {f: counts[f] for f in FAMILIES if counts[f]}


def chosen_rulebook(t: DeviceTranslation) -> tuple[str, bool]:
    m = t.matched
    if m is None or m.chosen is None:
        return "-", True
    return m.chosen.id, bool(m.fell_back) or m.chosen.id.startswith("generic/")


def cover_device(path: Path, rulebooks: RulebookSet, expected_dir: Path | None = None) -> DeviceCoverage:
    """One device's coverage; a walk that cannot be read or translated is a result with its error."""
    try:
        t, walk, ds = _translate(path, rulebooks)
    except NetrosettaError as exc:
        return DeviceCoverage(path.stem, "-", True, error=str(exc))
    rid, fell_back = chosen_rulebook(t)
    dc = DeviceCoverage(path.stem, rid, fell_back, families_of(t), len(walk.skipped),
                        unused=by_module(unused_objects(ds)))
    if expected_dir is not None:
        exp = expected_dir / f"{path.stem}.json"
        if exp.is_file():
            try:
                data = librenms.load_expected(exp)
            except NetrosettaError as exc:      # the walk's own coverage still stands; not scored
                dc.error = str(exc)
                return dc
            dc.librenms_os = librenms.os_name(data)
            dc.agree = librenms.verdicts(t, data)
            dc.librenms_has = {c: librenms.has(data, c) for c in librenms.CLASSES}
        else:
            log.info("%s: no LibreNMS decode at %s; not scored", path.stem, exp)
    return dc


def cover_folder(folder: Path, rulebooks: RulebookSet, expected_dir: Path | None = None) -> list[DeviceCoverage]:
    return [cover_device(p, rulebooks, expected_dir) for p in walk_files(folder)]


def figures(results: Iterable[DeviceCoverage], only_present: bool = False) -> dict[str, tuple[int, int]]:
    """measure -> (right, counted): a vendor rulebook (not the fallback) over every walk, and
    CPU / memory / temperature fully right over the walks LibreNMS decoded."""
    rs = list(results)
    out = tally(((r.device, {"rulebook": not r.fallback}, {}) for r in rs), ["rulebook"])
    out.update(tally(((r.device, r.agree, r.librenms_has) for r in rs if r.agree), librenms.CLASSES,
                     only_present=only_present))
    return out
