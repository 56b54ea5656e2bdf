"""Golden: Fortinet fleet walks (FortiSwitch, FortiGate) against the raw walk and LibreNMS."""

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

FS_SYS = "1.3.6.1.4.1.12356.106.4.1."      # FORTINET-FORTISWITCH-MIB fsSystemInfo


def test_fortiswitch_cpu_and_memory() -> None:
    name = "fortiswitch"
    assert fleet_rulebook(name) == "fortinet/fortiswitch"
    walk, lnms, pts = fleet_walk(name), fleet_expected(name), fleet_points(name)
    assert fleet_resource(name)["os.version"] == "v3.3.3,build4047,160219"
    # fsSysCpuUsage is a percentage
    assert cpu_percent(pts) == [walk.get(FS_SYS + "2.0")]
    assert close(cpu_percent(pts), [p["processor_usage"] for p in processors(lnms)], 0)
    # fsSysMemUsage / fsSysMemCapacity are KB (MIB DESCRIPTION); LibreNMS reads them x 1024 too
    used_kb, cap_kb = walk.get(FS_SYS + "3.0"), walk.get(FS_SYS + "4.0")
    assert memory_pools(pts) == {"0": {"used": used_kb * 1024, "free": (cap_kb - used_kb) * 1024,
                                       "limit": cap_kb * 1024}}
    (lm,) = mempools(lnms)
    assert lm["mempool_used"] == used_kb * 1024 and lm["mempool_total"] == cap_kb * 1024
    assert close(mem_percent(pts), [lm["mempool_perc"]], 0.5)


def test_fortigate_matches_by_product_subtree() -> None:
    # this FortiGate walk (a link-monitor capture) carries no fgSystemInfo CPU/memory scalars,
    # and LibreNMS found no processors or mempools in it either: nothing may be invented
    name = "fortigate_link-monitor"
    assert fleet_rulebook(name) == "fortinet/fortigate"
    walk, lnms, pts = fleet_walk(name), fleet_expected(name), fleet_points(name)
    assert walk.get("1.3.6.1.4.1.12356.101.4.1.3.0") is None
    assert processors(lnms) == [] and mempools(lnms) == []
    assert pts.series("system.cpu.utilization") == [] and memory_pools(pts) == {}
    assert fleet_resource(name)["os.version"] == walk.text(walk.get("1.3.6.1.4.1.12356.101.4.1.1.0"))
