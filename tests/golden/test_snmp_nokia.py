"""Golden test: Nokia SR OS walk (7750 SR, TiMOS 23.10) through nokia/sros.

This walk carries no IF-MIB counters (only ifName), so the interface checks assert that nothing
is invented. LibreNMS's decode of it (expected/timos_7750.json) has only the sensors module.
"""

from __future__ import annotations

import math

import pytest

from tests.golden.snmp_corpus import Points, lnms_rows, load_expected, load_walk, translate_walk

NAME = "timos_7750"
HW = "1.3.6.1.4.1.6527.3.1.2.2.1.8.1."                # tmnxHwTable
DDM = "1.3.6.1.4.1.6527.3.1.2.2.4.31.1."              # tmnxDigitalDiagMonitorTable
LANE = "1.3.6.1.4.1.6527.3.1.2.2.4.66.1."             # tmnxDDMLaneTable
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"


def sensors(cls: str) -> list[dict]:
    return [r for r in lnms_rows(load_expected(NAME), "sensors", "sensors") if r["sensor_class"] == cls]


def port(port_id: str) -> str:
    walk = load_walk(NAME)
    return walk.text(walk.get(f"{IF_NAME}.{port_id}"))


def test_rulebook_and_resource() -> None:
    t = translate_walk(NAME)
    assert t.matched.chosen.id == "nokia/sros"
    walk = load_walk(NAME)
    res = t.resource
    assert res["device.manufacturer"] == "Nokia" and res["os.name"] == "SR OS"
    descr = walk.text(walk.get("1.3.6.1.2.1.1.1.0"))
    assert descr.startswith('"TiMOS-C-23.10.R3 ')
    assert res["os.version"] == "23.10.R3"
    assert res["device.model.identifier"] == "7750 SR"
    # the chassis row of tmnxHwTable (tmnxHwClass 3 = physChassis)
    chassis = [i for i, c in walk.column(HW + "7").items() if c == 3]
    assert res["netrosetta.device.serial_number"] == walk.text(walk.get(f"{HW}5.{chassis[0]}")) == "NS23196G545"


def test_no_interface_counters_invented() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    assert walk.column(IF_NAME)
    for col in ("1.3.6.1.2.1.2.2.1.10", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.2.2.1.14"):
        assert walk.column(col) == {}
    for metric in ("hw.network.io", "hw.network.packets", "hw.errors", "system.network.packet.dropped"):
        assert pts.series(metric) == []


def test_cpu_and_memory() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    assert pts.one("system.cpu.utilization", {"hw.id": "cpm"}) == walk.get("1.3.6.1.4.1.6527.3.1.2.1.1.1.0") / 100
    # the walk has no sgiKbMemory* scalars: no memory points
    assert walk.get("1.3.6.1.4.1.6527.3.1.2.1.1.9.0") is None
    assert pts.series("system.memory.usage") == [] and pts.series("system.memory.limit") == []


def test_temperatures() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    rows = sensors("temperature")
    assert rows
    for row in rows:
        idx = row["sensor_index"]
        if idx.startswith("tmnxHwID."):              # module sensor, tmnxHwTemperature in C
            hw_id = idx.split(".", 1)[1]
            got = pts.one("hw.temperature", {"hw.id": hw_id, "hw.name": row["sensor_descr"]})
            assert got == walk.get(f"{HW}18.{hw_id}")
        else:                                        # transceiver, tmnxDDMTemperature in 1/256 C
            got = pts.one("hw.temperature", {"hw.id": "xcvr-" + idx,
                                             "hw.name": port(idx.split(".")[1]) + " transceiver"})
            assert got == walk.get(f"{DDM}1.{idx}") / 256
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    assert len(pts.series("hw.temperature")) == len(rows)


def test_transceiver_voltage() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    rows = sensors("voltage")
    assert rows
    for row in rows:
        idx = row["sensor_index"]
        got = pts.one("hw.voltage", {"hw.id": "xcvr-" + idx, "network.interface.name": port(idx.split(".")[1])})
        assert got == pytest.approx(walk.get(f"{DDM}6.{idx}") / 10000, abs=1e-12)     # 100 uV units
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    assert len(pts.series("hw.voltage")) == len(rows)


def _lane_attrs(idx: str) -> dict[str, str]:
    _chassis, port_id, lane = idx.split(".")
    return {"network.interface.name": port(port_id), "netrosetta.transceiver.lane": lane}


def test_lane_optical_power() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    rows = sensors("dbm")
    assert rows
    for row in rows:
        kind, idx = row["sensor_index"].split("-", 2)[1], row["sensor_index"].split("-", 2)[2]
        metric = "netrosetta.transceiver.rx.power" if kind == "rx" else "netrosetta.transceiver.tx.power"
        raw = walk.get(f"{LANE}{17 if kind == 'rx' else 12}.{idx}")
        got = pts.one(metric, _lane_attrs(idx))
        assert got == pytest.approx(10 * math.log10(raw / 10000), abs=1e-9)          # 0.1 uW units
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    n_rx = sum(1 for r in rows if r["sensor_index"].startswith("lane-rx-"))
    assert len(pts.series("netrosetta.transceiver.rx.power")) == n_rx
    assert len(pts.series("netrosetta.transceiver.tx.power")) == len(rows) - n_rx
    # module-level power of these (multi-lane) optics is 0, the lanes carry it: no lane-0 point
    assert pts.values("netrosetta.transceiver.rx.power", {"netrosetta.transceiver.lane": "0"}) == []


def test_lane_bias_current() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    rows = {r["sensor_index"].removeprefix("tx-bias-"): r for r in sensors("current")}
    assert rows
    lanes = walk.column(LANE + "7")
    for idx, raw in lanes.items():
        got = pts.one("netrosetta.transceiver.bias.current", _lane_attrs(idx))
        assert got == raw / 500000                   # 1/500 mA units
        if idx in rows:
            assert got == pytest.approx(rows[idx]["sensor_current"], abs=1e-12)
        else:
            # LibreNMS leaves out lanes whose bias reads 0 (laser off); the walk says 0 A
            assert raw == 0
    assert len(pts.series("netrosetta.transceiver.bias.current")) == len(lanes)


def test_fan_and_psu_state() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    alarms = {r["sensor_index"].split(".", 1)[1]: r["sensor_current"]
              for r in sensors("state") if r["sensor_type"] == "tmnxHwAlarmState"}
    n = 0
    for hw_id, cls in walk.column(HW + "7").items():
        kind = {6: "fan", 5: "power_supply"}.get(cls)
        if kind is None:
            continue
        n += 1
        oper = walk.get(f"{HW}16.{hw_id}")
        attrs = {"hw.id": hw_id, "hw.type": kind}
        assert pts.one("hw.status", {**attrs, "hw.state": "ok"}) == (1 if oper == 2 else 0)
        # "provisioned" (8): a configured power module slot with nothing in it
        assert pts.one("hw.status", {**attrs, "hw.state": "absent"}) == (1 if oper in (7, 8, 9) else 0)
        if kind == "fan":
            # LibreNMS's alarm-state sensor on the same rows: 2 = alarmCleared
            assert alarms[hw_id] == walk.get(f"{HW}24.{hw_id}") == 2
    assert n == 14 and len(pts.series("hw.status")) == 5 * n
    # LibreNMS also shows tmnxPhysChassisFanOperStatus as 0 under an index it could not resolve
    # ("routerChassis.1.1"); the walk has 3 (deviceStateOk) for all four fans.
    lnms_fans = [r for r in sensors("state") if r["sensor_type"] == "tmnxPhysChassisFanOperStatus"]
    assert [r["sensor_current"] for r in lnms_fans] == [0, 0, 0, 0]
    assert set(walk.column("1.3.6.1.4.1.6527.3.1.2.2.1.24.1.1.2").values()) == {3}
