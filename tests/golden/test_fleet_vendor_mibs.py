"""Golden: fleet walks read through their vendor's own MIB (issue 10, fleet-c), against the raw
walk (the project's own snmprec parser) and LibreNMS's decode. Where the two disagree the test
says which one the walk supports (and tests/golden/fleet_disagreements.yaml records it)."""

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
    fleet_rulebook,
    fleet_walk,
    memory_pools,
    mempools,
    processors,
    sensors,
    walk_values,
)


def temps(name: str) -> list[float]:
    return sorted(v for _a, v in fleet_points(name).series("hw.temperature"))


def lnms(name: str, cls: str) -> list[float]:
    return sorted(float(s["sensor_current"]) for s in sensors(fleet_expected(name), cls))


# walk, rulebook, temperature column/scalar, divisor (walk units per degree)
TEMPERATURE_CASES = [
    ("cxc", "alpha/cordex", "1.3.6.1.4.1.7309.5.3.1.14.0", 1000),          # rectSysBatteryTemperature, d-3
    ("volius_vs5793", "volius/optical-receiver", "1.3.6.1.4.1.34652.2.10.6.0", 10),   # VlsTenthCelsius
    ("packetlight_pl-1000il", "packetlight/pl", "1.3.6.1.4.1.4515.1.3.1.43.0", 1),   # slmSysTemperature
    ("neptune_npt2300", "ribbon/npt", "1.3.6.1.4.1.1286.5.1.1.2.1.10.3.1.4", 10),   # nptTemperature, 0.1 C
    ("lcossx_xs5110f", "lancom/lcos-sx", "1.3.6.1.4.1.2356.100.1.1.1.1.6", 1),     # lcsMonitoringTempSensorTemperature
]


@pytest.mark.parametrize(("name", "rulebook", "ref", "divisor"), TEMPERATURE_CASES)
def test_temperatures(name: str, rulebook: str, ref: str, divisor: int) -> None:
    assert fleet_rulebook(name) == rulebook
    check_temperatures(name, ref, divisor)


# walk, rulebook, CPU column/scalar, divisor, LibreNMS tolerance
CPU_CASES = [
    ("moxa-etherdevice_edsg508e", "moxa/etherdevice", "1.3.6.1.4.1.8691.7.69.1.54.0", 1, 0),    # cpuLoading30s
    ("edgecos_es3528mv2", "edgecore/switch", "1.3.6.1.4.1.259.10.1.22.1.39.2.1.0", 1, 0),
    ("terra_sti410c", "terra/streamer", "1.3.6.1.4.1.30631.1.9.1.1.3.0", 1, 0),
    # fbCpuAll hundredths of a percent: 1000 and 408 -> 10 % and 4.08 %; LibreNMS shows 10 and 4
    ("firebrick_6000", "firebrick/fb", "1.3.6.1.4.1.24693.100.2.1.1.2", 100, 0.5),
]


@pytest.mark.parametrize(("name", "rulebook", "ref", "divisor", "tol"), CPU_CASES)
def test_cpu(name: str, rulebook: str, ref: str, divisor: int, tol: float) -> None:
    assert fleet_rulebook(name) == rulebook
    check_cpu(name, ref, divisor, lnms_tol=tol)


def test_fibrolan_cpu_discovery_view() -> None:
    name = "fibrolan-falcon_ufalcon-mx"
    assert fleet_rulebook(name) == "fibrolan/falcon"
    col = fleet_walk(name).column("1.3.6.1.4.1.4467.1000.10.1.120.1.2")      # flDeviceCpuUtilization
    assert cpu_percent(fleet_points(name)) == sorted(col.values()) == [63]
    # LibreNMS's discovery reads 63 from the row; its poller asks the column OID without the row
    # index (processor_oid ends at .120.1.2) and records 0 - the walk backs the 63
    views = fleet_expected(name)["processors"]
    assert [p["processor_usage"] for p in views["discovery"]["processors"]] == [63]
    assert [p["processor_usage"] for p in views["poller"]["processors"]] == [0]


def test_busy_from_idle() -> None:
    # NPT nptIdle 832 (0.1 %) -> busy 16.8 %; GBN cpuIdle 77 % -> 23 %; LibreNMS rounds to 17 / 23
    for name, ref, divisor in [("neptune_npt2300", "1.3.6.1.4.1.1286.5.1.1.2.1.5.1.18", 10),
                               ("fs-gbn_2800", "1.3.6.1.4.1.13464.1.2.1.1.2.11.0", 1)]:
        idle = walk_values(fleet_walk(name), ref, divisor)
        assert cpu_percent(fleet_points(name)) == [round(100 - v, 6) for v in idle]
        assert close(cpu_percent(fleet_points(name)),
                     [float(p["processor_usage"]) for p in processors(fleet_expected(name))], 0.5)


def test_fiberhome_working_card_only() -> None:
    walk = fleet_walk("fiberhome_an5516-04")
    card = "1.3.6.1.4.1.5875.800.3.9.8.1.1."
    status, cpu = walk.column(card + "4"), walk.column(card + "5")
    assert status == {"9": 1, "10": 0}
    assert cpu_percent(fleet_points("fiberhome_an5516-04")) == [cpu["9"] / 100]
    check_cpu_lnms = [float(p["processor_usage"]) for p in processors(fleet_expected("fiberhome_an5516-04"))]
    assert check_cpu_lnms == [cpu["9"] / 100]


@pytest.mark.parametrize(("name", "total", "free", "unit"), [
    ("moxa-etherdevice_edsg508e", "1.3.6.1.4.1.8691.7.69.1.56.0", "1.3.6.1.4.1.8691.7.69.1.57.0", 1),
    ("edgecos_es3528mv2", "1.3.6.1.4.1.259.10.1.22.1.39.3.1.0", "1.3.6.1.4.1.259.10.1.22.1.39.3.3.0", 1),
    ("fs-gbn_2800", "1.3.6.1.4.1.13464.1.2.1.1.2.12.0", "1.3.6.1.4.1.13464.1.2.1.1.2.13.0", 1 << 20),
    ("lcoslx_lw500", "1.3.6.1.4.1.2356.13.1.47.4.0", "1.3.6.1.4.1.2356.13.1.47.5.0", 1024),     # KiB
])
def test_memory_pools(name: str, total: str, free: str, unit: int) -> None:
    walk = fleet_walk(name)
    t, f = walk.get(total) * unit, walk.get(free) * unit
    assert memory_pools(fleet_points(name)) == {"0": {"used": t - f, "free": f, "limit": t}}
    # LibreNMS's total and free are the same bytes
    (pool,) = mempools(fleet_expected(name))
    assert (pool["mempool_total"], pool["mempool_free"]) == (t, f)
    check_memory(name)


@pytest.mark.parametrize(("name", "ref"), [
    ("jetstream_t1600g-18ts", "1.3.6.1.4.1.11863.6.4.1.2.1.1.2"),       # tpSysMonitorMemoryUtilization
    ("ruckuswireless_zd1100", "1.3.6.1.4.1.25053.1.2.1.1.1.5.59.0"),    # ruckusZDSystemMemoryUtil
    ("hiveos-wireless_ap130", "1.3.6.1.4.1.26928.1.2.4.0"),             # ahMemUtilization
    ("fabos_6520", "1.3.6.1.4.1.1588.2.1.1.1.26.6.0"),                  # swMemUsage
    ("ies52xxM_4206", "1.3.6.1.4.1.890.1.5.13.13.5.10.1.3"),            # memStatsCurrent (a string)
    ("arbos_tms", "1.3.6.1.4.1.9694.1.5.2.7.0"),                        # devicePhysicalMemoryUsage
])
def test_percent_only_memory(name: str, ref: str) -> None:
    walk = fleet_walk(name)
    raw = [walk.get(ref)] if ref.endswith(".0") else list(walk.column(ref).values())
    want = sorted(float(walk.text(v)) if isinstance(v, bytes) else float(v) for v in raw)
    ours = sorted(round(v * 100, 6) for _a, v in fleet_points(name).series("system.memory.utilization"))
    assert ours == want
    assert fleet_points(name).series("system.memory.usage") == []     # no bytes are made up
    # LibreNMS files these pools as total 100, used = percent
    theirs = [m for m in mempools(fleet_expected(name)) if m["mempool_class"] == "system"]
    assert all(m["mempool_total"] == 100 for m in theirs)
    assert sorted(float(m["mempool_perc"]) for m in theirs) == ours


def test_nti_temperature_and_dew_point() -> None:
    walk = fleet_walk("nti_e1w")
    e = "1.3.6.1.4.1.3699.1.1.12.1.2.1.1."
    kind, value = walk.column(e + "2"), walk.column(e + "4")
    want = sorted(value[i] / 10 for i, k in kind.items() if k in (1, 24))      # temperature, dewPoint
    assert temps("nti_e1w") == want == lnms("nti_e1w", "temperature")
    # humidity is in tenths of a percent too (219 = 21.9 %RH; 219 % cannot be)
    hum = [v for _a, v in fleet_points("nti_e1w").series("netrosetta.humidity")]
    assert close(hum, [value[i] / 1000 for i, k in kind.items() if k == 2], 1e-9)
    assert [round(h * 100, 6) for h in hum] == lnms("nti_e1w", "humidity")


def test_cordex_voltages_and_current() -> None:
    walk = fleet_walk("cxc")
    base = "1.3.6.1.4.1.7309.5.3.1."
    volts = sorted(v for _a, v in fleet_points("cxc").series("hw.voltage"))
    assert volts == sorted(walk.get(base + f"{n}.0") / 1000 for n in (6, 10, 12)) == lnms("cxc", "voltage")
    amps = [v for _a, v in fleet_points("cxc").series("netrosetta.current")]
    assert amps == [walk.get(base + "1.0") / 1000] == lnms("cxc", "current")


def test_infinera_inlet_strings() -> None:
    walk = fleet_walk("iqnos_signal-loss")
    col = walk.column("1.3.6.1.4.1.21296.2.2.2.1.13.1.1.9")
    assert temps("iqnos_signal-loss") == sorted(float(walk.text(v)) for v in col.values())
    assert temps("iqnos_signal-loss") == lnms("iqnos_signal-loss", "temperature")


def test_firebrick_readings_by_type() -> None:
    walk = fleet_walk("firebrick_6000")
    mon = "1.3.6.1.4.1.24693.100.1.1.1."
    kind, value = walk.column(mon + "2"), walk.column(mon + "4")
    want = sorted(value[i] / 1000 for i, k in kind.items() if walk.text(k).startswith("Temperature"))
    assert temps("firebrick_6000") == want == lnms("firebrick_6000", "temperature")
    volts = sorted(v for _a, v in fleet_points("firebrick_6000").series("hw.voltage"))
    assert volts == sorted(value[i] / 1000 for i, k in kind.items() if walk.text(k).startswith("Voltage"))
    assert close(volts, lnms("firebrick_6000", "voltage"), 0.001)


def test_lambdatrail_every_laser_reading() -> None:
    walk = fleet_walk("lambdatrail_hs")
    port = "1.3.6.1.4.1.35616.2.1.1.12.1."
    line = [v for v in walk.column(port + "10").values() if v != -1]
    client = [v for v in walk.column(port + "17").values() if v != -1]
    system = walk.get("1.3.6.1.4.1.35616.2.1.1.1.0")
    assert temps("lambdatrail_hs") == sorted([system, *line, *client])
    # LibreNMS has the system and client readings, not the line lasers (fleet_disagreements.yaml)
    assert lnms("lambdatrail_hs", "temperature") == sorted([system, *client])


def test_fibrolan_sfp_without_diagnostics() -> None:
    walk = fleet_walk("fibrolan-falcon_ufalcon-mx")
    sfp = "1.3.6.1.4.1.4467.1000.50.1.2.1."
    assert walk.column(sfp + "3")["1000002"] == -1 and walk.column(sfp + "1")["1000002"] == 6553
    assert temps("fibrolan-falcon_ufalcon-mx") == sorted(v for v in walk.column(sfp + "3").values() if v != -1)
    assert lnms("fibrolan-falcon_ufalcon-mx", "temperature") == sorted([-1.0, *temps("fibrolan-falcon_ufalcon-mx")])


def test_uisp_olt_whole_degrees() -> None:
    col = fleet_walk("edgeosolt_uisp-fiber").column("1.3.6.1.4.1.41112.1.5.4.2.1.3")
    assert temps("edgeosolt_uisp-fiber") == sorted(col.values())
    # LibreNMS divides by 1000 as the MIB text says (fleet_disagreements.yaml)
    assert lnms("edgeosolt_uisp-fiber", "temperature") == sorted(v / 1000 for v in col.values())


def test_arbor_load_average_is_not_a_cpu() -> None:
    assert cpu_percent(fleet_points("arbos_tms")) == []
    assert fleet_walk("arbos_tms").get("1.3.6.1.4.1.9694.1.5.2.4.0") == 30


def test_webmon_reading_in_its_named_unit() -> None:
    walk = fleet_walk("webmon_edge")
    slot = "1.3.6.1.4.1.994.3.4.7.18.1."
    assert walk.text(walk.get(slot + "46.2.0")) == "Fahrenheit"
    raw = float(walk.text(walk.get(slot + "66.2.0")))
    assert close(temps("webmon_edge"), [(raw - 32) * 5 / 9], 1e-9)
    assert close(temps("webmon_edge"), lnms("webmon_edge", "temperature"), 0.01)
    hum = [v * 100 for _a, v in fleet_points("webmon_edge").series("netrosetta.humidity")]
    assert close(hum, [float(walk.text(walk.get(slot + "66.1.0")))], 1e-9)
    assert close(hum, lnms("webmon_edge", "humidity"), 1e-9)


@pytest.mark.parametrize(("name", "row"), [("iosxe_c3650", "1000"), ("nxos", "1")])
def test_cisco_ram_from_process_mib(name: str, row: str) -> None:
    walk = fleet_walk(name)
    cpm = "1.3.6.1.4.1.9.9.109.1.1.1.1."
    assert not walk.column("1.3.6.1.4.1.9.9.221.1.1.1.1.6")      # no CISCO-ENHANCED-MEMPOOL-MIB pools
    used, free = walk.column(cpm + "12")[row] * 1024, walk.column(cpm + "13")[row] * 1024   # kilo-bytes
    assert memory_pools(fleet_points(name)) == {row: {"used": used, "free": free, "limit": used + free}}
    (pool,) = mempools(fleet_expected(name))
    assert (pool["mempool_used"], pool["mempool_free"], pool["mempool_total"]) == (used, free, used + free)


def test_iosxe_cores_beside_the_cpu_total() -> None:
    # CISCO-PROCESS-MIB cpmCoreTable {cpmCPUTotalIndex, cpmCoreIndex}: cpmCore5min per core; the
    # CPU's cpmCPUTotal5minRev stays its own series (no cpu.logical_number)
    name = "iosxe_c3650"
    walk = fleet_walk(name)
    cores = walk.column("1.3.6.1.4.1.9.9.109.1.1.2.1.5")
    assert len(cores) == 4
    pts = fleet_points(name).series("system.cpu.utilization")
    ours = {(a["hw.id"], a.get("cpu.logical_number")): v for a, v in pts}
    want = {tuple(k.split(".")): v / 100 for k, v in cores.items()}
    total = walk.column("1.3.6.1.4.1.9.9.109.1.1.1.1.8")["1000"] / 100
    assert ours == {**want, ("1000", None): total}
    assert {a["hw.name"] for a, _v in pts} == {"Switch 1"}
    # LibreNMS lists the four cores ("Switch 1: Core N") in place of the CPU
    lnms_cores = sorted(float(p["processor_usage"]) for p in processors(fleet_expected(name)))
    assert sorted(v * 100 for k, v in want.items()) == pytest.approx(lnms_cores)


def test_firebrick_memory_from_bare_scalars() -> None:
    # fbTotalMem / fbFreeMem (KiB) are served without .0: read with the selector's instance: none
    name = "firebrick_6000"
    walk = fleet_walk(name)
    total, free = walk.get("1.3.6.1.4.1.24693.100.4.1.1"), walk.get("1.3.6.1.4.1.24693.100.4.1.2")
    assert walk.get("1.3.6.1.4.1.24693.100.4.1.1.0") is None
    assert memory_pools(fleet_points(name)) == {"memory": {"used": (total - free) * 1024, "free": free * 1024,
                                                          "limit": total * 1024}}
    (pool,) = mempools(fleet_expected(name))
    assert (pool["mempool_total"], pool["mempool_free"], pool["mempool_used"]) == \
        (total * 1024, free * 1024, (total - free) * 1024)
