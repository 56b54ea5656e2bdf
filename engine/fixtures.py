"""`netrosetta rulebook test`: run each rulebook's recorded fixtures and diff the output.

A fixture is a folder ``testcases/<case>/`` beside the rulebooks holding one input (for SNMP a
``walk.snmprec``, for gNMI ``responses.json``: the caller passes a loader per input file name, so
the engine knows no source) and an ``expected.yaml``::

    rulebook: cisco/ios-xe            # the rulebook that must match
    resource: {device.manufacturer: Cisco}
    points:
      - {metric: hw.network.io, attributes: {...}, value: 123}

Every expected point must be produced with exactly that value (floats to 1e-9 relative);
unexpected extra points are listed but only fail with ``exhaustive: true``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from netrosetta.errors import NetrosettaError

from .facts import DeviceFacts
from .points import DeviceTranslation
from .rulebooks import RulebookSet
from .selectors.base import Dataset
from .translate import translate
from .yaml_source import load_yaml, validate


class ExpectedPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    value: float | int


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rulebook: str
    description: str | None = None
    resource: dict[str, str] = Field(default_factory=dict)
    points: list[ExpectedPoint] = Field(default_factory=list)
    exhaustive: bool = False


# reads a case's input file into what the engine translates; each source kind brings its own
# (SNMP: collectors/snmp/facts.load_walk for walk.snmprec; gNMI: responses.json)
InputLoader = Callable[[Path], tuple[Dataset, DeviceFacts]]


@dataclass
class CaseResult:
    case: Path
    ok: bool
    lines: list[str] = field(default_factory=list)


def _key(metric: str, attrs: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return metric, tuple(sorted((k, str(v)) for k, v in attrs.items()))


def _same(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def run_case(case: Path, rulebooks: RulebookSet, loaders: Mapping[str, InputLoader]) -> CaseResult:
    """Translate the case's input (the first file of ``loaders`` it has: input file name ->
    loader) and compare with its expected.yaml."""
    exp_path = case / "expected.yaml"
    expected = validate(load_yaml(exp_path), Expected)
    loader = next(((case / name, fn) for name, fn in loaders.items() if (case / name).exists()), None)
    if loader is None:
        raise NetrosettaError(f"no input file (one of {', '.join(loaders)})", file=str(case))
    ds, facts = loader[1](loader[0])
    t: DeviceTranslation = translate(ds, facts, rulebooks)
    res = CaseResult(case, True)
    chosen = t.matched.chosen.id if t.matched and t.matched.chosen else None
    if chosen != expected.rulebook:
        res.ok = False
        res.lines.append(f"- rulebook {expected.rulebook}\n+ rulebook {chosen} ({t.matched.reason if t.matched else ''})")
    for rk, v in expected.resource.items():
        have = t.resource.get(rk)
        if have != v:
            res.ok = False
            res.lines.append(f"- resource {rk}={v!r}\n+ resource {rk}={have!r}")
    actual: dict[Any, float] = {}
    for _scope, m, attrs, value in t.iter_points():
        actual[_key(m.name, attrs)] = value
    wanted = set()
    for p in expected.points:
        k = _key(p.metric, p.attributes)
        wanted.add(k)
        got = actual.get(k)
        shown = " ".join(f"{a}={b}" for a, b in k[1])
        if got is None:
            res.ok = False
            res.lines.append(f"- {p.metric} {{{shown}}} = {p.value}\n+ (missing)")
        elif not _same(float(got), float(p.value)):
            res.ok = False
            res.lines.append(f"- {p.metric} {{{shown}}} = {p.value}\n+ {p.metric} {{{shown}}} = {got}")
    extra = [k for k in actual if k not in wanted]
    if extra and expected.exhaustive:
        res.ok = False
        for metric_name, attrs_t in extra:
            shown = " ".join(f"{a}={b}" for a, b in attrs_t)
            res.lines.append(f"+ unexpected {metric_name} {{{shown}}} = {actual[(metric_name, attrs_t)]}")
    return res


def find_cases(paths: list[Path]) -> list[Path]:
    cases = []
    for p in paths:
        for exp in sorted(p.rglob("expected.yaml")) if p.is_dir() else []:
            if "testcases" in exp.parts:
                cases.append(exp.parent)
        if p.is_file() and p.name == "expected.yaml":
            cases.append(p.parent)
    return cases
