"""rulebook lint: a state set supplies its attribute (hw.state) to every point it emits."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.lint import lint_paths

BOOK = """\
id: test/states
version: 1.0.0
match:
  snmp: [{sys_object_id: 1.3.6.1.4.1.99999.*}]
rules:
  - name: fan
    metric: hw.status
    snmp: {value: 1.3.6.1.4.1.99999.1.1}
    attributes: {hw.id: {index: 0}, hw.type: fan}
    states: {map: {1: ok, 2: failed}, states: [ok, failed]}
  - name: fan-no-type
    metric: hw.status
    snmp: {value: 1.3.6.1.4.1.99999.1.1}
    attributes: {hw.id: {index: 0}}
    states: {map: {1: ok, 2: failed}, states: [ok, failed]}
"""


def test_state_set_attribute_counts_as_present(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK)
    messages = [p.message for p in lint_paths([tmp_path])]
    assert not any("'hw.state'" in m for m in messages), messages
    # a genuinely missing attribute is still reported
    assert any("requires attribute 'hw.type'" in m for m in messages), messages
