"""The unified schema catalog (mappings/schema/unified-v*.yaml) as typed data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from netrosetta.errors import NetrosettaError
from netrosetta.paths import SCHEMA_DIR

from .yaml_source import load_yaml, validate

Instrument = Literal["counter", "updowncounter", "gauge"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeSet(_Strict):
    required: list[str] = Field(default_factory=list)
    optional: list[str] = Field(default_factory=list)


class MetricDef(_Strict):
    instrument: Instrument
    unit: str
    description: str
    semconv: str
    attributes: AttributeSet = Field(default_factory=AttributeSet)
    range: tuple[float, float] | None = None


class AttributeDef(_Strict):
    description: str
    semconv: str
    values: list[str] | None = None
    describes: bool = Field(False, description=(
        "describes what the series is about (an interface's description or type) without telling "
        "series apart: two rules' points that differ only in such attributes are one series"))


class UnifiedSchema(_Strict):
    schema_: str = Field(alias="schema")
    version: str
    namespace: str
    resource: dict[str, AttributeDef]
    attributes: dict[str, AttributeDef]
    metrics: dict[str, MetricDef]

    def metric(self, name: str) -> MetricDef | None:
        return self.metrics.get(name)

    @property
    def describing(self) -> frozenset[str]:
        """The attributes marked ``describes``."""
        return frozenset(k for k, a in self.attributes.items() if a.describes)

    def allowed_attributes(self, name: str) -> set[str]:
        m = self.metrics[name]
        return set(m.attributes.required) | set(m.attributes.optional)


def schema_path(schema_id: str) -> Path:
    """``unified/v1`` -> mappings/schema/unified-v1.yaml."""
    family, _, version = schema_id.partition("/")
    return SCHEMA_DIR / f"{family}-{version}.yaml"


@cache
def load_schema(schema_id: str = "unified/v1") -> UnifiedSchema:
    path = schema_path(schema_id)
    if not path.exists():
        raise NetrosettaError(f"unknown schema {schema_id!r} (no {path.name} in {SCHEMA_DIR})")
    return validate(load_yaml(path), UnifiedSchema)
