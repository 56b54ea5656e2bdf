"""Fleet golden harness (issue 10): our translation of every ../shared/corpus/snmp-fleet walk
against LibreNMS's decode of the same walk, per device and per class.

The comparison is independent of the engine: expected values come from LibreNMS's JSON
(``expected/<family>.json``) and, for interface octets, from the walk's own lines through the
project's separate snmprec parser (tests/golden/snmp_corpus.Walk). The engine is used only
through its public translate API.

"Fully right" per class (``compare(family)`` returns a FamilyResult holding each verdict):

* cpu - our system.cpu.utilization points, x100, equal LibreNMS's processors' processor_usage
  as a multiset within 0.5 (LibreNMS stores whole or rounded percent) - same count, so no CPU
  is missing and none is invented.
* memory - one pool of ours (hw.id) per LibreNMS mempool of class "system" (RAM) with total
  (system.memory.limit), used and free all equal within 0.5 % of the total or 1 byte (LibreNMS
  derives some from percentages and KiB units); same number of pools. LibreNMS's free is what is
  available (total - used), so ours is free + buffers + cached (the OTel states that are not
  used), or limit - used when we give no free point. Its other classes are not RAM pools of
  their own: buffers / cached are states of the RAM pool in the unified schema, and virtual,
  swap and shared memory are not system.memory at all.
* temperature - our hw.temperature values equal LibreNMS's temperature sensors' sensor_current
  (already divided/multiplied) as a multiset within 0.1, same count. LibreNMS rows without a
  current value (sensor_current null) cannot be checked and are left out.
* A device where LibreNMS has none of a class is right only if we produce none either.
* LibreNMS records a discovery and a poller view; when they differ (a handful of devices, e.g.
  a poller that computes 100 - idle) matching either counts, since both are its reading of the
  one walk.
* octets - every ifHCIn/OutOctets (else ifIn/OutOctets) value in the walk appears as one
  hw.network.io point of its direction, as a multiset, and we emit no other: two interfaces
  sharing a name must stay two series. Devices without interface counters are not counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
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
    p = need_shared(*FLEET_PARTS, "expected", f"{family}.json")
    data: dict[str, Any] = json.loads(p.read_text())
    return data


def lnms_views(data: dict[str, Any], module: str, table: str) -> list[list[dict[str, Any]]]:
    """LibreNMS's rows of module.table: [discovery] or [discovery, poller] when the poller differs."""
    mod = data.get(module)
    if not isinstance(mod, dict):
        return [[]]
    views = []
    for phase in ("discovery", "poller"):
        part = mod.get(phase)
        if isinstance(part, dict) and isinstance(part.get(table), list):
            views.append(part[table])
    return views or [[]]


# --- per-class comparison ---------------------------------------------------------------

def _pair(ours: list[float], theirs: list[float], tol: float) -> bool:
    """Same count and, sorted, pairwise within tol (sorted pairing is the best 1-D matching)."""
    return len(ours) == len(theirs) and all(abs(a - b) <= tol for a, b in zip(sorted(ours), sorted(theirs), strict=True))


def _points(t: DeviceTranslation, metric: str) -> list[tuple[dict[str, str], Any]]:
    return [(attrs, v) for _s, m, attrs, v in t.iter_points() if m.name == metric]


def cpu_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    ours = [float(v) * 100 for _a, v in _points(t, "system.cpu.utilization")]
    return any(_pair(ours, [float(r["processor_usage"]) for r in rows], 0.5)
               for rows in lnms_views(data, "processors", "processors"))


def _our_pools(t: DeviceTranslation) -> list[tuple[float, float, float]]:
    """(total, used, free) per pool (hw.id) that has a limit and a used point."""
    nan = float("nan")
    total: dict[str, float] = {}
    states: dict[str, dict[str, float]] = {}
    for attrs, v in _points(t, "system.memory.limit"):
        total[attrs.get("hw.id", "")] = float(v)
    for attrs, v in _points(t, "system.memory.usage"):
        states.setdefault(attrs.get("hw.id", ""), {})[attrs.get("system.memory.state", "")] = float(v)
    out = []
    for i in sorted(set(total) | set(states)):
        st = states.get(i, {})
        used = st.get("used", nan)
        free = (st["free"] + st.get("buffers", 0.0) + st.get("cached", 0.0)) if "free" in st \
            else total.get(i, nan) - used
        out.append((total.get(i, nan), used, free))
    return out


def _pool_eq(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    tol = max(1.0, 0.005 * abs(b[0]))
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def memory_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    ours = _our_pools(t)
    for rows in lnms_views(data, "mempools", "mempools"):
        theirs = [(float(r["mempool_total"] or 0), float(r["mempool_used"] or 0), float(r["mempool_free"] or 0))
                  for r in rows if r.get("mempool_class", "system") == "system"]
        if len(ours) != len(theirs):
            continue
        left = list(ours)
        for want in theirs:
            hit = next((i for i, got in enumerate(left) if _pool_eq(got, want)), None)
            if hit is None:
                break
            left.pop(hit)
        else:
            return True
    return False


def temperature_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    ours = [float(v) for _a, v in _points(t, "hw.temperature")]
    for rows in lnms_views(data, "sensors", "sensors"):
        theirs = [float(r["sensor_current"]) for r in rows
                  if r.get("sensor_class") == "temperature" and r.get("sensor_current") is not None]
        if _pair(ours, theirs, 0.1):
            return True
    return False


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
    for attrs, v in _points(t, "hw.network.io"):
        got.setdefault(attrs.get("network.io.direction", ""), []).append(int(v))
    return all(sorted(got.get(d, [])) == want[d] for d in _IF_OCTETS)


@dataclass
class FamilyResult:
    family: str
    rulebook: str
    verdicts: dict[str, bool | None] = field(default_factory=dict)   # class -> right (None: not counted)
    present: dict[str, bool] = field(default_factory=dict)           # class -> LibreNMS has some


def lnms_has(data: dict[str, Any], cls: str) -> bool:
    """LibreNMS decoded at least one item of the class (cpu, memory, temperature)."""
    if cls == "cpu":
        return any(lnms_views(data, "processors", "processors"))
    if cls == "memory":
        return any(r.get("mempool_class", "system") == "system" for rows in lnms_views(data, "mempools", "mempools")
                   for r in rows)
    return any(r.get("sensor_class") == "temperature" for rows in lnms_views(data, "sensors", "sensors") for r in rows)


def compare(family: str) -> FamilyResult:
    t = translate_family(family)
    data = expected(family)
    chosen = t.matched.chosen.id if t.matched is not None and t.matched.chosen is not None else "-"
    walk = Walk(walk_path(family))
    return FamilyResult(family, chosen, {
        "rulebook": not chosen.startswith("generic/") and chosen != "-",
        "cpu": cpu_right(t, data),
        "memory": memory_right(t, data),
        "temperature": temperature_right(t, data),
        "octets": octets_right(t, walk),
    }, {c: lnms_has(data, c) for c in ("cpu", "memory", "temperature")})


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
    """class -> (right, counted); a documented disagreement counts as right (the walk backs us).

    only_present: count only devices where LibreNMS has the class (the issue's harder view; the
    default also counts "none and we emit none" as right).
    """
    out: dict[str, tuple[int, int]] = {}
    rs = list(results)
    for c in CLASSES:
        counted = [r for r in rs if r.verdicts.get(c) is not None and (not only_present or r.present.get(c, True))]
        right = sum(1 for r in counted if r.verdicts[c] or c in disagreements.get(r.family, {}))
        out[c] = (right, len(counted))
    return out
