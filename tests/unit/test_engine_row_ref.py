"""Row-aware transform steps whose operand is an attribute reference with its own transforms.

E.g. a sensor value scaled by a power of ten read from another column of the same row:
``divide_by: {field: <scale column>, transforms: [{map: {8: 1000, 9: 1}}]}``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.model import AttrRef, Transform
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import Translator

BOOK = """\
id: test/rowref
version: 1.0.0
match:
  snmp: [{sys_object_id: 1.3.6.1.4.1.99999.*}]
rules:
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.1.4}
    attributes: {hw.id: {index: 0}, hw.name: {const: s}}
    transforms:
      - divide_by: {field: 1.3.6.1.4.1.99999.1.2, transforms: [{map: {8: 1000, 9: 1}}]}
      - divide_by: {field: 1.3.6.1.4.1.99999.1.3, transforms: [{map: {0: 1, 1: 10, 2: 100}}]}
  - name: plain-field-still-works
    metric: hw.fan.speed
    snmp: {value: 1.3.6.1.4.1.99999.1.4}
    attributes: {hw.id: {index: 0}}
    transforms: [{multiply_by: 1.3.6.1.4.1.99999.1.3}]
"""


def test_operand_parses_as_field_name_or_reference() -> None:
    assert Transform.model_validate({"multiply_by": "IF-MIB::ifMtu"}).multiply_by == "IF-MIB::ifMtu"
    t = Transform.model_validate({"divide_by": {"field": "x", "transforms": [{"map": {1: 10}}]}})
    assert isinstance(t.divide_by, AttrRef) and t.divide_by.field == "x"


def test_row_operand_with_transforms(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK)
    rb = RulebookSet.from_paths([tmp_path]).resolve("test/rowref")
    p = "1.3.6.1.4.1.99999.1."
    ds = SnmpDataset([
        # row 1: units, precision 1 -> 41.5; row 2: milli, precision 0 -> 45.542;
        # row 3: a scale the map does not know -> no point (counted), never an unscaled one
        (p + "2.1", 2, 9), (p + "3.1", 2, 1), (p + "4.1", 2, 415),
        (p + "2.2", 2, 8), (p + "3.2", 2, 0), (p + "4.2", 2, 45542),
        (p + "2.3", 2, 7), (p + "3.3", 2, 0), (p + "4.3", 2, 12),
    ])
    t = Translator(rb).translate(ds, DeviceFacts())
    temps = {a["hw.id"]: v for _s, m, a, v in t.iter_points() if m.name == "hw.temperature"}
    assert temps == {"1": pytest.approx(41.5), "2": pytest.approx(45.542)}
    assert t.rule_stats["temp"].skipped["value skipped by transforms"] == 1
    fans = {a["hw.id"]: v for _s, m, a, v in t.iter_points() if m.name == "hw.fan.speed"}
    assert fans == {"1": 415, "2": 0, "3": 0}
