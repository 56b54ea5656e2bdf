"""Vendor extension metrics: declared by a rulebook, linted, translated, exported, in coverage."""

from __future__ import annotations

from pathlib import Path

from netrosetta.coverage.families import family
from netrosetta.coverage.walks import translate_walk
from netrosetta.engine.lint import lint_paths
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.exporter.otlp import build_request

PARENT = """\
id: acme/base
version: 1.0.0
abstract: true
extensions:
  vendor.acme.fw.sessions:
    instrument: gauge
    unit: "{session}"
    description: Firewall sessions open now
    attributes: [vendor.acme.zone]
"""

CHILD = """\
id: acme/fw
version: 1.0.0
extends: [acme/base]
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999.1}]}
extensions:
  vendor.acme.fw.packets:
    instrument: counter
    unit: "{packet}"
    description: Packets the firewall inspected
rules:
  - name: sessions
    metric: vendor.acme.fw.sessions
    snmp: {value: 1.3.6.1.4.1.99999.2.1.2}
    attributes: {vendor.acme.zone: {field: 1.3.6.1.4.1.99999.2.1.1}}
  - name: packets
    metric: vendor.acme.fw.packets
    snmp: {value: 1.3.6.1.4.1.99999.3}
"""

WALK = """\
1.3.6.1.2.1.1.1.0|4|Acme FW
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1
1.3.6.1.2.1.1.3.0|67|1000
1.3.6.1.4.1.99999.2.1.1.1|4|inside
1.3.6.1.4.1.99999.2.1.1.2|4|outside
1.3.6.1.4.1.99999.2.1.2.1|66|12
1.3.6.1.4.1.99999.2.1.2.2|66|30
1.3.6.1.4.1.99999.3.0|70|123456789012
"""

BAD = """\
id: acme/bad
version: 1.0.0
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999.9}]}
extensions:
  hw.temperature: {instrument: gauge, unit: Cel, description: shadows the schema}
  acme_sessions: {instrument: gauge, unit: "1", description: no namespace}
  vendor.acme.speed: {instrument: gauge, unit: furlongs/fortnight, description: not UCUM}
  vendor.acme.ok: {instrument: gauge, unit: By/s, description: fine, attributes: [Bad-Name]}
rules:
  - name: undeclared
    metric: vendor.acme.undeclared
    snmp: {value: 1.3.6.1.4.1.99999.3}
"""


def _books(tmp_path: Path) -> Path:
    d = tmp_path / "books"
    d.mkdir()
    (d / "base.yaml").write_text(PARENT)
    (d / "fw.yaml").write_text(CHILD)
    return d


def test_declared_extensions_lint_clean(tmp_path: Path) -> None:
    assert lint_paths([_books(tmp_path)]) == []


def test_extension_problems_are_located(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    got = {(p.line, p.message.split(":")[0][:40]) for p in lint_paths([tmp_path])}
    lines = sorted(line for line, _ in got)
    # shadowing (5), no namespace (6), unit (7), attribute name (8), undeclared metric (11)
    assert lines == [5, 6, 7, 8, 11], got
    msgs = " ".join(p.message for p in lint_paths([tmp_path]))
    assert "may not shadow" in msgs and "vendor.<vendor>.<name>" in msgs
    assert "'furlongs/fortnight' is not a UCUM code" in msgs and "extensions:" in msgs


def test_extension_metrics_translate_and_export(tmp_path: Path) -> None:
    walk = tmp_path / "fw.snmprec"
    walk.write_text(WALK)
    t, _ = translate_walk(walk, RulebookSet.from_paths([_books(tmp_path)]))
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "acme/fw"
    got = {(m.name, m.instrument, m.unit, m.description, tuple(sorted(a.items())), v) for _s, m, a, v in t.iter_points()}
    assert got == {
        ("vendor.acme.fw.sessions", "gauge", "{session}", "Firewall sessions open now",
         (("vendor.acme.zone", "inside"),), 12),
        ("vendor.acme.fw.sessions", "gauge", "{session}", "Firewall sessions open now",
         (("vendor.acme.zone", "outside"),), 30),
        ("vendor.acme.fw.packets", "counter", "{packet}", "Packets the firewall inspected", (), 123456789012),
    }
    req = build_request([t])
    metrics = {m.name: m for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert metrics["vendor.acme.fw.packets"].sum.is_monotonic
    assert metrics["vendor.acme.fw.packets"].unit == "{packet}"
    assert [p.as_int or p.as_double for p in metrics["vendor.acme.fw.sessions"].gauge.data_points] == [12, 30]
    assert family("vendor.acme.fw.packets") == "extensions"


def test_extension_instrument_is_checked_against_the_mib(tmp_path: Path) -> None:
    """As for schema metrics: a Counter64 column under a gauge extension is reported, with its line."""
    (tmp_path / "c.yaml").write_text("""\
id: acme/counted
version: 1.0.0
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999.5}]}
extensions:
  vendor.acme.octets: {instrument: gauge, unit: By, description: octets read as a gauge}
  vendor.acme.octets_total: {instrument: counter, unit: By, description: octets as a counter}
rules:
  - {name: wrong, metric: vendor.acme.octets, snmp: {value: IF-MIB::ifHCInOctets}}
  - {name: right, metric: vendor.acme.octets_total, snmp: {value: IF-MIB::ifHCInOctets}}
""")
    problems = lint_paths([tmp_path])
    assert [(p.line, p.severity) for p in problems] == [(8, "warning")], problems
    assert "a counter, but vendor.acme.octets is a gauge" in problems[0].message
