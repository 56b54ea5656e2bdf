"""Golden: router / OLT fleet walks (Datacom DmOS, Teldat, OneAccess, Huawei YunShan, Ubiquiti
EdgeOS) against the raw walk (independent parse) and LibreNMS's decode."""

from __future__ import annotations

from tests.golden.fleet_gear import (
    check_cpu,
    check_memory,
    check_temperatures,
    cpu_percent,
    fleet_expected,
    fleet_points,
    fleet_resource,
    fleet_rulebook,
    fleet_walk,
    memory_pools,
    mempools,
    processors,
)


def test_datacom_dmos() -> None:
    name = "datacom-dmos_dm4611"
    assert fleet_rulebook(name) == "datacom/dmos"
    assert fleet_resource(name)["os.version"] == "9.0.0-345-1-g479ba56c8a"
    check_cpu(name, "1.3.6.1.4.1.3709.3.6.4.1.2.1.4")                 # cpuLoadOneMinuteActive
    walk, pts = fleet_walk(name), fleet_points(name)
    mem = "1.3.6.1.4.1.3709.3.6.4.2.2.1."                             # memoryOneMinute Total/Used/Free
    # index: chassis 1, slot "1" (a length-prefixed string: 1.1.49), decoded to hw.id 1.1
    total, used, free = (walk.column(mem + c)["1.1.49"] for c in ("26", "27", "28"))
    assert memory_pools(pts) == {"1.1": {"used": used, "free": free, "limit": total}}
    check_memory(name)


def test_teldat_one_cpu_two_heaps() -> None:
    name = "teldat_teldatm1"
    assert fleet_rulebook(name) == "teldat/cit"
    walk, pts, lnms = fleet_walk(name), fleet_points(name), fleet_expected(name)
    cpu = "1.3.6.1.4.1.2007.4.1.2.1.2.1.1."
    # teldatCPUBusy5sec / 1min / 5min are three averages of the same CPU; LibreNMS lists each
    # as a processor, we report the CPU once with its 5-minute figure
    assert sorted(p["processor_usage"] for p in processors(lnms)) == \
        sorted(walk.get(cpu + c) for c in ("1.0", "2.0", "3.0"))
    assert cpu_percent(pts) == [walk.get(cpu + "3.0")]
    check_memory(name)


def test_oneaccess_cores_and_memory() -> None:
    name = "oneaccess_oneaccess-lte"
    assert fleet_rulebook(name) == "oneaccess/oneos"
    check_cpu(name, "1.3.6.1.4.1.13191.10.3.3.1.2.3.1.3")             # oacSysCpuUsedValue
    walk, pts = fleet_walk(name), fleet_points(name)
    total, free = walk.get("1.3.6.1.4.1.13191.10.3.3.1.1.3.0"), walk.get("1.3.6.1.4.1.13191.10.3.3.1.1.1.0")
    assert memory_pools(pts) == {"0": {"used": total - free, "free": free, "limit": total}}
    (lm,) = mempools(fleet_expected(name))
    # LibreNMS reads oacSysMemoryUsed (the device's whole percentage, 65) as its percent; the
    # bytes give 65.7 %, so the two agree within that truncation
    assert lm["mempool_perc"] == walk.get("1.3.6.1.4.1.13191.10.3.3.1.1.4.0")
    check_memory(name, lnms_tol=1)


def test_yunshan_is_vrp() -> None:
    name = "yunshan_s5735-v2"
    assert fleet_rulebook(name) == "huawei/vrp"
    # YunShan reports hwEntityMemSizeMega only (no hwEntityMemSize): boards are still found
    walk, pts = fleet_walk(name), fleet_points(name)
    ent = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1."
    assert cpu_percent(pts) == [walk.column(ent + "5")["16842753"]]
    assert [p["processor_usage"] for p in processors(fleet_expected(name))] == [walk.column(ent + "5")["16842753"]]
    # memory: hwEntityMemUsage 60 % of hwEntityMemSizeMega 2048 MiB; LibreNMS reports no mempool
    # for this walk although the walk has both (recorded in fleet_disagreements.yaml)
    mega, pct = walk.column(ent + "19")["16842753"], walk.column(ent + "7")["16842753"]
    pool = memory_pools(pts)["16842753"]
    assert pool["limit"] == mega * 1048576 and pool["used"] == round(pct * mega * 10485.76)
    assert mempools(fleet_expected(name)) == []
    check_temperatures(name, ent + "11", skip=(0,))


def test_edgeos_host_resources() -> None:
    assert fleet_rulebook("edgeos_erl") == "ubiquiti/edgeos"
    assert fleet_resource("edgeos_erl")["device.model.identifier"] == "EdgeRouter Lite"
