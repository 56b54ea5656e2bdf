"""Golden test: Arista EOS walk (DCS-7050 series) through arista/eos.

Expected values come from the raw walk (parsed independently by tests/golden/snmp_corpus.py) and
are cross-checked with what LibreNMS decoded from the same walk (expected/arista_eos.json).
"""

from __future__ import annotations

import math

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

NAME = "arista_eos"
SENSOR = "1.3.6.1.2.1.99.1.1.1."            # entPhySensorTable
TYPE, SCALE, PRECISION, VALUE = SENSOR + "1", SENSOR + "2", SENSOR + "3", SENSOR + "4"
ENT_DESCR, ENT_CONTAINED = "1.3.6.1.2.1.47.1.1.1.1.2", "1.3.6.1.2.1.47.1.1.1.1.4"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1."


def sensors(cls: str) -> list[dict]:
    return [r for r in lnms_rows(load_expected(NAME), "sensors", "sensors") if r["sensor_class"] == cls]


def reading(idx: str) -> float:
    """entPhySensorValue x 10^(3 (scale - 9)) / 10^precision, straight from the walk."""
    walk = load_walk(NAME)
    scale, prec = walk.get(f"{SCALE}.{idx}"), walk.get(f"{PRECISION}.{idx}")
    return walk.get(f"{VALUE}.{idx}") * 10.0 ** (3 * (scale - 9)) / 10.0 ** prec


def test_rulebook_and_resource() -> None:
    t = translate_walk(NAME)
    assert t.matched.chosen.id == "arista/eos"
    walk = load_walk(NAME)
    dev = lnms_device(load_expected(NAME))
    res = t.resource
    assert res["device.manufacturer"] == "Arista" and res["os.name"] == "EOS"
    assert res["os.version"] == dev["version"] == "4.15.3F"
    # model from sysDescr ("running on an Arista Networks DCS-7050TX-128"), as LibreNMS. The walk
    # contradicts itself here: its ENTITY-MIB chassis row names a DCS-7050S-52 with
    # "48x25GbE (SFP) & 6x100GbE (QSFP)"; we follow the product EOS itself reports in sysDescr.
    assert res["device.model.identifier"] == dev["hardware"] == "DCS-7050TX-128"
    assert walk.text(walk.get("1.3.6.1.2.1.47.1.1.1.1.13.1")) == "DCS-7050S-52"
    # serial from the ENTITY-MIB chassis row (mixins/entity)
    assert res["netrosetta.device.serial_number"] == dev["serial"] == walk.text(walk.get("1.3.6.1.2.1.47.1.1.1.1.11.1"))


def test_interface_counters() -> None:
    t = translate_walk(NAME)
    walk = load_walk(NAME)
    names = interface_names(walk, "ifName")      # Ethernet1, Management1, Port-Channel...
    assert "Ethernet1" in names.values()
    assert assert_interface_counters(t, walk, names) > 100
    assert assert_librenms_ports(t, load_expected(NAME), walk, names) > 50


def test_processors() -> None:
    pts = Points(translate_walk(NAME))
    walk = load_walk(NAME)
    rows = lnms_rows(load_expected(NAME), "processors", "processors")
    assert len(rows) == 3
    for row in rows:
        idx = row["processor_index"]
        got = pts.one("system.cpu.utilization", {"hw.id": idx, "hw.name": row["processor_descr"]})
        assert got == walk.get(f"1.3.6.1.2.1.25.3.3.1.2.{idx}") / 100
        assert round(got * 100) == row["processor_usage"]
    assert len(pts.series("system.cpu.utilization")) == 3


def test_mempools() -> None:
    pts = Points(translate_walk(NAME))
    walk = load_walk(NAME)
    rows = {r["mempool_index"]: r for r in lnms_rows(load_expected(NAME), "mempools", "mempools")}
    descr = {i: walk.text(v) for i, v in walk.column(HR_STORAGE + "3").items()}
    ram = [i for i, t in walk.column(HR_STORAGE + "2").items() if t == "1.3.6.1.2.1.25.2.1.2"]
    assert sorted(descr[i] for i in ram) == ["RAM", "RAM (Buffers)", "RAM (Cache)"]

    def hr(col: int, idx: str) -> int:
        return int(walk.get(f"{HR_STORAGE}{col}.{idx}") * walk.get(f"{HR_STORAGE}4.{idx}"))

    pool = next(i for i in ram if descr[i] == "RAM")
    buffers = next(i for i in ram if descr[i] == "RAM (Buffers)")
    cache = next(i for i in ram if descr[i] == "RAM (Cache)")
    attrs = {"hw.id": pool, "hw.name": "RAM"}
    size = hr(5, pool)
    used = hr(6, pool) - hr(6, buffers) - hr(6, cache)
    state = {s: pts.one("system.memory.usage", {**attrs, "system.memory.state": s})
             for s in ("used", "free", "buffers", "cached")}
    assert pts.one("system.memory.limit", attrs) == size
    assert state == {"used": used, "free": size - hr(6, pool), "buffers": hr(6, buffers), "cached": hr(6, cache)}
    assert sum(state.values()) == size
    # LibreNMS: its "RAM" pool is used = RAM - buffers - cache, as ours; it also keeps
    # "RAM (Buffers)" and "RAM (Cache)" as pools of their own, which are our buffers and cached
    # states of the one RAM pool (same byte values)
    assert rows[pool]["mempool_used"] == used and rows[pool]["mempool_total"] == size
    assert rows[buffers]["mempool_used"] == state["buffers"] and rows[cache]["mempool_used"] == state["cached"]
    # LibreNMS also lists Tmp/Root/Log/Core (hrStorageVirtualMemory: EOS tmpfs mounts) as memory
    # pools; they are file systems, not RAM, and produce no memory points here.
    assert len(pts.series("system.memory.limit")) == 1 and len(pts.series("system.memory.usage")) == 4


@pytest.mark.parametrize("cls,metric", [("temperature", "hw.temperature"), ("voltage", "hw.voltage"),
                                        ("fanspeed", "hw.fan.speed")])
def test_entity_sensors(cls: str, metric: str) -> None:
    pts = Points(translate_walk(NAME))
    rows = sensors(cls)
    assert rows
    for row in rows:
        idx = row["sensor_index"]
        got = pts.one(metric, {"hw.id": idx})
        assert got == pytest.approx(reading(idx), abs=1e-9)
        assert got == pytest.approx(row["sensor_current"], abs=1e-9)
    assert len(pts.series(metric)) == len(rows)


def _port_lane(idx: str) -> dict[str, str]:
    """Interface and lane of a DOM sensor, from its ENTITY-MIB rows in the walk."""
    walk = load_walk(NAME)
    descr = walk.text(walk.get(f"{ENT_DESCR}.{idx}"))          # "DOM TX Bias Sensor for Ethernet1"
    parent = walk.text(walk.get(f"{ENT_DESCR}.{walk.get(f'{ENT_CONTAINED}.{idx}')}"))  # "Lane 0 for Xcvr for Ethernet1"
    # the walk lacks entPhysicalContainedIn for some sensors (Ethernet8...): lane 0, the
    # rulebook's default for an optic whose lane is not reported
    lane = parent.split()[1] if parent.startswith("Lane ") else "0"
    return {"network.interface.name": descr.rsplit(" for ", 1)[1], "netrosetta.transceiver.lane": lane}


def test_dom_optical_power() -> None:
    pts = Points(translate_walk(NAME))
    rows = sensors("dbm")
    assert rows
    for row in rows:
        idx = row["sensor_index"]
        rx = row["sensor_descr"].startswith("DOM RX")
        metric = "netrosetta.transceiver.rx.power" if rx else "netrosetta.transceiver.tx.power"
        got = pts.one(metric, _port_lane(idx))
        # EOS types optical power as watts (scale milli, precision 4): the reading is in W
        assert load_walk(NAME).get(f"{TYPE}.{idx}") == 6
        assert got == pytest.approx(10 * math.log10(reading(idx) * 1000), abs=1e-9)
        assert got == pytest.approx(row["sensor_current"], abs=5e-4)     # LibreNMS rounds to 0.001 dB
    # RX rows reading 0 W (no light) have no dBm: dropped, as LibreNMS drops them
    n_rx = sum(1 for r in rows if r["sensor_descr"].startswith("DOM RX"))
    assert len(pts.series("netrosetta.transceiver.rx.power")) == n_rx
    assert len(pts.series("netrosetta.transceiver.tx.power")) == len(rows) - n_rx


def test_dom_bias_current() -> None:
    pts = Points(translate_walk(NAME))
    rows = [r for r in sensors("current") if r["sensor_descr"].startswith("DOM TX Bias")]
    assert rows
    for row in rows:
        got = pts.one("netrosetta.transceiver.bias.current", _port_lane(row["sensor_index"]))
        assert got == pytest.approx(reading(row["sensor_index"]), abs=1e-12)
        assert got == pytest.approx(row["sensor_current"], abs=1e-12)
    assert len(pts.series("netrosetta.transceiver.bias.current")) == len(rows)
    # the PSU input/output currents (LibreNMS "PSU 1 Input" 0.66 A...) have no unified metric
