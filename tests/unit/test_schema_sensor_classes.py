"""unified-v1 1.1.0: the sensor-class metrics and their conversions pass lint and translate."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.engine.lint import lint_paths
from netrosetta.engine.schema import load_schema
from netrosetta.engine.transforms import _CONVERSIONS

# metric -> conversion whose output unit must be the metric's unit (lint checks exactly that)
PAIRS = [
    ("netrosetta.current", "ma_to_a"), ("hw.battery.time_left", "minutes_to_seconds"),
    ("hw.battery.charge", "percent_to_ratio"), ("netrosetta.load", "percent_to_ratio"),
    ("netrosetta.humidity", "percent_to_ratio"), ("hw.energy", "kwh_to_j"), ("hw.energy", "wh_to_j"),
    ("hw.power", "kw_to_w"), ("hw.voltage", "dv_to_v"),
]


def _book(rules: str) -> str:
    return f"id: test/sc\nversion: 1.0.0\nmatch: {{snmp: [{{sys_object_id: 1.3.6.1.4.1.99999}}]}}\nrules:\n{rules}"


def test_new_metrics_are_in_the_catalog() -> None:
    s = load_schema("unified/v1")
    assert tuple(map(int, s.version.split("."))) >= (1, 1, 0)   # later minor versions only add
    for name, unit in [("netrosetta.current", "A"), ("netrosetta.frequency", "Hz"), ("hw.energy", "J"),
                       ("netrosetta.power.factor", "1"), ("netrosetta.humidity", "1"), ("hw.battery.charge", "1"),
                       ("hw.battery.time_left", "s"), ("netrosetta.signal.snr", "dB"), ("netrosetta.bitrate", "bit/s")]:
        m = s.metric(name)
        assert m is not None and m.unit == unit, name


def test_conversions_end_in_the_metric_unit(tmp_path: Path) -> None:
    rules = "".join(
        f"  - name: r{i}\n    metric: {metric}\n    snmp: {{value: '1.3.6.1.2.1.33.1.2.3'}}\n"
        f"    attributes: {{hw.id: {{const: '{i}'}}}}\n    transforms: [{{convert: {conv}}}]\n"
        for i, (metric, conv) in enumerate(PAIRS))
    (tmp_path / "b.yaml").write_text(_book(rules))
    assert [p for p in lint_paths([tmp_path]) if p.severity == "error"] == []


def test_a_wrong_conversion_is_still_caught(tmp_path: Path) -> None:
    rules = ("  - name: r\n    metric: netrosetta.current\n    snmp: {value: '1.3.6.1.2.1.33.1.2.3'}\n"
             "    attributes: {hw.id: {const: '0'}}\n    transforms: [{convert: minutes_to_seconds}]\n")
    (tmp_path / "b.yaml").write_text(_book(rules))
    assert any("wrong unit" in p.message for p in lint_paths([tmp_path]))


@pytest.mark.parametrize(("conv", "raw", "want"), [
    ("minutes_to_seconds", 12, 720), ("kw_to_w", 1.5, 1500), ("wh_to_j", 2, 7200),
    ("kwh_to_j", 3, 10_800_000), ("dv_to_v", 2301, 230.1),
])
def test_conversion_values(conv: str, raw: float, want: float) -> None:
    assert _CONVERSIONS[conv](raw) == pytest.approx(want)
