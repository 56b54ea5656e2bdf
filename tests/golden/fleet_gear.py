"""Golden-test helper for network-gear walks of ``../shared/corpus/snmp-fleet`` (issue 10, fleet-a).

The walk is parsed by tests/golden/snmp_corpus.py's own snmprec parser (not the engine's), so a
test compares the engine with the raw walk; LibreNMS's decode (``expected/<walk>.json``) is the
independent second opinion. Where the two disagree the test says which one the walk supports.

    walk = fleet_walk("fortiswitch")          # Walk (skips, or fails in CI, without ../shared)
    lnms = fleet_expected("fortiswitch")      # LibreNMS's decode
    pts = fleet_points("fortiswitch")         # Points of the translation through mappings/
    fleet_rulebook("fortiswitch")             # id of the rulebook that matched
    processors(lnms) / mempools(lnms) / sensors(lnms, "temperature")
    cpu_percent(pts) / mem_percent(pts)       # sorted percentages the translation reports
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.conftest import need_shared
from tests.golden.snmp_corpus import Points, Walk, _load_walk, _translate, lnms_rows

FLEET = ("corpus", "snmp-fleet")


def fleet_walk(name: str) -> Walk:
    return _load_walk(need_shared(*FLEET, f"{name}.snmprec"))


def fleet_expected(name: str) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(need_shared(*FLEET, "expected", f"{name}.json").read_text())
    return data


@cache
def fleet_points(name: str) -> Points:
    return Points(_translate(need_shared(*FLEET, f"{name}.snmprec")))


def fleet_rulebook(name: str) -> str | None:
    t = _translate(need_shared(*FLEET, f"{name}.snmprec"))
    return t.matched.chosen.id if t.matched.chosen else None


def fleet_resource(name: str) -> dict[str, Any]:
    return dict(_translate(need_shared(*FLEET, f"{name}.snmprec")).resource)


def processors(lnms: dict[str, Any]) -> list[dict[str, Any]]:
    return lnms_rows(lnms, "processors", "processors")


def mempools(lnms: dict[str, Any]) -> list[dict[str, Any]]:
    return lnms_rows(lnms, "mempools", "mempools")


def sensors(lnms: dict[str, Any], sensor_class: str) -> list[dict[str, Any]]:
    return [r for r in lnms_rows(lnms, "sensors", "sensors") if r["sensor_class"] == sensor_class]


def cpu_percent(pts: Points) -> list[float]:
    """Every CPU point as a percentage, sorted."""
    return sorted(round(v * 100, 6) for _a, v in pts.series("system.cpu.utilization"))


def memory_pools(pts: Points) -> dict[str, dict[str, float]]:
    """{hw.id: {"used": bytes, "free": bytes, "limit": bytes}} from the memory points."""
    pools: dict[str, dict[str, float]] = {}
    for a, v in pts.series("system.memory.usage"):
        pools.setdefault(a["hw.id"], {})[a["system.memory.state"]] = v
    for a, v in pts.series("system.memory.limit"):
        pools.setdefault(a["hw.id"], {})["limit"] = v
    return pools


def mem_percent(pts: Points) -> list[float]:
    """Used share of every memory pool in percent, sorted."""
    out = []
    for pool in memory_pools(pts).values():
        limit = pool.get("limit") or pool.get("used", 0) + pool.get("free", 0)
        out.append(100 * pool["used"] / limit)
    return sorted(out)


def close(ours: list[float], theirs: list[float], tol: float) -> bool:
    """Same multiset of values within tol (LibreNMS rounds percentages to integers)."""
    a, b = sorted(ours), sorted(theirs)
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))
