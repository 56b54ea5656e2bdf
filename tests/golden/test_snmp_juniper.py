"""Golden tests: Juniper Junos walks (vMX router, QFX5100 switch) through juniper/junos.

Expected values come from the raw walk (parsed independently by tests/golden/snmp_corpus.py) and
are cross-checked with what LibreNMS decoded from the same walk (expected/<walk>.json).
"""

from __future__ import annotations

import pytest

from tests.golden.snmp_corpus import (
    Points,
    assert_interface_counters,
    assert_librenms_ports,
    interface_names,
    lnms_device,
    lnms_rows,
    load_expected,
    load_walk,
    translate_walk,
)

WALKS = ["junos_vmx", "junos_qfx5100"]

JNX_OPERATING = "1.3.6.1.4.1.2636.3.1.13.1."
JNX_DESCR, JNX_TEMP, JNX_CPU = JNX_OPERATING + "5", JNX_OPERATING + "7", JNX_OPERATING + "8"
JNX_DRAM, JNX_BUFFER = JNX_OPERATING + "10", JNX_OPERATING + "11"
JNX_FRU = "1.3.6.1.4.1.2636.3.1.15.1."
JNX_DOM = "1.3.6.1.4.1.2636.3.60.1.1.1.1."


@pytest.mark.parametrize("name", WALKS)
def test_rulebook_and_resource(name: str) -> None:
    t = translate_walk(name)
    assert t.matched.chosen.id == "juniper/junos"
    walk = load_walk(name)
    dev = lnms_device(load_expected(name))
    res = t.resource
    assert res["device.manufacturer"] == "Juniper"
    assert res["os.name"] == "Junos"
    assert res["os.version"] == dev["version"]
    # serial: jnxBoxSerialNo, which LibreNMS reports too
    assert res["netrosetta.device.serial_number"] == walk.text(walk.get("1.3.6.1.4.1.2636.3.1.3.0"))
    assert res["netrosetta.device.serial_number"] == dev["serial"]
    # model: the product token of jnxBoxDescr; LibreNMS shows the whole jnxBoxDescr text
    # ("Juniper QFX5100-48S-6Q Switch"), which contains it
    box = walk.text(walk.get("1.3.6.1.4.1.2636.3.1.2.0"))
    assert res["device.model.identifier"] == box.split()[1]
    assert res["device.model.identifier"] in dev["hardware"]


@pytest.mark.parametrize("name", WALKS)
def test_interface_counters(name: str) -> None:
    t = translate_walk(name)
    walk = load_walk(name)
    names = interface_names(walk, "ifName")     # Junos configuration names: ge-0/0/0, xe-0/0/1.0
    assert any(n.startswith(("ge-", "xe-")) for n in names.values())
    assert assert_interface_counters(t, walk, names) > 100
    assert assert_librenms_ports(t, load_expected(name), walk, names) > 100


@pytest.mark.parametrize("name", WALKS)
def test_processors(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    rows = lnms_rows(load_expected(name), "processors", "processors")
    assert rows
    for row in rows:
        idx = row["processor_index"]
        got = pts.one("system.cpu.utilization", {"hw.id": idx, "hw.name": row["processor_descr"]})
        assert got == walk.get(f"{JNX_CPU}.{idx}") / 100
        assert round(got * 100) == row["processor_usage"]
    # one CPU series per module with memory (RE, FPC), as LibreNMS found
    assert len(pts.series("system.cpu.utilization")) == len(rows)


@pytest.mark.parametrize("name", WALKS)
def test_mempools(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    rows = lnms_rows(load_expected(name), "mempools", "mempools")
    assert rows
    for row in rows:
        idx = row["mempool_index"]
        size = walk.get(f"{JNX_DRAM}.{idx}")
        used = round(size * walk.get(f"{JNX_BUFFER}.{idx}") / 100)
        attrs = {"hw.id": idx, "hw.name": row["mempool_descr"]}
        assert pts.one("system.memory.limit", attrs) == size == row["mempool_total"]
        assert pts.one("system.memory.usage", {**attrs, "system.memory.state": "used"}) == used
        assert pts.one("system.memory.usage", {**attrs, "system.memory.state": "free"}) == size - used
        # LibreNMS truncates the fractional byte (QFX: 2047868928 x 44% = 901062328.32)
        assert abs(used - row["mempool_used"]) <= 1
        assert abs((size - used) - row["mempool_free"]) <= 1


@pytest.mark.parametrize("name", WALKS)
def test_temperatures(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    sensors = [r for r in lnms_rows(load_expected(name), "sensors", "sensors") if r["sensor_class"] == "temperature"]
    # module temperatures: every non-zero jnxOperatingTemp (0 = no sensor on that module)
    temps = {i: v for i, v in walk.column(JNX_TEMP).items() if v != 0}
    for idx, v in temps.items():
        assert pts.one("hw.temperature", {"hw.id": idx, "hw.name": walk.text(walk.get(f"{JNX_DESCR}.{idx}"))}) == v
    n_dom = 0
    for row in sensors:
        idx = row["sensor_index"]
        if idx.startswith("rx-"):       # LibreNMS's DOM module temperature, by ifIndex
            n_dom += 1
            got = pts.one("hw.temperature", {"hw.id": "xcvr-" + idx[3:]})
        else:
            got = pts.one("hw.temperature", {"hw.id": idx, "hw.name": row["sensor_descr"]})
        assert got == row["sensor_current"]
    assert len(pts.series("hw.temperature")) == len(temps) + n_dom == len(sensors)


@pytest.mark.parametrize("name", WALKS)
def test_optics(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    names = interface_names(walk, "ifName")
    sensors = [r for r in lnms_rows(load_expected(name), "sensors", "sensors") if r["sensor_class"] in ("dbm", "current")]
    col_metric = {"5": "netrosetta.transceiver.rx.power", "7": "netrosetta.transceiver.tx.power",
                  "6": "netrosetta.transceiver.bias.current"}
    for row in sensors:
        col, ifindex = row["sensor_oid"].rsplit(".", 2)[-2:]
        attrs = {"network.interface.name": names[ifindex], "netrosetta.transceiver.lane": "0"}
        got = pts.one(col_metric[col], attrs)
        raw = walk.get(f"{JNX_DOM}{col}.{ifindex}")
        # 0.01 dBm and uA in the MIB (JUNIPER-DOM-MIB UNITS), dBm and A here
        assert got == pytest.approx(raw / (100 if col != "6" else 1_000_000), abs=1e-12)
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    # ports whose DOM row is all zero (no DOM-capable optic) yield nothing, as in LibreNMS
    for metric in col_metric.values():
        assert len(pts.series(metric)) == sum(1 for r in sensors if col_metric[r["sensor_oid"].rsplit(".", 2)[-2]] == metric)


@pytest.mark.parametrize("name", WALKS)
def test_fru_state(name: str) -> None:
    pts = Points(translate_walk(name))
    walk = load_walk(name)
    types = walk.column(JNX_FRU + "6")
    states = walk.column(JNX_FRU + "8")
    lnms = {r["sensor_index"].split(".", 1)[1]: r for r in lnms_rows(load_expected(name), "sensors", "sensors")
            if r["sensor_class"] == "state" and r["sensor_type"] == "jnxFruTable"}
    expected = 0
    for idx, typ in types.items():
        kind = {13: "fan", 7: "power_supply", 18: "power_supply"}.get(typ)
        if kind is None:
            continue
        expected += 1
        ok = pts.one("hw.status", {"hw.id": idx, "hw.type": kind, "hw.state": "ok"})
        assert ok == (1 if states[idx] in (4, 6, 10) else 0)
        if idx in lnms:
            assert lnms[idx]["sensor_current"] == states[idx]
    assert len(pts.series("hw.status")) == expected * 5
