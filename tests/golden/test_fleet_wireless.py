"""Golden: wireless fleet walks (Ubiquiti, Aruba Instant, Ruckus, HiveOS, Mimosa, Cambium)
against the raw walk (independent parse) and LibreNMS's decode."""

from __future__ import annotations

from tests.golden.fleet_gear import (
    check_cpu,
    check_memory,
    check_temperatures,
    fleet_expected,
    fleet_points,
    fleet_rulebook,
    fleet_walk,
    memory_pools,
    mempools,
    processors,
)

FROGFOOT = "1.3.6.1.4.1.10002.1.1.1."


def test_airmax_cpu_hundredths_and_temperature() -> None:
    assert fleet_rulebook("airos") == "ubiquiti/airos"
    # ubntHostCpuLoad is percent x 100 (400 -> 4 %), as LibreNMS's divisor 100 says too
    check_cpu("airos", "1.3.6.1.4.1.41112.1.4.8.3.0", divisor=100)
    check_temperatures("airos", "1.3.6.1.4.1.41112.1.4.8.4.0")


def test_unifi_frogfoot_load_and_memory() -> None:
    name = "unifi"
    assert fleet_rulebook(name) == "ubiquiti/airos"
    walk, pts = fleet_walk(name), fleet_points(name)
    # loadTable row 2 is the 5-minute figure (its loadDescr says so)
    assert walk.text(walk.get(FROGFOOT + "4.2.1.2.2")) == "5 Minute Average"
    assert [v * 100 for _a, v in pts.series("system.cpu.utilization")] == [walk.get(FROGFOOT + "4.2.1.3.2")]
    assert [p["processor_usage"] for p in processors(fleet_expected(name))] == [walk.get(FROGFOOT + "4.2.1.3.2")]
    total, free = walk.get(FROGFOOT + "1.1.0"), walk.get(FROGFOOT + "1.2.0")
    assert memory_pools(pts) == {"0": {"used": (total - free) * 1024, "free": free * 1024, "limit": total * 1024}}
    (lm,) = mempools(fleet_expected(name))
    assert lm["mempool_total"] == total * 1024
    check_memory(name)


def test_aruba_instant_per_ap() -> None:
    name = "aruba-instant_105"
    assert fleet_rulebook(name) == "aruba/instant"
    ai = "1.3.6.1.4.1.14823.2.3.3.1.2.1.1."
    check_cpu(name, ai + "7")                                   # aiAPCPUUtilization
    walk, pts = fleet_walk(name), fleet_points(name)
    free, total = walk.column(ai + "8"), walk.column(ai + "10")
    assert {k: (p["free"], p["limit"]) for k, p in memory_pools(pts).items()} == \
        {k: (free[k], total[k]) for k in free}
    check_memory(name)


def test_ruckus_zonedirector() -> None:
    assert fleet_rulebook("ruckuswireless_zd1100") == "ruckus/zonedirector"
    check_cpu("ruckuswireless_zd1100", "1.3.6.1.4.1.25053.1.2.1.1.1.5.58.0")


def test_hiveos() -> None:
    assert fleet_rulebook("hiveos-wireless_ap130") == "extreme/hiveos"
    check_cpu("hiveos-wireless_ap130", "1.3.6.1.4.1.26928.1.2.3.0")
    check_temperatures("hiveos-wireless_ap130", "1.3.6.1.4.1.26928.1.2.10.0")


def test_mimosa_tenths() -> None:
    assert fleet_rulebook("mimosa") == "mimosa/b5"
    # the MIB says UNITS "C" but the radio reports 450 for 45 C; LibreNMS divides by 10 as well
    check_temperatures("mimosa", "1.3.6.1.4.1.43356.2.1.2.1.8.0", divisor=10)


def test_cambium_pmp() -> None:
    assert fleet_rulebook("pmp") == "cambium/pmp"
    check_temperatures("pmp", "1.3.6.1.4.1.161.19.3.3.1.35.0")             # boxTemperatureC
