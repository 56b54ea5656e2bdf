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
