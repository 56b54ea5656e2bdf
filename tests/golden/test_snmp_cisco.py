"""Golden tests: the Cisco SNMP corpus walks through the real rulebook set.

Every expected value comes from the raw walk (tests/golden/snmp_corpus.py parses it on its own)
or from LibreNMS's decode of the same walk (expected/<walk>.json); where the two disagree the
test says which side the walk supports and asserts the walk's value.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pytest

from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import match_rulebook
from netrosetta.engine.rulebooks import RulebookSet
from tests.golden.snmp_corpus import (
    Points,
    Walk,
    assert_interface_counters,
    assert_librenms_ports,
    interface_names,
    lnms_device,
    lnms_rows,
    load_expected,
    load_walk,
    translate_walk,
)

RULEBOOK = {
    "ios_6500": "cisco/ios",
    "iosxe_c9300": "cisco/ios-xe",
    "iosxr_asr9001": "cisco/ios-xr",
    "nxos_n9k-c93180yc-fx3": "cisco/nx-os",
}
OS_NAME = {"ios_6500": "IOS", "iosxe_c9300": "IOS XE", "iosxr_asr9001": "IOS XR", "nxos_n9k-c93180yc-fx3": "NX-OS"}
WALKS = sorted(RULEBOOK)

ENT = "1.3.6.1.2.1.47.1.1.1.1."            # entPhysicalEntry
ENT_CLASS, ENT_NAME, ENT_SERIAL, ENT_MODEL, ENT_CONTAINED = ENT + "5", ENT + "7", ENT + "11", ENT + "13", ENT + "4"
SENSOR = "1.3.6.1.4.1.9.9.91.1.1.1.1."     # entSensorValueEntry
S_TYPE, S_SCALE, S_PREC, S_VALUE = SENSOR + "1", SENSOR + "2", SENSOR + "3", SENSOR + "4"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
CPM_5MIN_REV = "1.3.6.1.4.1.9.9.109.1.1.1.1.8"
CEMP = "1.3.6.1.4.1.9.9.221.1.1.1.1."
FRU_POWER_OPER = "1.3.6.1.4.1.9.9.117.1.1.2.1.2"
FAN_TRAY_OPER = "1.3.6.1.4.1.9.9.117.1.4.1.1.1"
IOSXR_SENTINEL = -32768


def sensor_reading(walk: Walk, idx: str) -> float:
    """CISCO-ENTITY-SENSOR-MIB: value x 10^(3 x (scale - 9)) / 10^precision, from the raw walk."""
    value = walk.column(S_VALUE)[idx]
    scale = walk.column(S_SCALE)[idx]
    prec = walk.column(S_PREC)[idx]
    return float(value * 10.0 ** (3 * (scale - 9)) / 10.0 ** prec)


def lnms_sensors(expected: dict[str, Any], cls: str) -> list[dict[str, Any]]:
    return [s for s in lnms_rows(expected, "sensors", "sensors") if s["sensor_class"] == cls]


# --- matching and resource ------------------------------------------------------------------

@pytest.mark.parametrize("walk", WALKS)
def test_rulebook_chosen(walk: str) -> None:
    t = translate_walk(walk)
    assert t.matched.chosen is not None
    assert t.matched.chosen.id == RULEBOOK[walk]
    assert not t.matched.ambiguous
    assert t.resource["device.manufacturer"] == "Cisco"
    assert t.resource["os.name"] == OS_NAME[walk]


@pytest.mark.parametrize("walk", WALKS)
def test_resource_vs_walk_and_librenms(walk: str) -> None:
    w, t, dev = load_walk(walk), translate_walk(walk), lnms_device(load_expected(walk))
    res = t.resource
    descr = w.text(w.get(SYS_DESCR))
    # os.version: the "Version X" token of sysDescr
    assert f"Version {res['os.version']}" in descr
    if walk == "iosxe_c9300":
        # LibreNMS prefixes the image name ("CAT9K_IOSXE 16.6.7"); the version itself is 16.6.7
        assert dev["version"] == f"CAT9K_IOSXE {res['os.version']}"
    else:
        assert dev["version"] == res["os.version"]

    # model/serial: the lowest-indexed chassis row (entPhysicalClass 3) of the walk
    chassis = sorted((int(i) for i, c in w.column(ENT_CLASS).items() if c == 3))
    if not chassis:
        # the 6500 walk has no ENTITY-MIB at all: LibreNMS's "cat6509" is the CISCO-PRODUCTS-MIB
        # name of the sysObjectID, not a model the walk reports; we report no model, no serial
        assert walk == "ios_6500" and not w.column(ENT_CLASS)
        assert "device.model.identifier" not in res and "netrosetta.device.serial_number" not in res
        assert dev["hardware"] == "cat6509" and dev["serial"] is None
        return
    first = str(chassis[0])
    assert res["device.model.identifier"] == w.text(w.column(ENT_MODEL)[first])
    assert res["netrosetta.device.serial_number"] == w.text(w.column(ENT_SERIAL)[first])
    if walk == "iosxr_asr9001":
        # LibreNMS takes "ASR9K Series" from sysDescr's parenthesis and no serial; the walk's
        # chassis row says ASR-9001 / FOC1939NDNZ
        assert dev["hardware"] == "ASR9K Series" and dev["serial"] is None
        assert (res["device.model.identifier"], res["netrosetta.device.serial_number"]) == ("ASR-9001", "FOC1939NDNZ")
    else:
        assert res["device.model.identifier"] == dev["hardware"]
        assert res["netrosetta.device.serial_number"] == dev["serial"]


# --- interfaces -----------------------------------------------------------------------------

@pytest.mark.parametrize("walk", WALKS)
def test_interface_counters_equal_the_walk(walk: str) -> None:
    w = load_walk(walk)
    names = interface_names(w, "ifDescr")     # Cisco configuration names: GigabitEthernet1/0/1
    assert assert_interface_counters(translate_walk(walk), w, names) > 100


@pytest.mark.parametrize("walk", WALKS)
def test_interface_counters_vs_librenms(walk: str) -> None:
    w = load_walk(walk)
    assert assert_librenms_ports(translate_walk(walk), load_expected(walk), w, interface_names(w, "ifDescr")) > 100


@pytest.mark.parametrize("walk", WALKS)
def test_interface_names_are_configuration_names(walk: str) -> None:
    w, pts = load_walk(walk), Points(translate_walk(walk))
    used = {a["network.interface.name"] for a, _v in pts.series("hw.network.io")}
    descrs = set(interface_names(w, "ifDescr").values())
    assert used and used <= descrs
    abbreviations = set(interface_names(w, "ifName").values()) - descrs
    assert not used & abbreviations       # never "Gi1/0/1" / "Eth1/1"


@pytest.mark.parametrize("walk", WALKS)
def test_interface_status_speed_and_uptime_equal_the_walk(walk: str) -> None:
    w, pts = load_walk(walk), Points(translate_walk(walk))
    names = interface_names(w, "ifDescr")
    oper = w.column("1.3.6.1.2.1.2.2.1.8")
    high_speed = w.column("1.3.6.1.2.1.31.1.1.1.15")       # Mbit/s
    up = {a["network.interface.name"]: v for a, v in pts.series("hw.network.up")}
    bw = {a["network.interface.name"]: v for a, v in pts.series("hw.network.bandwidth.limit")}
    for idx, name in names.items():
        if idx in oper:
            assert up[name] == (1 if oper[idx] == 1 else 0)
        if idx in high_speed:
            assert bw[name] == high_speed[idx] * 1_000_000 / 8
    uptime = w.get("1.3.6.1.2.1.1.3.0")
    got = [v for _a, v in pts.series("system.uptime")]
    # the NX-OS walk carries no sysUpTime.0: no uptime point rather than a made-up one
    assert got == ([] if uptime is None else [uptime / 100])


# --- CPU and memory -------------------------------------------------------------------------

@pytest.mark.parametrize("walk", WALKS)
def test_cpu_vs_walk_and_librenms(walk: str) -> None:
    w, pts, lnms = load_walk(walk), Points(translate_walk(walk)), load_expected(walk)
    ours = {a["hw.id"]: (a.get("hw.name"), v) for a, v in pts.series("system.cpu.utilization")}
    walk_cpu = w.column(CPM_5MIN_REV)
    assert {i: v for i, (_n, v) in ours.items()} == {i: pytest.approx(v / 100) for i, v in walk_cpu.items()}
    procs = lnms_rows(lnms, "processors", "processors")
    assert len(procs) == len(ours)
    for p in procs:
        name, value = ours[p["processor_index"]]
        assert round(value * 100) == p["processor_usage"]
        assert name == p["processor_descr"]     # entPhysicalName of cpmCPUTotalPhysicalIndex


@pytest.mark.parametrize("walk", WALKS)
def test_memory_pools_vs_walk_and_librenms(walk: str) -> None:
    w, pts, lnms = load_walk(walk), Points(translate_walk(walk)), load_expected(walk)
    hc_used, hc_free = w.column(CEMP + "18"), w.column(CEMP + "20")
    used = {a["hw.id"]: v for a, v in pts.series("system.memory.usage") if a["system.memory.state"] == "used"}
    free = {a["hw.id"]: v for a, v in pts.series("system.memory.usage") if a["system.memory.state"] == "free"}
    limit = {a["hw.id"]: v for a, v in pts.series("system.memory.limit")}
    # HC columns preferred (the 32-bit cempMemPoolUsed of 52690955.1 differs: 3145823432)
    assert used == hc_used and free == hc_free
    assert limit == {i: hc_used[i] + hc_free[i] for i in hc_used}
    pools = lnms_rows(lnms, "mempools", "mempools")
    assert len(pools) == len(limit)
    for p in pools:
        i = p["mempool_index"]
        assert (used[i], free[i], limit[i]) == (p["mempool_used"], p["mempool_free"], p["mempool_total"])


# --- sensors --------------------------------------------------------------------------------

SENSOR_METRIC = {"temperature": "hw.temperature", "voltage": "hw.voltage", "fanspeed": "hw.fan.speed"}


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize("cls", sorted(SENSOR_METRIC))
def test_component_sensors_vs_walk_and_librenms(walk: str, cls: str) -> None:
    w, pts, lnms = load_walk(walk), Points(translate_walk(walk)), load_expected(walk)
    ours = {a["hw.id"]: v for a, v in pts.series(SENSOR_METRIC[cls])}
    rows = lnms_sensors(lnms, cls)
    assert len(rows) >= len(ours)
    dropped = 0
    for s in rows:
        i = s["sensor_index"]
        assert s["sensor_type"] == "cisco-entity-sensor"
        if w.column(S_VALUE)[i] == IOSXR_SENTINEL:
            # IOS-XR reads -32768 for every sensor of an optic it cannot read (Mau 0/0/1/3, a
            # copper SFP-GE-T); LibreNMS discovery scales it into -3276.8 °C / -32.768 V and its
            # poller then stores 0: both are made-up readings, the walk has no value; we drop it
            assert _lnms_discovery(lnms, i, cls)["sensor_current"] == pytest.approx(IOSXR_SENTINEL / s["sensor_divisor"])
            assert s["sensor_current"] == 0
            assert i not in ours
            dropped += 1
            continue
        assert ours[i] == pytest.approx(sensor_reading(w, i), abs=1e-9)
        assert ours[i] == pytest.approx(s["sensor_current"], abs=1e-9)
    assert len(ours) == len(rows) - dropped
    if walk == "iosxr_asr9001":
        assert len(ours) == {"temperature": 20, "voltage": 82, "fanspeed": 14}[cls]


def _lnms_discovery(expected: dict[str, Any], index: str, cls: str) -> dict[str, Any]:
    rows = [s for s in expected["sensors"]["discovery"]["sensors"]
            if s["sensor_index"] == index and s["sensor_class"] == cls]
    assert len(rows) == 1
    return rows[0]


def _xcvr_ifnames(w: Walk, lnms: dict[str, Any]) -> dict[str, str]:
    """entPhysicalIndex of each transceiver -> ifDescr, from LibreNMS's transceivers + the walk."""
    descr = w.column(IF_DESCR)
    return {str(x["entity_physical_index"]): w.text(descr[str(x["ifIndex"])])
            for x in lnms_rows(lnms, "transceivers", "transceivers")}


def _our_xcvr(pts: Points, metric: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for a, v in pts.series(metric):
        out.setdefault(a["network.interface.name"], []).append(v)
    return out


@pytest.mark.parametrize("walk", ["iosxr_asr9001", "nxos_n9k-c93180yc-fx3"])
def test_transceiver_dom_vs_librenms(walk: str) -> None:
    w, pts, lnms = load_walk(walk), Points(translate_walk(walk)), load_expected(walk)
    ifname = _xcvr_ifnames(w, lnms)
    assert ifname
    names = w.column(ENT_NAME)
    rx, tx = _our_xcvr(pts, "netrosetta.transceiver.rx.power"), _our_xcvr(pts, "netrosetta.transceiver.tx.power")
    bias = _our_xcvr(pts, "netrosetta.transceiver.bias.current")
    checked = 0
    # optical power: NX-OS types it dBm; IOS-XR types it watts (scale milli, precision 4), which
    # LibreNMS files as "power" (W) and again as "dbm" via mw_to_dbm
    for s in lnms_sensors(lnms, "dbm"):
        i, port = s["sensor_index"], ifname[s["entPhysicalIndex"]]
        ours = rx if "rx" in w.text(names[i]).lower() or "receive" in w.text(names[i]).lower() else tx
        if w.column(S_VALUE)[i] == IOSXR_SENTINEL:
            # unreadable optic: LibreNMS discovery shows 0 dBm, its poller -60 dBm (mw_to_dbm of
            # the 0 it stored): the walk has no reading (-32768), we drop it
            assert _lnms_discovery(lnms, i, "dbm")["sensor_current"] == 0 and s["sensor_current"] == -60
            assert port not in ours
            continue
        assert ours[port] == [pytest.approx(s["sensor_current"], abs=1e-9)]
        if walk == "iosxr_asr9001":
            watts = sensor_reading(w, i)
            assert ours[port][0] == pytest.approx(10 * math.log10(watts * 1000), abs=1e-9)
        else:
            assert ours[port][0] == pytest.approx(sensor_reading(w, i), abs=1e-9)
        checked += 1
    # bias current (amperes): LibreNMS class "current" rows inside a transceiver
    for s in lnms_sensors(lnms, "current"):
        i = s["sensor_index"]
        if s["entPhysicalIndex"] not in ifname:
            # IOS-XR power-module current sensors: no unified component-current metric, not emitted
            assert "PS" in w.text(names[i])
            continue
        port = ifname[s["entPhysicalIndex"]]
        if w.column(S_VALUE)[i] == IOSXR_SENTINEL:
            # same unreadable optic: LibreNMS -3.2768 A at discovery, 0 A polled; we drop it
            assert s["sensor_current"] == 0 and port not in bias
            continue
        assert bias[port] == [pytest.approx(s["sensor_current"], abs=1e-9)]
        assert bias[port][0] == pytest.approx(sensor_reading(w, i), abs=1e-9)
        checked += 1
    assert checked >= 12
    # NX-OS names lanes ("Ethernet1/25 Lane 1 ..."); IOS-XR optics have one value: lane 0
    lanes = {a["netrosetta.transceiver.lane"] for a, _v in pts.series("netrosetta.transceiver.rx.power")}
    assert lanes == ({"1"} if walk.startswith("nxos") else {"0"})


def test_iosxr_power_module_capacity_is_not_power_drawn() -> None:
    # "capacity 0/PS0/M0/SP" (750 W, watts) is the module's rating; LibreNMS files it as power
    w, pts, lnms = load_walk("iosxr_asr9001"), Points(translate_walk("iosxr_asr9001")), load_expected("iosxr_asr9001")
    capacity = [s for s in lnms_sensors(lnms, "power") if "Capacity" in s["sensor_descr"]]
    assert [s["sensor_current"] for s in capacity] == [750, 750]
    assert all(w.text(w.column(ENT_NAME)[s["sensor_index"]]).startswith("capacity") for s in capacity)
    assert pts.series("hw.power") == []


# --- fan / power supply status --------------------------------------------------------------

@pytest.mark.parametrize("walk", WALKS)
def test_fan_and_psu_status_vs_walk_and_librenms(walk: str) -> None:
    w, pts, lnms = load_walk(walk), Points(translate_walk(walk)), load_expected(walk)
    status: dict[tuple[str, str], dict[str, int]] = {}
    for a, v in pts.series("hw.status"):
        status.setdefault((a["hw.type"], a["hw.id"]), {})[a["hw.state"]] = v
    # one state set per component, exactly one state at 1
    assert all(sum(s.values()) == 1 for s in status.values())
    current = {k: next(st for st, v in s.items() if v == 1) for k, s in status.items()}

    classes = w.column(ENT_CLASS)
    psus = {i: v for i, v in w.column(FRU_POWER_OPER).items() if classes.get(i) == 6}
    fans = w.column(FAN_TRAY_OPER)
    assert {k for k in current if k[0] == "power_supply"} == {("power_supply", i) for i in psus}
    assert {k for k in current if k[0] == "fan"} == {("fan", i) for i in fans}
    psu_state = {2: "ok", 3: "degraded", 9: "degraded", 12: "degraded"}   # every other PowerOperType: failed
    for i, v in psus.items():
        assert current[("power_supply", i)] == psu_state.get(v, "failed")
    for i, v in fans.items():
        assert current[("fan", i)] == {1: "unknown", 2: "ok", 3: "failed", 4: "degraded"}[v]

    for s in lnms_sensors(lnms, "state"):
        i = s["sensor_index"]
        if s["state_name"] == "cefcFRUPowerOperStatus":
            if classes.get(i) != 6:
                # LibreNMS lists every power-controlled FRU (line cards, optics, fan trays);
                # only powerSupply(6) entities are power supplies
                assert ("power_supply", i) not in current
                continue
            assert s["sensor_current"] == psus[i] == 2 and current[("power_supply", i)] == "ok"
        elif s["state_name"] == "cefcFanTrayOperStatus":
            assert s["sensor_current"] == fans[i] == 2 and current[("fan", i)] == "ok"
    if walk == "nxos_n9k-c93180yc-fx3":
        assert len(psus) == 2 and len(fans) == 6
    if walk == "iosxr_asr9001":
        assert len(psus) == 2 and not fans


# --- family matching beyond the corpus ------------------------------------------------------

# sysDescr shapes of each family (from Cisco documentation and release notes), with a products
# (1.3.6.1.4.1.9.1.*) or cevChassis (1.3.6.1.4.1.9.12.3.1.3.*) sysObjectID
FAMILY_SAMPLES = [
    ("1.3.6.1.4.1.9.1.1208", "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)", "cisco/ios"),
    ("1.3.6.1.4.1.9.1.209", "Cisco Internetwork Operating System Software \r\nIOS (tm) C2600 Software (C2600-I-M), Version 12.2(15)T", "cisco/ios"),
    ("1.3.6.1.4.1.9.1.1745", "Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch Software (cat4500e-UNIVERSALK9-M), Version 03.06.06.E RELEASE SOFTWARE (fc1)", "cisco/ios-xe"),
    ("1.3.6.1.4.1.9.1.1165", "Cisco IOS Software [Denali], ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.3.7, RELEASE SOFTWARE (fc4)", "cisco/ios-xe"),
    ("1.3.6.1.4.1.9.1.2372", "Cisco IOS Software [Amsterdam], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.3.1a, RELEASE SOFTWARE (fc3)", "cisco/ios-xe"),
    ("1.3.6.1.4.1.9.1.2694", "Cisco IOS XE Software, Version 17.09.04a", "cisco/ios-xe"),
    ("1.3.6.1.4.1.9.1.2586", "Cisco IOS Software [IOSXE], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.15.1, RELEASE SOFTWARE (fc4)", "cisco/ios-xe"),
    ("1.3.6.1.4.1.9.1.1017", "Cisco IOS XR Software (Cisco ASR9K Series),  Version 5.3.4[Default]\r\nCopyright (c) 2017 by Cisco Systems, Inc.", "cisco/ios-xr"),
    ("1.3.6.1.4.1.9.1.2264", "Cisco IOS XR Software, Version 7.5.2 LNT\r\nCopyright (c) 2013-2022 by Cisco Systems, Inc.", "cisco/ios-xr"),
    ("1.3.6.1.4.1.9.12.3.1.3.1084", "Cisco NX-OS(tm) n5000, Software (n5000-uk9), Version 7.3(8)N1(1), RELEASE SOFTWARE Copyright (c) 2002-2020 by Cisco Systems, Inc.", "cisco/nx-os"),
    ("1.3.6.1.4.1.9.12.3.1.3.1812", "Cisco NX-OS(tm) nxos.9.3.10.bin, Software (nxos), Version 9.3(10), RELEASE SOFTWARE Copyright (c) 2002-2022 by Cisco Systems, Inc.", "cisco/nx-os"),
]


@functools.cache
def _rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


@pytest.mark.parametrize(("oid", "descr", "rulebook"), FAMILY_SAMPLES)
def test_family_matching(oid: str, descr: str, rulebook: str) -> None:
    m = match_rulebook(_rulebooks(), DeviceFacts(sys_object_id=oid, sys_descr=descr), "snmp")
    assert m.chosen is not None and m.chosen.id == rulebook, m.reason
    assert not m.ambiguous
