"""rulebook lint: a gNMI leaf's YANG `units` against the unified metric's unit."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.lint import lint_paths

BOOK = """\
id: test/units
version: 1.0.0
match: {platform: [test_units]}
rules:
  - name: wrong
    metric: system.cpu.utilization
    gnmi: {path: /system/memory/state/physical}
    attributes: {hw.id: {const: "0"}}
  - name: declared
    metric: system.cpu.utilization
    gnmi: {path: /system/memory/state/physical}
    attributes: {hw.id: {const: "1"}}
    unit: "1"
  - name: rescaled
    metric: system.cpu.utilization
    gnmi: {path: /system/memory/state/physical}
    attributes: {hw.id: {const: "2"}}
    transforms: [{divide: 100}]
  - name: right
    metric: hw.temperature
    gnmi: {path: /components/component/state/temperature/instant}
    attributes: {hw.id: {key: name}, hw.name: {key: name}}
"""


def test_yang_units_against_the_metric(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK)
    problems = [p for p in lint_paths([tmp_path]) if "YANG units" in p.message]
    # only the rule that neither converts, declares its unit nor rescales is reported, at its line
    assert [(p.severity, p.line) for p in problems] == [("warning", 7)], problems
    assert "'By'" in problems[0].message and "'1'" in problems[0].message


SNMP_BOOK = """\
id: test/mib-units
version: 1.0.0
match: {platform: [test_mib_units]}
rules:
  - name: kilobytes-as-bytes
    metric: system.memory.limit
    snmp: {value: UCD-SNMP-MIB::memTotalReal}
    attributes: {hw.id: {const: "0"}}
  - name: kilobytes-converted
    metric: system.memory.limit
    snmp: {value: UCD-SNMP-MIB::memTotalReal}
    attributes: {hw.id: {const: "1"}}
    transforms: [{convert: kb_to_bytes}]
  - name: timeticks-as-seconds
    metric: system.uptime
    snmp: {value: SNMPv2-MIB::sysUpTime}
  - name: percent-as-ratio
    metric: system.cpu.utilization
    snmp: {value: CISCO-PROCESS-MIB::cpmCPUTotal5minRev}
    attributes: {hw.id: {index: true}}
  - name: percent-converted
    metric: system.cpu.utilization
    snmp: {value: CISCO-PROCESS-MIB::cpmCPUTotal5minRev}
    attributes: {hw.id: {index: true}}
    transforms: [{convert: percent_to_ratio}]
  - name: celsius
    metric: hw.temperature
    snmp: {value: CISCO-ENVMON-MIB::ciscoEnvMonTemperatureStatusValue}
    attributes: {hw.id: {index: true}, hw.name: {index: true}}
  - name: octets-as-temperature
    metric: hw.temperature
    snmp: {value: IF-MIB::ifHCInOctets}
    attributes: {hw.id: {index: true}, hw.name: {index: true}}
    transforms: [{scale: 1}]
  - name: misspelled-pow10-field
    metric: hw.temperature
    snmp: {value: ENTITY-SENSOR-MIB::entPhySensorValue}
    attributes: {hw.id: {index: true}, hw.name: {index: true}}
    transforms: [{pow10: {field: entPhySensorScal, times: 3}}]
"""


def test_mib_units_syntax_and_every_reference(tmp_path: Path) -> None:
    """MIB UNITS and TimeTicks against the metric's unit, counter vs gauge both ways, and field names
    inside pow10 operands: each reported at its rule's line, the converted rules left alone."""
    (tmp_path / "b.yaml").write_text(SNMP_BOOK)
    found = [(p.line, p.severity, p.message) for p in lint_paths([tmp_path])]
    lines = {line for line, _s, _m in found}
    assert all(s == "warning" for line, s, _m in found if line != 39), found   # the book is otherwise clean
    assert 7 in lines and any("'kBy'" in m and "UNITS 'kB'" in m for _l, _s, m in found), found
    assert 11 not in lines and 12 not in lines                      # kb_to_bytes: converted
    assert any(line == 16 and "TimeTicks" in m and "'s'" in m for line, _s, m in found), found
    assert any(line == 19 and "'%'" in m and "'1'" in m for line, _s, m in found), found
    assert not {23, 24, 25, 26} & lines                            # percent_to_ratio: converted
    assert not {28, 29, 30} & lines                                # degrees Celsius is Cel
    assert any(line == 32 and "Counter64, a counter" in m for line, _s, m in found), found
    assert any(line == 39 and "entPhySensorScal" in m for line, _s, m in found), found


ENUM_BOOK = """\
id: test/enum-names
version: 1.0.0
match: {platform: [test_enum_names]}
rules:
  - name: named-type
    metric: hw.network.up
    snmp: {value: IF-MIB::ifOperStatus}
    attributes:
      network.interface.name: {field: IF-MIB::ifDescr}
      netrosetta.interface.type: {field: IF-MIB::ifType, transforms: [{format: enum}]}
  - name: counter-has-no-names
    metric: hw.network.up
    snmp: {value: IF-MIB::ifOperStatus}
    attributes:
      network.interface.name: {field: IF-MIB::ifDescr}
      netrosetta.interface.type: {field: IF-MIB::ifInOctets, transforms: [{format: enum}]}
  - name: not-on-a-field
    metric: hw.network.up
    snmp: {value: IF-MIB::ifOperStatus}
    attributes:
      network.interface.name: {field: IF-MIB::ifDescr}
      netrosetta.interface.type: {index: 0, transforms: [{format: enum}]}
  - name: not-on-a-value
    metric: hw.network.up
    snmp: {value: IF-MIB::ifOperStatus}
    attributes: {network.interface.name: {field: IF-MIB::ifDescr}}
    transforms: [{format: enum}]
"""


def test_format_enum_needs_a_named_field(tmp_path: Path) -> None:
    """`format: enum` where no schema names the values would pass a number off as a name: lint
    says so at the attribute (a MIB column without enumeration, a non-field reference) or the
    rule's transforms; ifType, an IANAifType, is clean."""
    (tmp_path / "b.yaml").write_text(ENUM_BOOK)
    found = {p.line: p.message for p in lint_paths([tmp_path]) if "format: enum" in p.message}
    assert set(found) == {16, 22, 27}, found
    assert "IF-MIB::ifInOctets has no enumeration" in found[16]
    assert "`field:` or `lookup:`" in found[22] and "stays a number" in found[27]


DEFAULTS_BOOK = """\
id: test/defaults
version: 1.0.0
match: {platform: [test_defaults]}
defaults:
  snmp:
    network.interface.descripton: {field: IF-MIB::ifAlias}
    netrosetta.interface.description: {field: IF-MIB::ifAlias}
rules:
  - name: up
    metric: hw.network.up
    snmp: {value: IF-MIB::ifOperStatus}
    attributes: {network.interface.name: {field: IF-MIB::ifDescr}}
"""


def test_a_default_attribute_the_schema_does_not_know(tmp_path: Path) -> None:
    """A misspelt attribute under `defaults:` would be left off every rule without a word (the
    defaults give each rule only what its metric allows): lint names it at its line, with the
    close match; a known attribute next to it is clean."""
    (tmp_path / "b.yaml").write_text(DEFAULTS_BOOK)
    found = [(p.line, p.message) for p in lint_paths([tmp_path]) if "not an attribute of the schema" in p.message]
    assert len(found) == 1, found
    line, msg = found[0]
    assert line == 6 and "'network.interface.descripton'" in msg
    assert "did you mean" in msg
