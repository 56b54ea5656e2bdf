"""A row-aware step (multiply_by, add ...) inside a reference's own transforms is a load-time
error with its line, not a ValueError traceback out of translate (it used to pass lint)."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.lint import lint_paths

BOOK = """\
id: test/refrow
version: 1.0.0
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999}]}
rules:
  - name: used
    metric: system.memory.usage
    snmp: {value: HOST-RESOURCES-MIB::hrStorageUsed}
    attributes: {hw.id: {index: 0}, system.memory.state: used}
    transforms:
      - add:
          lookup: {field: HOST-RESOURCES-MIB::hrStorageUsed, by: {const: Memory buffers}, match: HOST-RESOURCES-MIB::hrStorageDescr}
          transforms:
            - multiply_by: HOST-RESOURCES-MIB::hrStorageAllocationUnits
"""


def test_row_step_in_a_reference_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK)
    errors = [p for p in lint_paths([tmp_path]) if p.severity == "error"]
    # pydantic reports each alternative of `add` (a field name, or a reference): all at the step
    assert errors and all(p.line in (10, 11, 12, 13) for p in errors), errors
    assert any("multiply_by" in p.message and "rule's transforms" in p.message for p in errors), errors
