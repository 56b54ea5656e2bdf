"""Golden: Cisco non-IOS fleet walks (FTD, AireOS WLC) against the raw walk and LibreNMS."""

from __future__ import annotations

from tests.golden.fleet_gear import (
    close,
    cpu_percent,
    fleet_expected,
    fleet_points,
    fleet_resource,
    fleet_rulebook,
    fleet_walk,
    mem_percent,
    memory_pools,
    mempools,
    processors,
)

CPM_5MIN_REV = "1.3.6.1.4.1.9.9.109.1.1.1.1.8"       # CISCO-PROCESS-MIB cpmCPUTotal5minRev
CEMP = "1.3.6.1.4.1.9.9.221.1.1.1.1."                # CISCO-ENHANCED-MEMPOOL-MIB cempMemPoolEntry
AIRESPACE = "1.3.6.1.4.1.14179.1.1.5."               # AIRESPACE-SWITCHING-MIB agentResourceInfo


def test_ftd_cpu_per_core_and_mempools() -> None:
    name = "ftd_4115"
    assert fleet_rulebook(name) == "cisco/asa"
    walk, lnms, pts = fleet_walk(name), fleet_expected(name), fleet_points(name)
    assert fleet_resource(name)["os.name"] == "FTD"
    assert cpu_percent(pts) == sorted(walk.column(CPM_5MIN_REV).values())
    assert close(cpu_percent(pts), [p["processor_usage"] for p in processors(lnms)], 0)
    used, free = walk.column(CEMP + "18"), walk.column(CEMP + "20")     # cempMemPoolHCUsed/HCFree
    pools = memory_pools(pts)
    assert {k: (p["used"], p["free"]) for k, p in pools.items()} == {k: (used[k], free[k]) for k in used}
    assert close(mem_percent(pts), [m["mempool_perc"] for m in mempools(lnms)], 0.5)
    # interfaces by ifName ("Ethernet1/7"), not ifDescr ("Adaptive Security Appliance '...' interface")
    names = {a["network.interface.name"] for a, _v in pts.series("hw.network.io")}
    assert "Internal-Data0/0" in names and not any("Adaptive" in n for n in names)


def test_wlc_cpu_and_memory() -> None:
    name = "ciscowlc"
    assert fleet_rulebook(name) == "cisco/wlc"
    walk, lnms, pts = fleet_walk(name), fleet_expected(name), fleet_points(name)
    assert cpu_percent(pts) == [walk.get(AIRESPACE + "1.0")]
    assert close(cpu_percent(pts), [p["processor_usage"] for p in processors(lnms)], 0)
    total_kb, free_kb = walk.get(AIRESPACE + "2.0"), walk.get(AIRESPACE + "3.0")
    assert memory_pools(pts) == {"0": {"used": (total_kb - free_kb) * 1024, "free": free_kb * 1024,
                                       "limit": total_kb * 1024}}
    (lm,) = mempools(lnms)
    assert lm["mempool_total"] == total_kb * 1024
    assert close(mem_percent(pts), [lm["mempool_perc"]], 0.5)
