"""Vendor extension metrics: metrics a rulebook declares outside the unified schema.

A name lives in its vendor's namespace (``vendor.<vendor>.<name>``, lower-case dotted segments),
so it can never shadow a schema metric; its unit is a UCUM code (or a ``{annotation}``). The
rulebook's translator and lint see the schema plus the rulebook's (inherited) extensions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .model import ExtensionMetric
from .schema import AttributeSet, MetricDef, UnifiedSchema

NAMESPACE = "vendor."
_NAME = re.compile(r"vendor\.[a-z0-9_]+(\.[a-z0-9_]+)+")
_ATTR = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
# UCUM atoms network metrics use, with the metric prefixes UCUM allows on them
_ATOMS = ("1", "%", "s", "min", "h", "d", "By", "bit", "Cel", "K", "W", "V", "A", "Hz", "J", "Pa",
          "m", "g", "l", "dB", "dB[mW]", "B", "Ohm", "VA", "var", "Wh", "rad", "deg", "lx", "Bd")
_PREFIXES = ("", "k", "M", "G", "T", "P", "m", "u", "n", "c", "d", "Ki", "Mi", "Gi", "Ti")
_ANNOTATION = re.compile(r"\{[A-Za-z0-9_ .\-/]+\}")


def _unit_term(term: str) -> bool:
    term = _ANNOTATION.sub("", term) if not _ANNOTATION.fullmatch(term) else "1"
    term = re.sub(r"(?<=[A-Za-z\]])-?\d+$", "", term)        # exponents: m2, s-1
    return any(term == p + a for a in _ATOMS for p in _PREFIXES if not (p and a in ("1", "%")))


def unit_problem(unit: str) -> str | None:
    """Why a unit is not UCUM-like (products with '.', one '/'), or None when it is."""
    if not unit or unit != unit.strip():
        return "a unit is a UCUM code such as 1, By, s, Cel, By/s or {session}"
    for part in unit.split("/"):
        if not part or not all(_unit_term(t) for t in part.split(".")):
            return (f"unit {unit!r} is not a UCUM code (e.g. 1, %, By, By/s, s, Cel, W, dB[mW], "
                    "{session}; prefixes k M G m u ...)")
    return None


def name_problem(name: str, schema: UnifiedSchema) -> str | None:
    if name in schema.metrics:
        return f"{name!r} is a unified schema metric: an extension may not shadow it"
    if not _NAME.fullmatch(name):
        return (f"extension metric {name!r} must be named {NAMESPACE}<vendor>.<name> "
                "(lower-case letters, digits and _ between dots)")
    return None


def attribute_problem(name: str) -> str | None:
    return None if _ATTR.fullmatch(name) else (
        f"attribute {name!r}: lower-case letters, digits and _ between dots")


def as_metric(ext: ExtensionMetric) -> MetricDef:
    return MetricDef(instrument=ext.instrument, unit=ext.unit, description=ext.description,
                     semconv="none", attributes=AttributeSet(optional=list(ext.attributes)))


def with_extensions(schema: UnifiedSchema, extensions: Mapping[str, ExtensionMetric]) -> UnifiedSchema:
    """The schema a rulebook's rules are compiled against: the catalog plus its extensions.
    A name that is already a schema metric keeps the schema's definition (lint reports it)."""
    if not extensions:
        return schema
    added = {n: as_metric(e) for n, e in extensions.items() if n not in schema.metrics}
    return schema.model_copy(update={"metrics": {**schema.metrics, **added}})
