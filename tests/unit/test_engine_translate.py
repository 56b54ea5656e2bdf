"""Translation on hand-written varbinds: joins, fallbacks, filters, transforms, state sets, skips."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_OID,
)
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import Translator, translate
from netrosetta.paths import MAPPINGS

IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
ENT = "1.3.6.1.2.1.47.1.1.1.1"

# Two interfaces: ifIndex 1 has 64-bit counters, ifIndex 2 only 32-bit ones.
WALK = [
    ("1.3.6.1.2.1.1.1.0", TAG_OCTET_STRING, b"Test OS 1.0"),
    ("1.3.6.1.2.1.1.2.0", TAG_OID, "1.3.6.1.4.1.99999.1.1"),
    ("1.3.6.1.2.1.1.3.0", TAG_INTEGER, 360000),
    (f"{IF}.2.1", TAG_OCTET_STRING, b"Ethernet1"),
    (f"{IF}.2.2", TAG_OCTET_STRING, b"Ethernet2"),
    (f"{IF}.5.1", TAG_GAUGE32, 1_000_000_000),
    (f"{IF}.5.2", TAG_GAUGE32, 100_000_000),
    (f"{IF}.7.1", TAG_INTEGER, 1),
    (f"{IF}.7.2", TAG_INTEGER, 2),
    (f"{IF}.8.1", TAG_INTEGER, 1),
    (f"{IF}.8.2", TAG_INTEGER, 7),
    (f"{IF}.10.1", TAG_COUNTER32, 5),
    (f"{IF}.10.2", TAG_COUNTER32, 4_000_000_000),
    (f"{IF}.16.1", TAG_COUNTER32, 6),
    (f"{IF}.16.2", TAG_COUNTER32, 12),
    (f"{IF}.14.1", TAG_COUNTER32, 3),
    (f"{IF}.14.2", TAG_COUNTER32, 0),
    (f"{IFX}.1.1", TAG_OCTET_STRING, b"Et1"),
    (f"{IFX}.6.1", TAG_COUNTER64, 10_000_000_000_000),
    (f"{IFX}.10.1", TAG_COUNTER64, 20_000_000_000_000),
    (f"{IFX}.15.1", TAG_GAUGE32, 40_000),
]


@pytest.fixture(scope="module")
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths([MAPPINGS])


def points(t, metric):  # type: ignore[no-untyped-def]
    return {tuple(sorted(a.items())): v for _s, m, a, v in t.iter_points() if m.name == metric}


def test_generic_interfaces(rulebooks: RulebookSet) -> None:
    ds = SnmpDataset(WALK)
    facts = DeviceFacts(sys_object_id="1.3.6.1.4.1.99999.1.1", sys_descr="Test OS 1.0", sys_uptime=360000)
    t = translate(ds, facts, rulebooks, time_ns=1_700_000_000_000_000_000)
    assert t.matched.fell_back and t.matched.chosen.id == "generic/snmp"
    io = points(t, "hw.network.io")
    # ifName where present, ifDescr where not; HC counters where present, 32-bit elsewhere
    assert io[(("network.interface.name", "Et1"), ("network.io.direction", "receive"))] == 10_000_000_000_000
    assert io[(("network.interface.name", "Ethernet2"), ("network.io.direction", "receive"))] == 4_000_000_000
    assert io[(("network.interface.name", "Et1"), ("network.io.direction", "transmit"))] == 20_000_000_000_000
    assert io[(("network.interface.name", "Ethernet2"), ("network.io.direction", "transmit"))] == 12
    speed = points(t, "hw.network.bandwidth.limit")
    assert speed[(("network.interface.name", "Et1"),)] == 40_000 * 1_000_000 / 8       # ifHighSpeed Mbit/s
    assert speed[(("network.interface.name", "Ethernet2"),)] == 100_000_000 / 8        # ifSpeed bit/s
    up = points(t, "hw.network.up")
    assert up == {(("network.interface.name", "Et1"),): 1, (("network.interface.name", "Ethernet2"),): 0}
    status = points(t, "netrosetta.interface.status")
    assert status[(("netrosetta.interface.status.type", "oper"), ("network.interface.name", "Ethernet2"))] == 7
    assert points(t, "system.uptime") == {(): 3600.0}
    # boot time = poll time - sysUpTime
    assert t.boot_time_ns == 1_700_000_000_000_000_000 - 3600 * 10**9
    assert t.resource["netrosetta.device.sys_object_id"] == "1.3.6.1.4.1.99999.1.1"


JOINS = """\
id: test/joins
version: 1.0.0
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999.*}]}
rules:
  # sensor table indexed by entPhysicalIndex; names joined from entPhysicalTable (same index),
  # and a lookup by value: the sensor's related port (an ifIndex) -> ifDescr
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.2.1.3}
    where: [{field: 1.3.6.1.4.1.99999.2.1.2, equals: 8}]
    attributes:
      hw.id: {index: 0}
      hw.name: {field: 1.3.6.1.2.1.47.1.1.1.1.7}
    transforms: [{skip: [-32768]}, {divide: 10}]
  - name: rx-power
    metric: netrosetta.transceiver.rx.power
    snmp: {value: 1.3.6.1.4.1.99999.2.1.3}
    where: [{field: 1.3.6.1.4.1.99999.2.1.2, equals: 14}]
    attributes:
      network.interface.name:
        lookup:
          field: 1.3.6.1.2.1.2.2.1.2
          by: {lookup: {field: 1.3.6.1.4.1.99999.3.1.2, by: {index: 0}}}
      netrosetta.transceiver.lane: {index: 1, default: "0"}
    transforms: [{convert: uw_to_dbm}, {round: 2}]
  - name: psu
    metric: hw.status
    snmp: {value: 1.3.6.1.4.1.99999.4.1.2}
    attributes:
      hw.id: {index: 0}
      hw.type: power_supply
      hw.name: {lookup: {field: 1.3.6.1.2.1.47.1.1.1.1.7, match: 1.3.6.1.2.1.47.1.1.1.1.2, by: {const: PSU A}}}
    states: {map: {1: ok, 2: degraded, 3: failed}, states: [ok, degraded, failed]}
  - name: mem-free
    metric: system.memory.usage
    snmp: {value: 1.3.6.1.4.1.99999.5.1.2}
    attributes: {hw.id: {index: 0}, system.memory.state: free}
    transforms: [{subtract_from: 1.3.6.1.4.1.99999.5.1.3}, {multiply_by: 1.3.6.1.4.1.99999.5.1.4}]
  - name: cpu-text
    metric: system.cpu.utilization
    snmp: {value: 1.3.6.1.4.1.99999.6.1.2}
    attributes: {hw.id: {index: 0}}
    transforms: [{to_number: true}, {convert: percent_to_ratio}]
"""

JOIN_WALK = [
    ("1.3.6.1.2.1.1.2.0", TAG_OID, "1.3.6.1.4.1.99999.7"),
    (f"{IF}.2.5", TAG_OCTET_STRING, b"TenGigE0/0/0/1"),
    (f"{ENT}.2.10", TAG_OCTET_STRING, b"PSU A"),
    (f"{ENT}.7.10", TAG_OCTET_STRING, b"PowerSupply0"),
    (f"{ENT}.7.20", TAG_OCTET_STRING, b"Inlet"),
    (f"{ENT}.7.21", TAG_OCTET_STRING, b"Outlet"),
    # sensor type (8 = celsius, 14 = rx power in uW), value
    ("1.3.6.1.4.1.99999.2.1.2.20", TAG_INTEGER, 8),
    ("1.3.6.1.4.1.99999.2.1.2.21", TAG_INTEGER, 8),
    ("1.3.6.1.4.1.99999.2.1.2.30", TAG_INTEGER, 14),
    ("1.3.6.1.4.1.99999.2.1.3.20", TAG_INTEGER, 415),
    ("1.3.6.1.4.1.99999.2.1.3.21", TAG_INTEGER, -32768),
    ("1.3.6.1.4.1.99999.2.1.3.30", TAG_INTEGER, 500),
    # sensor 30 belongs to port ifIndex 5
    ("1.3.6.1.4.1.99999.3.1.2.30", TAG_INTEGER, 5),
    ("1.3.6.1.4.1.99999.4.1.2.10", TAG_INTEGER, 2),
    ("1.3.6.1.4.1.99999.5.1.2.1", TAG_GAUGE32, 300),
    ("1.3.6.1.4.1.99999.5.1.3.1", TAG_GAUGE32, 1000),
    ("1.3.6.1.4.1.99999.5.1.4.1", TAG_INTEGER, 4096),
    ("1.3.6.1.4.1.99999.6.1.2.1", TAG_OCTET_STRING, b"37 %"),
    ("1.3.6.1.4.1.99999.6.1.2.2", TAG_OCTET_STRING, b"n/a"),
]


def test_joins_filters_transforms_states(tmp_path: Path) -> None:
    (tmp_path / "joins.yaml").write_text(JOINS)
    rs = RulebookSet.from_paths([tmp_path])
    t = Translator(rs.resolve("test/joins")).translate(SnmpDataset(JOIN_WALK), DeviceFacts())
    temps = points(t, "hw.temperature")
    assert temps == {(("hw.id", "20"), ("hw.name", "Inlet")): 41.5}
    assert t.rule_stats["temp"].skipped["value skipped by transforms"] == 1       # the -32768 sentinel
    assert t.rule_stats["temp"].skipped["filtered by where"] == 1                 # the rx-power row
    rx = points(t, "netrosetta.transceiver.rx.power")
    # 500 uW = 0.5 mW = 10*log10(0.5) dBm, port found through a chained lookup
    assert rx == {(("netrosetta.transceiver.lane", "0"), ("network.interface.name", "TenGigE0/0/0/1")):
                  round(10 * math.log10(0.5), 2)}
    psu = points(t, "hw.status")
    # the name comes from a join by value: the entPhysicalTable row whose entPhysicalDescr is "PSU A"
    assert psu == {(("hw.id", "10"), ("hw.name", "PowerSupply0"), ("hw.state", s), ("hw.type", "power_supply")): v
                   for s, v in (("ok", 0), ("degraded", 1), ("failed", 0))}
    assert points(t, "system.memory.usage") == {(("hw.id", "1"), ("system.memory.state", "free")): 700 * 4096}
    assert points(t, "system.cpu.utilization") == {(("hw.id", "1"),): 0.37}
    assert t.rule_stats["cpu-text"].skipped["value skipped by transforms"] == 1   # "n/a" is not a number


def test_missing_required_attribute_is_counted_not_invented(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("""\
id: test/x
version: 1.0.0
rules:
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.2.1.3}
    attributes: {hw.id: {index: 0}, hw.name: {field: 1.3.6.1.2.1.47.1.1.1.1.7}}
""")
    rs = RulebookSet.from_paths([tmp_path])
    walk = [("1.3.6.1.4.1.99999.2.1.3.1", TAG_INTEGER, 40), ("1.3.6.1.4.1.99999.2.1.3.2", TAG_INTEGER, 41),
            (f"{ENT}.7.1", TAG_OCTET_STRING, b"CPU")]
    t = Translator(rs.resolve("test/x")).translate(SnmpDataset(walk), DeviceFacts())
    assert points(t, "hw.temperature") == {(("hw.id", "1"), ("hw.name", "CPU")): 40}
    assert t.rule_stats["temp"].skipped["missing attribute hw.name"] == 1


def test_text_values_are_not_numbers(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("""\
id: test/x
version: 1.0.0
rules:
  - name: cpu
    metric: system.cpu.utilization
    snmp: {value: 1.3.6.1.4.1.99999.6.1.2}
    attributes: {hw.id: {index: 0}}
""")
    rs = RulebookSet.from_paths([tmp_path])
    t = Translator(rs.resolve("test/x")).translate(
        SnmpDataset([("1.3.6.1.4.1.99999.6.1.2.1", TAG_OCTET_STRING, b"37")]), DeviceFacts())
    assert t.count() == 0
    assert t.rule_stats["cpu"].skipped["value is not a number"] == 1


def test_pow10_scales_by_other_columns_and_prefilter_counts(tmp_path: Path) -> None:
    # ENTITY-SENSOR-MIB style: value x 10^(3 x scale - 27) x 10^-precision
    (tmp_path / "x.yaml").write_text("""\
id: test/x
version: 1.0.0
rules:
  - name: volts
    metric: hw.voltage
    snmp: {value: 1.3.6.1.2.1.99.1.1.1.4}
    where: [{field: 1.3.6.1.2.1.99.1.1.1.1, equals: 4}]
    attributes: {hw.id: {index: 0}}
    transforms:
      - {pow10: {field: 1.3.6.1.2.1.99.1.1.1.2, times: 3, plus: -27}}
      - {pow10: {field: 1.3.6.1.2.1.99.1.1.1.3, times: -1}}
""")
    rs = RulebookSet.from_paths([tmp_path])
    s = "1.3.6.1.2.1.99.1.1.1"
    walk = [
        # sensor 1: 3312 millivolts with precision 0 (scale 8 = milli) -> 3.312 V
        (f"{s}.1.1", TAG_INTEGER, 4), (f"{s}.2.1", TAG_INTEGER, 8), (f"{s}.3.1", TAG_INTEGER, 0), (f"{s}.4.1", TAG_INTEGER, 3312),
        # sensor 2: 125 with precision 1, units (scale 9) -> 12.5 V
        (f"{s}.1.2", TAG_INTEGER, 4), (f"{s}.2.2", TAG_INTEGER, 9), (f"{s}.3.2", TAG_INTEGER, 1), (f"{s}.4.2", TAG_INTEGER, 125),
        # sensor 3: a temperature (type 8), not a voltage
        (f"{s}.1.3", TAG_INTEGER, 8), (f"{s}.2.3", TAG_INTEGER, 9), (f"{s}.3.3", TAG_INTEGER, 0), (f"{s}.4.3", TAG_INTEGER, 40),
    ]
    t = Translator(rs.resolve("test/x")).translate(SnmpDataset(walk), DeviceFacts())
    got = points(t, "hw.voltage")
    assert set(got) == {(("hw.id", "1"),), (("hw.id", "2"),)}
    assert math.isclose(got[(("hw.id", "1"),)], 3.312) and math.isclose(got[(("hw.id", "2"),)], 12.5)
    assert t.rule_stats["volts"].skipped["filtered by where"] == 1


def test_concat_names_and_or_conditions_and_filters_through_lookups(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("""\
id: test/x
version: 1.0.0
rules:
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.2.1.3}
    where:
      # sensor types 8 or 9 ...
      - any: [{field: 1.3.6.1.4.1.99999.2.1.2, equals: 8}, {field: 1.3.6.1.4.1.99999.2.1.2, equals: 9}]
      # ... whose parent entity (a lookup into entPhysicalTable) is a power supply (class 6)
      - ref: {lookup: {field: 1.3.6.1.2.1.47.1.1.1.1.5, by: {field: 1.3.6.1.2.1.47.1.1.1.1.4}}}
        equals: 6
    attributes:
      hw.id: {index: 0}
      # "<parent name> <sensor name>"
      hw.name:
        concat:
          - {lookup: {field: 1.3.6.1.2.1.47.1.1.1.1.7, by: {field: 1.3.6.1.2.1.47.1.1.1.1.4}}}
          - {field: 1.3.6.1.2.1.47.1.1.1.1.7}
""")
    e = "1.3.6.1.2.1.47.1.1.1.1"
    walk = [
        (f"{e}.7.1", TAG_OCTET_STRING, b"PSU 1"), (f"{e}.5.1", TAG_INTEGER, 6),
        (f"{e}.7.2", TAG_OCTET_STRING, b"Chassis"), (f"{e}.5.2", TAG_INTEGER, 3),
        # sensors 11, 12 inside PSU 1; 13 inside the chassis
        (f"{e}.7.11", TAG_OCTET_STRING, b"Hotspot"), (f"{e}.4.11", TAG_INTEGER, 1),
        (f"{e}.7.12", TAG_OCTET_STRING, b"Inlet"), (f"{e}.4.12", TAG_INTEGER, 1),
        (f"{e}.7.13", TAG_OCTET_STRING, b"Board"), (f"{e}.4.13", TAG_INTEGER, 2),
        ("1.3.6.1.4.1.99999.2.1.2.11", TAG_INTEGER, 8), ("1.3.6.1.4.1.99999.2.1.3.11", TAG_INTEGER, 50),
        ("1.3.6.1.4.1.99999.2.1.2.12", TAG_INTEGER, 9), ("1.3.6.1.4.1.99999.2.1.3.12", TAG_INTEGER, 30),
        ("1.3.6.1.4.1.99999.2.1.2.13", TAG_INTEGER, 8), ("1.3.6.1.4.1.99999.2.1.3.13", TAG_INTEGER, 40),
    ]
    rs = RulebookSet.from_paths([tmp_path])
    t = Translator(rs.resolve("test/x")).translate(SnmpDataset(walk), DeviceFacts())
    assert points(t, "hw.temperature") == {
        (("hw.id", "11"), ("hw.name", "PSU 1 Hotspot")): 50,
        (("hw.id", "12"), ("hw.name", "PSU 1 Inlet")): 30,
    }
    assert t.rule_stats["temp"].skipped["filtered by where"] == 1


def test_counter_width_from_the_column_that_answered(rulebooks: RulebookSet) -> None:
    """Issue 12 item 6: ifHCInOctets (Counter64) with ifInOctets (Counter32) as fallback: only
    the interface the fallback answered for is a 32-bit series (the one whose decrease wraps)."""
    ds = SnmpDataset(WALK)
    facts = DeviceFacts(sys_object_id="1.3.6.1.4.1.99999.1.1", sys_descr="Test OS 1.0", sys_uptime=360000)
    t = translate(ds, facts, rulebooks, time_ns=1_700_000_000_000_000_000)
    io = next(s.metrics["hw.network.io"] for s in t.scopes)
    names = {dict(a)["network.interface.name"] for a in io.counter32 or ()}
    assert names == {"Ethernet2"}
    errors = next(s.metrics["hw.errors"] for s in t.scopes)   # ifInErrors: Counter32 on every row
    assert errors.counter32 is not None and len(errors.counter32) == len(errors.points) == 2


def test_absurd_values_are_skipped_one_by_one(tmp_path: Path) -> None:
    """Issue 12 item 5: an overflowing transform, an int past Counter64 and a non-finite result
    are each a counted skip ("value out of range") of that value; the other rows go through."""
    from netrosetta.engine.values import OUT_OF_RANGE
    (tmp_path / "x.yaml").write_text("""\
id: test/x
version: 1.0.0
rules:
  - name: cpu
    metric: system.cpu.utilization
    snmp: {value: 1.3.6.1.4.1.99999.6.1.2}
    attributes: {hw.id: {index: 0}}
    transforms: [{convert: percent_to_ratio}]
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.6.1.3}
    attributes: {hw.id: {index: 0}}
  - name: volts
    metric: hw.voltage
    snmp: {value: 1.3.6.1.4.1.99999.6.1.4}
    attributes: {hw.id: {index: 0}}
    transforms: [{map: {1: 5}, default: 7}]
""")
    rs = RulebookSet.from_paths([tmp_path])
    p = "1.3.6.1.4.1.99999.6.1"
    walk = [(f"{p}.2.1", TAG_INTEGER, 10**400), (f"{p}.2.2", TAG_INTEGER, 50),
            (f"{p}.3.1", TAG_INTEGER, 1 << 64), (f"{p}.3.2", TAG_INTEGER, 40),
            (f"{p}.4.1", TAG_INTEGER, OUT_OF_RANGE), (f"{p}.4.2", TAG_INTEGER, 1)]
    t = Translator(rs.resolve("test/x")).translate(SnmpDataset(walk), DeviceFacts())  # type: ignore[arg-type]
    assert points(t, "system.cpu.utilization") == {(("hw.id", "2"),): 0.5}
    assert points(t, "hw.temperature") == {(("hw.id", "2"),): 40}
    assert points(t, "hw.voltage") == {(("hw.id", "2"),): 5}     # not the map's default for the bad one
    for rule in ("cpu", "temp", "volts"):
        assert t.rule_stats[rule].skipped["value out of range"] == 1, rule
