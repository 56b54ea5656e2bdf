"""Golden: switch fleet walks (Zyxel, TP-Link, Hirschmann, Dell, Extreme, Brocade, Allied Telesis,
NETGEAR) against the raw walk (independent parse) and LibreNMS's decode."""

from __future__ import annotations

import pytest

from tests.golden.fleet_gear import (
    check_cpu,
    check_memory,
    check_temperatures,
    close,
    cpu_percent,
    fleet_expected,
    fleet_points,
    fleet_resource,
    fleet_rulebook,
    fleet_walk,
    memory_pools,
    mempools,
    processors,
    sensors,
)

# walk, rulebook, CPU scalar/column, divisor (walk units per percent)
CPU_CASES = [
    ("zynos_es", "zyxel/zynos", "1.3.6.1.4.1.890.1.15.3.2.7.0", 1),           # sysMgmtCPU5SecUsage
    ("jetstream_t1600g-18ts", "tplink/jetstream", "1.3.6.1.4.1.11863.6.4.1.1.1.1.2", 1),
    ("hirschmann", "hirschmann/hios", "1.3.6.1.4.1.248.14.2.15.2.1.0", 1),      # hmCpuUtilization
    ("ftos", "dell/force10", "1.3.6.1.4.1.6027.3.10.1.2.9.1.2", 1),             # chStackUnitCpuUtil5Sec
    ("dnos_z", "dell/force10", "1.3.6.1.4.1.6027.3.25.1.2.3.1.1", 1),           # chSysCpuUtil5Sec
    ("powerconnect_3030", "dell/powerconnect", "1.3.6.1.4.1.89.1.7.0", 1),      # rlCpuUtilDuringLastSecond
    ("boss", "extreme/boss", "1.3.6.1.4.1.45.1.6.3.8.1.1.6", 1),                # s5ChasUtilCPUUsageLast10Minutes
    ("voss_8404", "extreme/voss", "1.3.6.1.4.1.2272.1.85.10.1.1.3", 1),         # rcKhiSlotCpu5MinAve
    ("fabos_6520", "brocade/fabos", "1.3.6.1.4.1.1588.2.1.1.1.26.1.0", 1),      # swCpuUsage
    # etsysResourceCpuLoad5min is in tenths of a percent: 708 -> 70.8 %; LibreNMS shows 71
    ("enterasys", "extreme/enterasys", "1.3.6.1.4.1.5624.1.2.49.1.1.1.1.4", 10),
]


@pytest.mark.parametrize(("name", "rulebook", "ref", "divisor"), CPU_CASES)
def test_cpu(name: str, rulebook: str, ref: str, divisor: int) -> None:
    assert fleet_rulebook(name) == rulebook
    check_cpu(name, ref, divisor, lnms_tol=0.5 if divisor != 1 else 0)


def test_hirschmann_memory_and_temperature() -> None:
    walk, pts = fleet_walk("hirschmann"), fleet_points("hirschmann")
    alloc, free = walk.get("1.3.6.1.4.1.248.14.2.15.3.1.0"), walk.get("1.3.6.1.4.1.248.14.2.15.3.2.0")
    # hmMemoryAllocated / hmMemoryFree are kBytes (UNITS in the MIB); LibreNMS's total agrees
    assert memory_pools(pts) == {"0": {"used": alloc * 1024, "free": free * 1024,
                                       "limit": (alloc + free) * 1024}}
    check_memory("hirschmann")
    check_temperatures("hirschmann", "1.3.6.1.4.1.248.14.2.5.1.0")             # hmTemperature


def test_enterasys_ram_pool() -> None:
    walk, pts = fleet_walk("enterasys"), fleet_points("enterasys")
    store = "1.3.6.1.4.1.5624.1.2.49.1.3.1.1."
    # only the ram(2) storage row is memory; flash rows are not
    size, avail = walk.column(store + "4")["3.2.0"], walk.column(store + "5")["3.2.0"]
    assert memory_pools(pts) == {"3.2.0": {"used": (size - avail) * 1024, "free": avail * 1024,
                                           "limit": size * 1024}}
    check_memory("enterasys")


def test_xos_without_monitor_rows() -> None:
    # the ExtremeXOS walk has no EXTREME-SOFTWARE-MONITOR rows and LibreNMS found nothing either
    assert fleet_rulebook("xos_x650") == "extreme/xos"
    assert fleet_resource("xos_x650")["os.version"] == "15.3.5.2"
    assert fleet_points("xos_x650").series("system.cpu.utilization") == []


def test_fabos_sensors() -> None:
    name = "fabos_6520"
    walk, pts = fleet_walk(name), fleet_points(name)
    sw = "1.3.6.1.4.1.1588.2.1.1.1.1.22.1."
    kind, value = walk.column(sw + "2"), walk.column(sw + "4")
    temps = sorted(value[i] for i, k in kind.items() if k == 1)
    assert sorted(v for _a, v in pts.series("hw.temperature")) == temps
    assert close(temps, [float(s["sensor_current"]) for s in sensors(fleet_expected(name), "temperature")], 0)
    fans = sorted(value[i] for i, k in kind.items() if k == 2)
    assert sorted(v for _a, v in pts.series("hw.fan.speed")) == fans


def test_ironware_half_degrees() -> None:
    name = "ironware_stack-temp"
    assert fleet_rulebook(name) == "brocade/ironware"
    # snAgentTemp2Value counts 0.5 C steps: 103 -> 51.5 C, as LibreNMS decodes too
    check_temperatures(name, "1.3.6.1.4.1.1991.1.1.2.13.3.1.5", divisor=2)


def test_allied_telesis() -> None:
    for name in ("allied_awplusv2", "awplus_sfp"):
        assert fleet_rulebook(name) == "alliedtelesis/awplus"
    # environment sensors in C plus the transceiver's in 0.001 C (57984 -> 57.984)
    walk, pts = fleet_walk("awplus_sfp"), fleet_points("awplus_sfp")
    env = list(walk.column("1.3.6.1.4.1.207.8.4.4.3.12.3.1.5").values())     # atEnvMonv2TemperatureCurrent
    sfp = [v / 1000 for v in walk.column("1.3.6.1.4.1.207.8.4.4.3.28.1.1.1.3").values()]
    ours = sorted(v for _a, v in pts.series("hw.temperature"))
    assert ours == sorted(env + sfp)
    lnms = [float(s["sensor_current"]) for s in sensors(fleet_expected("awplus_sfp"), "temperature")]
    assert close(ours, lnms, 0.001)


def test_netgear_temperature() -> None:
    assert fleet_rulebook("netgear_3") == "netgear/fastpath"
    check_temperatures("netgear_3", "1.3.6.1.4.1.4526.10.43.1.8.1.5")


# walks whose vendor MIB tables are absent (LibreNMS found no processors, mempools or
# temperatures either): the vendor rulebook must match and invent nothing
@pytest.mark.parametrize(("name", "rulebook"), [
    ("routeros_station", "mikrotik/routeros"),
    ("arubaos_aosw", "aruba/arubaos"),
    ("fortigate_link-monitor", "fortinet/fortigate"),
])
def test_match_without_health_data(name: str, rulebook: str) -> None:
    assert fleet_rulebook(name) == rulebook
    pts, lnms = fleet_points(name), fleet_expected(name)
    assert processors(lnms) == [] and mempools(lnms) == []
    assert pts.series("system.cpu.utilization") == [] and memory_pools(pts) == {}
    assert pts.series("hw.temperature") == [] and sensors(lnms, "temperature") == []


def test_fs_campus() -> None:
    name = "fs-switch-dc_s581048tsp"
    assert fleet_rulebook(name) == "fs/campus"
    check_cpu(name, "1.3.6.1.4.1.52642.1.1.10.2.36.1.2.1.5")          # fsNodeCPUTotal5min
    walk, pts = fleet_walk(name), fleet_points(name)
    pool = "1.3.6.1.4.1.52642.1.1.10.2.35.1.2.1."                     # fsNodeMemoryPool Size/Used/Free (KB)
    size, used, free = (walk.column(pool + c)["1"] for c in ("6", "7", "8"))
    assert memory_pools(pts) == {"1": {"used": used * 1024, "free": free * 1024, "limit": size * 1024}}
    check_memory(name)
    check_temperatures(name, "1.3.6.1.4.1.52642.1.1.10.2.1.1.44.1.5")


def test_3com_cpu_rows_and_memory() -> None:
    name = "3com"
    assert fleet_rulebook(name) == "3com/superstack"
    walk, pts, lnms = fleet_walk(name), fleet_points(name), fleet_expected(name)
    per1min = walk.column("1.3.6.1.4.1.43.45.1.6.1.1.1.3")           # hwCpuCostRatePer1Min
    # the walk has two hwCpuEntry rows (65536: 34 %, 131072: 99 %); LibreNMS keeps only 131072
    # (recorded in fleet_disagreements.yaml); we report both CPUs
    assert cpu_percent(pts) == sorted(per1min.values())
    assert [p["processor_usage"] for p in processors(lnms)] == [per1min["131072"]]
    size, free = walk.column("1.3.6.1.4.1.43.45.1.6.1.2.1.1.2")["65536"], walk.column("1.3.6.1.4.1.43.45.1.6.1.2.1.1.3")["65536"]
    assert memory_pools(pts) == {"65536": {"used": size - free, "free": free, "limit": size}}
    check_memory(name)


@pytest.mark.parametrize(("name", "rulebook"), [
    ("procurve_66", "hpe/procurve"),
    ("cumulus_cumulus", "nvidia/cumulus"),
    ("vyos_vyatta", "vyos/vyos"),
    ("ocnos", "ipinfusion/ocnos"),
])
def test_vendor_match(name: str, rulebook: str) -> None:
    assert fleet_rulebook(name) == rulebook


def test_cumulus_entity_and_lm_sensors() -> None:
    # ENTITY-SENSOR-MIB celsius rows (precision 1: 250 -> 25.0 C) and LM-SENSORS-MIB
    # lmTempSensorsValue (milli-degrees: 25000 -> 25.0 C); LibreNMS lists both sets too (14)
    name = "cumulus_cumulus"
    walk, pts = fleet_walk(name), fleet_points(name)
    ent = "1.3.6.1.2.1.99.1.1.1."
    kind, value, prec = walk.column(ent + "1"), walk.column(ent + "4"), walk.column(ent + "3")
    entity = [value[i] / 10 ** prec[i] for i, t in kind.items() if t == 8]
    lm = [v / 1000 for v in walk.column("1.3.6.1.4.1.2021.13.16.2.1.3").values()]
    ours = sorted(v for _a, v in pts.series("hw.temperature"))
    assert ours == sorted(entity + lm)
    assert close(ours, [float(s["sensor_current"]) for s in sensors(fleet_expected(name), "temperature")], 0.01)


def test_fsos_idle_and_qtech() -> None:
    assert fleet_rulebook("fs-switch_5800") == "fs/fsos"
    walk, pts = fleet_walk("fs-switch_5800"), fleet_points("fs-switch_5800")
    idle = walk.get("1.3.6.1.4.1.27975.1.2.11.0")                    # ssCpuIdle
    assert cpu_percent(pts) == [100 - idle]
    assert [p["processor_usage"] for p in processors(fleet_expected("fs-switch_5800"))] == [100 - idle]
    real, used = walk.get("1.3.6.1.4.1.27975.1.1.5.0"), walk.get("1.3.6.1.4.1.27975.1.1.12.0")   # kB
    pool = memory_pools(pts)["0"]
    assert (pool["limit"], pool["used"]) == (real * 1024, used * 1024)
    check_memory("fs-switch_5800")
    assert fleet_rulebook("qtech_qsw-3400") == "qtech/qsw"
    check_cpu("qtech_qsw-3400", "1.3.6.1.4.1.27514.100.1.11.10.0")


def test_zyxel_ies52xx() -> None:
    name = "ies52xxM_4206"
    assert fleet_rulebook(name) == "zyxel/ies"
    walk, pts, lnms = fleet_walk(name), fleet_points(name), fleet_expected(name)
    cpu = walk.column("1.3.6.1.4.1.890.1.5.13.13.5.9.1.3")            # cpuStatsCurrent (slot.index)
    assert cpu_percent(pts) == sorted(cpu.values())
    # LibreNMS drops slot 3's index-0 row (the slot's whole CPU, beside its cores 1..4); we keep
    # it under its own hw.id (recorded in fleet_disagreements.yaml)
    assert sorted(p["processor_usage"] for p in processors(lnms)) == sorted(v for k, v in cpu.items() if k != "3.0")
    check_temperatures(name, "1.3.6.1.4.1.890.1.5.13.13.5.5.1.1")     # temperatureCurValue
