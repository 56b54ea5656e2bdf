"""Golden tests: Huawei VRP walks (S5720 campus switch on VRP5, NetEngine 8000 M8 on VRP8).

Expected values come from the raw walk (parsed independently by tests/golden/snmp_corpus.py) and
are cross-checked with what LibreNMS decoded from the same walk (expected/<walk>.json).
"""

from __future__ import annotations

import math

import pytest

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

RULEBOOK = {"vrp_5720": "huawei/vrp", "vrp_ne8000-m8": "huawei/vrp8"}
WALKS = list(RULEBOOK)

STATE = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1."          # hwEntityStateTable
CPU, MEM_USAGE, MEM_SIZE, TEMP = STATE + "5", STATE + "7", STATE + "9", STATE + "11"
MEM_MEGA = STATE + "19"
OPT = "1.3.6.1.4.1.2011.5.25.31.1.1.3.1."            # hwOpticalModuleInfoTable
ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_CLASS, ENT_SERIAL = "1.3.6.1.2.1.47.1.1.1.1.5", "1.3.6.1.2.1.47.1.1.1.1.11"


def sensors(name: str, cls: str) -> list[dict]:
    return [r for r in lnms_rows(load_expected(name), "sensors", "sensors") if r["sensor_class"] == cls]


@pytest.mark.parametrize("name", WALKS)
def test_rulebook_and_resource(name: str) -> None:
    t = translate_walk(name)
    assert t.matched.chosen.id == RULEBOOK[name]
    assert not t.matched.ambiguous
    walk = load_walk(name)
    dev = lnms_device(load_expected(name))
    res = t.resource
    assert res["device.manufacturer"] == "Huawei"
    assert res["os.name"] == "VRP"
    # LibreNMS appends the patch / licence state in brackets: "5.170 (V200R010C00SPC600) [unlocked]"
    assert dev["version"].startswith(res["os.version"] + " [")
    # model: first sysDescr line on the S5720, "HUAWEI NetEngine 8000 M8" on the NE; LibreNMS
    # shortens the latter to the series name "NetEngine 8000"
    assert res["device.model.identifier"].startswith(dev["hardware"])
    # serial: the ENTITY-MIB chassis row (entPhysicalClass 3). On the S5720 LibreNMS shows instead
    # the value at 1.3.6.1.4.1.2011.5.25.188.1.1.0 ("12345678", a MIB outside our set); the NE's
    # chassis serial is empty and LibreNMS has none either.
    chassis = [i for i, c in walk.column(ENT_CLASS).items() if c == 3]
    serial = walk.text(walk.get(f"{ENT_SERIAL}.{min(chassis, key=int)}"))
    if serial:
        assert res["netrosetta.device.serial_number"] == serial
        assert dev["serial"] == walk.text(walk.get("1.3.6.1.4.1.2011.5.25.188.1.1.0")) != serial
    else:
        assert "netrosetta.device.serial_number" not in res and dev["serial"] is None


def _named_only(walk: Walk, names: dict[str, str]) -> tuple[Walk, set[str]]:
    """The walk without interface-table rows that have no ifName/ifDescr, and those ifIndexes."""
    prefixes = ("1.3.6.1.2.1.2.2.1.", "1.3.6.1.2.1.31.1.1.1.")
    unnamed = {oid.rsplit(".", 1)[1] for oid in walk.values if oid.startswith(prefixes)} - set(names)
    out = Walk.__new__(Walk)
    out.path, out._cols = walk.path, {}
    out.values = {oid: v for oid, v in walk.values.items()
                  if not (oid.startswith(prefixes) and oid.rsplit(".", 1)[1] in unnamed)}
    return out, unnamed


@pytest.mark.parametrize("name", WALKS)
def test_interface_counters(name: str) -> None:
    t = translate_walk(name)
    walk = load_walk(name)
    names = interface_names(walk, "ifName")      # GigabitEthernet0/0/1, XGigabitEthernet0/0/1
    assert any("GigabitEthernet" in n for n in names.values())
    # The NE8000 walk has ifXTable counters for a few ifIndexes (54...) that have neither ifName
    # nor ifDescr: they are named "ifIndex <n>" rather than dropped, with the walk's own values.
    named, unnamed = _named_only(walk, names)
    hc_in = walk.column("1.3.6.1.2.1.31.1.1.1.6")
    assert t.rule_stats["if-in-octets"].skipped["missing attribute network.interface.name"] == 0
    pts = Points(t)
    unnamed_in = [i for i in unnamed if i in hc_in]
    for i in unnamed_in:
        assert pts.one("hw.network.io", {"network.interface.name": f"ifIndex {i}",
                                         "network.io.direction": "receive"}) == hc_in[i]
    all_names = {**names, **{i: f"ifIndex {i}" for i in unnamed}}
    assert assert_interface_counters(t, walk, all_names) > 100
    assert assert_librenms_ports(t, load_expected(name), named, names) > 100


@pytest.mark.parametrize("name", WALKS)
def test_processors(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    rows = lnms_rows(load_expected(name), "processors", "processors")
    assert rows
    for row in rows:
        idx = row["processor_index"]
        got = pts.one("system.cpu.utilization", {"hw.id": idx})
        assert got == walk.get(f"{CPU}.{idx}") / 100
        assert round(got * 100) == row["processor_usage"]
        # LibreNMS appends " Processor" to entPhysicalName
        assert row["processor_descr"] == walk.text(walk.get(f"{ENT_NAME}.{idx}")) + " Processor"
    assert len(pts.series("system.cpu.utilization")) == len(rows)


@pytest.mark.parametrize("name", WALKS)
def test_mempools(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    rows = lnms_rows(load_expected(name), "mempools", "mempools")
    assert rows
    pools = 0
    for row in rows:
        idx = row["mempool_index"]
        mega, size_b = walk.get(f"{MEM_MEGA}.{idx}"), walk.get(f"{MEM_SIZE}.{idx}")
        if not mega and size_b == -1:
            # NE8000 frame: hwEntityMemSize -1 (not reported) and no MiB size. LibreNMS reads the
            # -1 as unsigned and shows a 4294967295-byte pool; the walk has no size: no pool here.
            assert row["mempool_total"] == 2**32 - 1
            assert pts.values("system.memory.limit", {"hw.id": idx}) == []
            continue
        pools += 1
        size = mega * 1048576 if mega else size_b
        used = round(size * walk.get(f"{MEM_USAGE}.{idx}") / 100)
        assert pts.one("system.memory.limit", {"hw.id": idx}) == size == row["mempool_total"]
        assert pts.one("system.memory.usage", {"hw.id": idx, "system.memory.state": "used"}) == used
        assert pts.one("system.memory.usage", {"hw.id": idx, "system.memory.state": "free"}) == size - used
        assert used == row["mempool_used"] and size - used == row["mempool_free"]
    assert len(pts.series("system.memory.limit")) == pools


def _hw_id(lnms_index: str) -> str:
    # LibreNMS indexes entity sensors by entPhysicalIndex and the on-board sensor tables by
    # slot.i2c.addr.channel (PSU rows by slot.sn, "11.0"), as our hw.id does (prefixed)
    if lnms_index.count(".") == 3:
        return "sensor-" + lnms_index
    if lnms_index.count(".") == 1:
        return "psu-" + lnms_index
    return lnms_index


@pytest.mark.parametrize("name", WALKS)
def test_temperatures(name: str) -> None:
    pts = Points(translate_walk(name))
    rows = sensors(name, "temperature")
    assert rows
    for row in rows:
        got = pts.one("hw.temperature", {"hw.id": _hw_id(row["sensor_index"])})
        assert got == row["sensor_current"]
    assert len(pts.series("hw.temperature")) == len(rows)
    walk = load_walk(name)
    for idx, v in walk.column(TEMP).items():
        if v != 0:
            assert pts.one("hw.temperature", {"hw.id": idx, "hw.name": walk.text(walk.get(f"{ENT_NAME}.{idx}"))}) == v


@pytest.mark.parametrize("name", WALKS)
def test_voltages(name: str) -> None:
    pts = Points(translate_walk(name))
    rows = sensors(name, "voltage")
    for row in rows:
        got = pts.one("hw.voltage", {"hw.id": _hw_id(row["sensor_index"])})
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    assert len(pts.series("hw.voltage")) == len(rows)


@pytest.mark.parametrize("name", WALKS)
def test_optics(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    checked = 0
    for row in sensors(name, "dbm"):
        ent = str(row["entPhysicalIndex"])
        port = walk.text(walk.get(f"{ENT_NAME}.{ent}"))
        rx = row["sensor_index"].startswith(("rx-", "lane-rx-"))
        metric = "netrosetta.transceiver.rx.power" if rx else "netrosetta.transceiver.tx.power"
        got = pts.one(metric, {"network.interface.name": port, "netrosetta.transceiver.lane": "0"})
        # we read the lane string hwEntityOpticalLane{Rx,Tx}Power, 0.01 dBm on both walks
        lane = float(walk.text(walk.get(f"{OPT}{32 if rx else 33}.{ent}")))
        assert got == pytest.approx(lane / 100, abs=1e-9)
        raw = walk.get(f"{OPT}{8 if rx else 9}.{ent}")
        if row["sensor_index"].startswith("lane-"):
            # LibreNMS read the same lane string
            assert got == pytest.approx(row["sensor_current"], abs=1e-9)
        elif name == "vrp_5720":
            # S5720: LibreNMS converts the integer column as uW (536 uW = -2.708 dBm); the device's
            # own lane string says -2.7019 dBm: the same reading, rounded differently
            assert row["sensor_current"] == pytest.approx(10 * math.log10(raw / 1000), abs=1e-6)
            assert got == pytest.approx(row["sensor_current"], abs=0.01)
        else:
            # NE8000 tx on 0/7/0..0/7/3: LibreNMS takes the positive integers 256/267/340 as uW
            # (-5.9 dBm). The walk says 0.01 dBm: the same column is negative on other ports
            # (-127: no uW reading can be), the lane string repeats the integer, and these are
            # the long-reach optics driven at 34-42 mA bias (7 mA on the others), i.e. +2.56 dBm.
            assert raw > 0 and str(raw) == walk.text(walk.get(f"{OPT}33.{ent}"))
            assert row["sensor_current"] == pytest.approx(10 * math.log10(raw / 1000), abs=1e-6)
            assert got == raw / 100
        checked += 1
    assert checked >= 6
    n_rx = len(pts.series("netrosetta.transceiver.rx.power"))
    n_tx = len(pts.series("netrosetta.transceiver.tx.power"))
    assert n_rx == n_tx == len({r["entPhysicalIndex"] for r in sensors(name, "dbm")})


@pytest.mark.parametrize("name", WALKS)
def test_bias_current(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    rows = [r for r in sensors(name, "current") if r["entPhysicalIndex"]]
    assert rows
    for row in rows:
        ent = str(row["entPhysicalIndex"])
        port = walk.text(walk.get(f"{ENT_NAME}.{ent}"))
        got = pts.one("netrosetta.transceiver.bias.current",
                      {"network.interface.name": port, "netrosetta.transceiver.lane": "0"})
        raw = walk.get(f"{OPT}7.{ent}")
        # uA on VRP5 (the MIB's unit), mA on VRP8 (huawei/vrp8); LibreNMS agrees on both
        assert got == pytest.approx(raw / (1_000_000 if name == "vrp_5720" else 1000), abs=1e-12)
        assert got == pytest.approx(row["sensor_current"], abs=1e-12)
    assert len(pts.series("netrosetta.transceiver.bias.current")) == len(rows)
    # PSU input current (LibreNMS "PWR11" 1.524 A) has no unified metric and is not emitted


@pytest.mark.parametrize("name", WALKS)
def test_fan_and_psu_state(name: str) -> None:
    pts = Points(translate_walk(name))
    rows = [r for r in sensors(name, "state") if r["sensor_type"] in ("hwEntityFanState", "hwPwrStatusTable")]
    for row in rows:
        kind = "fan" if row["sensor_type"] == "hwEntityFanState" else "power_supply"
        hw_id = ("fan-" if kind == "fan" else "psu-") + row["sensor_index"]
        # both tables use 1 for the good state (normal / supply)
        ok = pts.one("hw.status", {"hw.id": hw_id, "hw.type": kind, "hw.state": "ok"})
        assert ok == (1 if row["sensor_current"] == 1 else 0)
    assert len(pts.series("hw.status")) == 5 * len(rows)
