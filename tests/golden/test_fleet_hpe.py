"""Golden: HPE Comware fleet walk (HPE 5900) against the raw walk and LibreNMS."""

from __future__ import annotations

from tests.golden.fleet_gear import (
    close,
    cpu_percent,
    fleet_expected,
    fleet_points,
    fleet_rulebook,
    fleet_walk,
    mem_percent,
    memory_pools,
    mempools,
    processors,
    sensors,
)

EXT = "1.3.6.1.4.1.25506.2.6.1.1.1.1."      # HH3C-ENTITY-EXT-MIB hh3cEntityExtStateEntry
CPU, MEM, MEMSIZE, TEMP = EXT + "6", EXT + "8", EXT + "10", EXT + "12"


def test_comware_cpu_memory_temperature() -> None:
    name = "comware_hpe5900"
    assert fleet_rulebook(name) == "hpe/comware"
    walk, lnms, pts = fleet_walk(name), fleet_expected(name), fleet_points(name)
    # boards with memory (hh3cEntityExtMemSize > 0) run a CPU; every other row reads 0
    boards = {i for i, size in walk.column(MEMSIZE).items() if size > 0}
    assert boards == {"192"}
    cpus = walk.column(CPU)
    assert cpu_percent(pts) == sorted(cpus[i] for i in boards)
    assert close(cpu_percent(pts), [p["processor_usage"] for p in processors(lnms)], 0)
    size, pct = walk.column(MEMSIZE)["192"], walk.column(MEM)["192"]
    used = round(size * pct / 100)
    assert memory_pools(pts) == {"192": {"used": used, "free": size - used, "limit": size}}
    assert close(mem_percent(pts), [m["mempool_perc"] for m in mempools(lnms)], 0.5)
    # temperatures: every row but the 65535 "no sensor" marker; LibreNMS finds the same five
    temps = sorted(v for v in walk.column(TEMP).values() if v != 65535)
    ours = sorted(v for _a, v in pts.series("hw.temperature"))
    assert ours == temps
    assert close(ours, [s["sensor_current"] for s in sensors(lnms, "temperature")], 0)
