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


def walk_values(walk: Walk, ref: str, divisor: float = 1, skip: tuple[int, ...] = ()) -> list[float]:
    """Values of a scalar instance (``....0``) or of every row of a column, divided, sorted."""
    if ref.endswith(".0"):
        raw = [walk.get(ref)] if walk.get(ref) is not None else []
    else:
        raw = list(walk.column(ref).values())
    return sorted(v / divisor for v in raw if v not in skip)


def check_cpu(name: str, ref: str, divisor: float = 1, lnms_tol: float = 0) -> None:
    """CPU points equal the walk's column/scalar (percent x divisor) and LibreNMS's processors."""
    pts, walk, lnms = fleet_points(name), fleet_walk(name), fleet_expected(name)
    ours = cpu_percent(pts)
    assert ours == [round(v, 6) for v in walk_values(walk, ref, divisor)]
    assert close(ours, [float(p["processor_usage"]) for p in processors(lnms)], lnms_tol), \
        (ours, [p["processor_usage"] for p in processors(lnms)])


def check_temperatures(name: str, ref: str, divisor: float = 1, skip: tuple[int, ...] = ()) -> None:
    """Temperature points equal the walk's readings and LibreNMS's temperature sensors."""
    pts, walk, lnms = fleet_points(name), fleet_walk(name), fleet_expected(name)
    ours = sorted(v for _a, v in pts.series("hw.temperature"))
    assert ours == walk_values(walk, ref, divisor, skip)
    assert close(ours, [float(s["sensor_current"]) for s in sensors(lnms, "temperature")], 0.01)


def check_memory(name: str, lnms_tol: float = 0.5) -> None:
    """Every pool's used share matches LibreNMS's mempool_perc (which it rounds)."""
    pts, lnms = fleet_points(name), fleet_expected(name)
    assert close(mem_percent(pts), [float(m["mempool_perc"]) for m in mempools(lnms)], lnms_tol)
