"""Fleet golden harness (issue 10): our translation of every ../shared/corpus/snmp-fleet walk
against LibreNMS's decode of the same walk, per device and per class.

The comparison is independent of the engine: expected values come from LibreNMS's JSON
(``expected/<family>.json``) and, for interface octets, from the walk's own lines through the
project's separate snmprec parser (tests/golden/snmp_corpus.Walk). The engine is used only
through its public translate API.

"Fully right" per class for cpu, memory and temperature is netrosetta.coverage.librenms's (the
rules are in its docstring; `netrosetta coverage --walk --expected` scores by the same code).
Here only:

* octets - every ifHCIn/OutOctets (else ifIn/OutOctets) value in the walk appears as one
  hw.network.io point of its direction, as a multiset, and we emit no other: two interfaces
  sharing a name must stay two series. Devices without interface counters are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.coverage import librenms
from netrosetta.coverage.figures import tally
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import translate
from tests.conftest import SHARED, need_shared
from tests.golden.snmp_corpus import FIXED_TIME_NS, Walk, _rulebooks

FLEET_PARTS = ("corpus", "snmp-fleet")
CLASSES = ("rulebook", "cpu", "memory", "temperature", "octets")
HERE = Path(__file__).parent
STATUS_FILE = HERE / "fleet_fully_right.yaml"
DISAGREEMENTS_FILE = HERE / "fleet_disagreements.yaml"

_IF_OCTETS = {  # direction -> (HC column, 32-bit column)
    "receive": ("1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.2.2.1.10"),
    "transmit": ("1.3.6.1.2.1.31.1.1.1.10", "1.3.6.1.2.1.2.2.1.16"),
}


def families() -> list[str]:
    """Walk names of the fleet corpus (empty without ../shared: the tests then skip)."""
    d = SHARED.joinpath(*FLEET_PARTS)
    return sorted(p.stem for p in d.glob("*.snmprec")) if d.is_dir() else []


def walk_path(family: str) -> Path:
    return need_shared(*FLEET_PARTS, f"{family}.snmprec")


@cache
def translate_family(family: str) -> DeviceTranslation:
    ds = SnmpDataset(read_snmprec(walk_path(family)).varbinds)
    return translate(ds, snmp_facts(ds), _rulebooks(), time_ns=FIXED_TIME_NS)


@cache
def expected(family: str) -> dict[str, Any]:
    return librenms.load_expected(need_shared(*FLEET_PARTS, "expected", f"{family}.json"))


def walk_octets(walk: Walk) -> dict[str, list[int]]:
    """direction -> every octet counter of the walk (HC where the row has it, else 32-bit)."""
    out: dict[str, list[int]] = {}
    for direction, (hc, c32) in _IF_OCTETS.items():
        hc_col, c32_col = walk.column(hc), walk.column(c32)
        vals = [hc_col.get(i, c32_col.get(i)) for i in set(hc_col) | set(c32_col)]
        out[direction] = sorted(v for v in vals if isinstance(v, int))
    return out


def octets_right(t: DeviceTranslation, walk: Walk) -> bool | None:
    """None when the walk has no interface octets (not counted)."""
    want = walk_octets(walk)
    if not any(want.values()):
        return None
    got: dict[str, list[int]] = {d: [] for d in _IF_OCTETS}
    for attrs, v in librenms.points(t, "hw.network.io"):
        got.setdefault(attrs.get("network.io.direction", ""), []).append(int(v))
    return all(sorted(got.get(d, [])) == want[d] for d in _IF_OCTETS)


@dataclass
class FamilyResult:
    family: str
    rulebook: str
    verdicts: dict[str, bool | None] = field(default_factory=dict)   # class -> right (None: not counted)
    present: dict[str, bool] = field(default_factory=dict)           # class -> LibreNMS has some


def compare(family: str) -> FamilyResult:
    t = translate_family(family)
    data = expected(family)
    chosen = t.matched.chosen.id if t.matched is not None and t.matched.chosen is not None else "-"
    walk = Walk(walk_path(family))
    return FamilyResult(family, chosen, {
        "rulebook": not chosen.startswith("generic/") and chosen != "-",
        **librenms.verdicts(t, data),
        "octets": octets_right(t, walk),
    }, {c: librenms.has(data, c) for c in librenms.CLASSES})


# --- the recorded lists -------------------------------------------------------------------

def load_status() -> dict[str, set[str]]:
    """class -> families recorded as fully right (the strict list the golden test holds true)."""
    raw = yaml.safe_load(STATUS_FILE.read_text()) or {}
    return {c: set(raw.get(c) or []) for c in CLASSES}


STATUS_HEADER = """\
# class -> walks of ../shared/corpus/snmp-fleet that are fully right today (rules: tests/golden/fleet.py).
# tests/golden/test_snmp_fleet.py fails when a listed walk regresses AND when an unlisted one is
# now right: when your rulebook fixes a family, add it here under the class it fixes
# (`scripts/fleet_figures.py --update-status` rewrites this file; review its diff).
# rulebook: the walk matches a vendor rulebook (not generic/snmp). octets: every interface
# octet counter of the walk is one point of ours.
"""


def write_status(results: Iterable[FamilyResult], disagreements: dict[str, dict[str, str]]) -> None:
    """Record which families are fully right per class (documented disagreements excluded)."""
    rs = list(results)
    out = {c: sorted(r.family for r in rs if r.verdicts.get(c) and c not in disagreements.get(r.family, {}))
           for c in CLASSES}
    STATUS_FILE.write_text(STATUS_HEADER + yaml.safe_dump(out, default_flow_style=False, sort_keys=False, width=100))


def load_disagreements() -> dict[str, dict[str, str]]:
    """family -> class -> why the walk supports our value and not LibreNMS's."""
    raw: dict[str, dict[str, str]] = yaml.safe_load(DISAGREEMENTS_FILE.read_text()) or {}
    return raw


def figures(results: Iterable[FamilyResult], disagreements: dict[str, dict[str, str]],
            only_present: bool = False) -> dict[str, tuple[int, int]]:
    """class -> (right, counted); a documented disagreement counts as right (the walk backs us)."""
    return tally(((r.family, r.verdicts, r.present) for r in results), CLASSES, disagreements, only_present)
