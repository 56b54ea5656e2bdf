"""The rulebook model: what a YAML rulebook may say, validated strictly (unknown keys are errors).

A rule is one source-specific selector (``snmp:``, ``gnmi:``, ``xpath:``, ``json:``, ``cli:``)
plus one shared pipeline — ``where`` filters, ``attributes``, ``transforms``, ``states`` — and the
unified ``metric`` it produces. Selectors only say where values come from; everything after that
is source-independent.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .selectors.cli import CliSelector
from .selectors.gnmi import GnmiSelector
from .selectors.json import JsonSelector
from .selectors.snmp import SnmpSelector
from .selectors.xpath import XpathSelector

SELECTOR_KINDS = ("snmp", "gnmi", "xpath", "json", "cli")
Scalar = str | int | float | bool

SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- transforms ----------------------------------------------------------------------------

Conversion = Literal[
    "fahrenheit_to_celsius", "mw_to_dbm", "uw_to_dbm", "dbm_hundredths", "dbm_tenths",
    "percent_to_ratio", "bps_to_bytes_per_s", "kbps_to_bytes_per_s", "mbps_to_bytes_per_s",
    "centiseconds_to_seconds", "ma_to_a", "ua_to_a", "mv_to_v", "kb_to_bytes", "kib_to_bytes",
    "mib_to_bytes", "status_to_up", "minutes_to_seconds", "kw_to_w", "wh_to_j", "kwh_to_j", "dv_to_v",
]
Format = Literal["auto", "ascii", "hex", "mac", "ip", "oid", "index_string", "int", "enum"]


class Replace(Strict):
    pattern: str
    with_: str = Field(alias="with")


class Pow10(Strict):
    """Scale by a power of ten read from another field of the row.

    ENTITY-SENSOR-MIB: value x 10^(3 x entPhySensorScale - 27) x 10^(-entPhySensorPrecision)
    is ``[{pow10: {field: entPhySensorScale, times: 3, plus: -27}}, {pow10: {field: entPhySensorPrecision, times: -1}}]``.
    """

    field: str
    times: int = 1
    plus: int = 0


class Transform(Strict):
    """One step of a value or attribute pipeline; exactly one key per step."""

    scale: float | None = Field(None, description="multiply by this factor")
    divide: float | None = Field(None, description="divide by this number")
    offset: float | None = Field(None, description="add this number")
    convert: Conversion | None = Field(None, description="a named unit conversion")
    map: dict[Scalar, Scalar] | None = Field(None, description="value map (enums); unmapped values use `default` or are skipped")
    default: Scalar | None = Field(None, description="with `map`: result for unmapped values")
    regex: str | None = Field(None, description="keep the first capture group (or the whole match)")
    to_number: bool | None = Field(None, description="parse a string such as '42', '-3.5 dBm' as a number")
    skip: list[Scalar] | None = Field(None, description="drop the data point when the value is one of these")
    min: float | None = Field(None, description="drop values below (sensor sentinels)")
    max: float | None = Field(None, description="drop values above")
    format: Format | None = Field(None, description="render bytes as text: ascii, hex, mac, ip, oid...; enum: an attribute field's number as its name in the source's schema (SNMP: the MIB enumeration, IANAifType 6 -> ethernetCsmacd)")
    replace: Replace | None = None
    strip: bool | None = None
    lower: bool | None = None
    round: int | None = Field(None, description="round to this many decimals")
    # row-aware steps: the other operand is another field of the same row
    # the operand is a field name, or an attribute reference (field/lookup + transforms), e.g.
    # {field: entSensorScale, transforms: [{map: {8: 1000, 9: 1}}]} for a per-row power of ten
    multiply_by: str | AttrRef | None = Field(None, description="multiply by another field of the same row")
    divide_by: str | AttrRef | None = Field(None, description="divide by another field of the same row")
    subtract_from: str | AttrRef | None = Field(
        None, description="replace the value by (field - value), e.g. free = size - used")
    add: str | AttrRef | None = Field(None, description="add another field of the same row")
    pow10: Pow10 | None = Field(None, description="multiply by 10^(times x field + plus), e.g. sensor scale/precision columns")

    @model_validator(mode="after")
    def _one_step(self) -> Transform:
        keys = [k for k, v in self.__dict__.items() if v is not None and k != "default"]
        if len(keys) != 1:
            raise ValueError("a transform step has exactly one of: " + ", ".join(
                k for k in type(self).model_fields if k != "default") + f" (got {keys or 'none'})")
        if self.default is not None and self.map is None:
            raise ValueError("`default` only goes with `map`")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"bad regex {self.regex!r}: {exc}") from None
        if self.divide == 0:
            raise ValueError("divide by zero")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        # one step per transform, `default` only with `map` (_one_step), said in the schema too
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        target["oneOf"] = [{"required": [k]} for k in cls.model_fields if k != "default"]
        target["dependentRequired"] = {"default": ["map"]}
        return json_schema


# --- attribute references ------------------------------------------------------------------

class Lookup(Strict):
    """Join: take the value of ``by`` and use it to find a row of another table/field.

    Without ``match`` the value of ``by`` is the joined row's index (e.g. entPhysicalIndex);
    with ``match`` the joined row is the one whose ``match`` field equals it (join by value).
    ``by`` is itself a reference, so joins chain.
    """

    field: str
    by: AttrRef
    match: str | None = None


_ROW_STEPS = ("multiply_by", "divide_by", "subtract_from", "add", "pow10")   # = transforms.ROW_STEPS


class AttrRef(Strict):
    const: Scalar | None = None
    index: int | tuple[int, int] | None = Field(
        None, description="index component n (0-based), or [start, end) components joined with '.'")
    key: str | None = Field(None, description="a named key of the row (gNMI path key, JSON/XPath key)")
    field: str | None = Field(None, description="another field of the same row (SNMP: column at the same index)")
    lookup: Lookup | None = None
    concat: list[AttrRef] | None = Field(None, description="text of several references joined with `sep` (empty ones left out)")
    rank: str | None = Field(None, description="the row's 1-based position among the rows with the same value of "
                                               "this field, in the device's order (sensor 2 of module 1)")
    sep: str = Field(" ", description="with concat: the separator")
    transforms: list[Transform] = Field(default_factory=list)
    fallback: AttrRef | None = Field(None, description="used when this reference yields nothing")
    default: Scalar | None = Field(None, description="used when nothing (fallbacks included) yields a value")

    @model_validator(mode="before")
    @classmethod
    def _scalar_is_const(cls, data: Any) -> Any:
        if isinstance(data, str | int | float | bool):
            return {"const": data}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        # the loader takes a bare scalar as `const` (above): the schema must say so too
        return {"anyOf": [handler(core_schema), {"type": ["string", "number", "boolean"]}]}

    @model_validator(mode="after")
    def _one_source(self) -> AttrRef:
        kinds = [k for k in ("const", "index", "key", "field", "lookup", "concat", "rank") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("an attribute takes exactly one of const, index, key, field, lookup, concat, rank "
                             f"(got {kinds or 'none'})")
        if self.concat is not None and not self.concat:
            raise ValueError("concat needs at least one reference")
        # a reference's value has no row of its own to take operands from: translate could not
        # compile it, so say so at load time (with the line) instead
        row = [k for t in self.transforms for k in _ROW_STEPS if getattr(t, k) is not None]
        if row:
            raise ValueError(f"{row[0]} reads another field of the row: it goes in a rule's transforms, "
                             "not in the transforms of an attribute, lookup or operand reference")
        return self


Lookup.model_rebuild()
Transform.model_rebuild()


class Condition(Strict):
    """Row filter: keep a row when the referenced value satisfies every given test.

    The value is a ``field`` of the row, an ``index`` component, or any attribute reference
    (``ref``: e.g. a lookup into another table). ``any`` is an OR of conditions instead.
    """

    field: str | None = None
    index: int | None = None
    ref: AttrRef | None = None
    any: list[Condition] | None = Field(None, description="keep the row when at least one of these holds")
    equals: Scalar | None = None
    not_equals: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    regex: str | None = None
    not_regex: str | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        sources = [k for k in ("field", "index", "ref", "any") if getattr(self, k) is not None]
        if len(sources) != 1:
            raise ValueError(f"a condition names exactly one of field, index, ref, any (got {sources or 'none'})")
        tests = [k for k in ("equals", "not_equals", "in_", "not_in", "regex", "not_regex", "exists")
                 if getattr(self, k) is not None]
        if self.any is not None:
            if tests:
                raise ValueError("`any` takes no test of its own: put the tests in its conditions")
            if not self.any:
                raise ValueError("`any` needs at least one condition")
            return self
        if not tests:
            raise ValueError("a condition needs a test: equals, not_equals, in, not_in, regex, not_regex, exists")
        for r in (self.regex, self.not_regex):
            if r is not None:
                try:
                    re.compile(r)
                except re.error as exc:
                    raise ValueError(f"bad regex {r!r}: {exc}") from None
        return self


class StateSet(Strict):
    """Expand one enum value into a state set: one point per state, 1 for the current state."""

    attribute: str = "hw.state"
    map: dict[Scalar, str]
    states: list[str]
    default: str | None = None


# --- rules ----------------------------------------------------------------------------------

class _Sourced(Strict):
    snmp: SnmpSelector | None = None
    gnmi: GnmiSelector | None = None
    xpath: XpathSelector | None = None
    json_: JsonSelector | None = Field(None, alias="json")
    cli: CliSelector | None = None

    @property
    def kind(self) -> str:
        for k in SELECTOR_KINDS:
            if getattr(self, "json_" if k == "json" else k) is not None:
                return k
        raise AssertionError("validated rule without selector")

    @property
    def selector(self) -> Any:
        return getattr(self, "json_" if self.kind == "json" else self.kind)

    @model_validator(mode="after")
    def _one_selector(self) -> _Sourced:
        kinds = [k for k in SELECTOR_KINDS if getattr(self, "json_" if k == "json" else k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"exactly one selector is needed: one of {', '.join(SELECTOR_KINDS)} (got {kinds or 'none'})")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        # exactly one selector (_one_selector), said in the schema so editors flag it too
        json_schema = handler(core_schema)
        handler.resolve_ref_schema(json_schema)["oneOf"] = [
            {"required": [k]} for k in SELECTOR_KINDS]
        return json_schema


class Rule(_Sourced):
    name: str = Field(description="unique within the rulebook (after extends); children override or remove by name")
    metric: str = Field(description="a metric of the unified schema catalog")
    description: str | None = None
    where: list[Condition] = Field(default_factory=list)
    attributes: dict[str, AttrRef] = Field(default_factory=dict)
    transforms: list[Transform] = Field(default_factory=list)
    states: StateSet | None = None
    instrument: Literal["counter", "updowncounter", "gauge"] | None = Field(
        None, description="override the catalog's instrument (rarely right; lint warns)")
    unit: str | None = Field(None, description="UCUM unit of the value after transforms; lint checks it against the catalog")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", v):
            raise ValueError("rule names use letters, digits and _ . : -")
        return v


class DeviceRule(_Sourced):
    """A device (Resource) attribute read from the source: the first value found wins."""

    where: list[Condition] = Field(default_factory=list)
    transforms: list[Transform] = Field(default_factory=list)
    fallback: DeviceRule | None = Field(
        None, description="read when this finds nothing (the key another OS release uses)")


DeviceAttr = Annotated[Scalar | DeviceRule, Field(union_mode="left_to_right")]


# --- matching -------------------------------------------------------------------------------

class SnmpMatch(Strict):
    sys_object_id: str | None = Field(None, description="OID, optionally ending in .* (prefix) or with * components")
    sys_descr: str | None = Field(None, description="regex searched in sysDescr")
    sys_descr_not: str | None = Field(None, description="regex that must NOT be found in sysDescr")
    present: str | None = Field(None, description=(
        "OID the device must serve (the object, or rows under it): for agents whose system group "
        "says nothing; probed once per device, ranks below any sysObjectID/sysDescr match"))

    @field_validator("present")
    @classmethod
    def _present(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = v.strip().lstrip(".").split(".")
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{v!r} is not a numeric OID")
        if len(parts) < 8 or parts[:6] != ["1", "3", "6", "1", "4", "1"]:
            # every agent serves the standard MIBs: only an object inside one enterprise identifies
            raise ValueError(f"{v!r} is not an object inside one enterprise (1.3.6.1.4.1.<enterprise>.<n>...)")
        return ".".join(parts)

    @model_validator(mode="after")
    def _check(self) -> SnmpMatch:
        if self.sys_object_id is None and self.sys_descr is None and self.present is None:
            raise ValueError("an SNMP match needs sys_object_id, sys_descr and/or present")
        if self.sys_object_id is not None:
            parts = self.sys_object_id.lstrip(".").split(".")
            if not all(p == "*" or p.isdigit() for p in parts):
                raise ValueError(f"bad sysObjectID pattern {self.sys_object_id!r}")
        for r in (self.sys_descr, self.sys_descr_not):
            if r is not None:
                try:
                    re.compile(r)
                except re.error as exc:
                    raise ValueError(f"bad regex {r!r}: {exc}") from None
        return self


# "name", or "name" + a version constraint: "name@1.2" (that version), "name>=2.4.0", "name<3"
_MODEL_SPEC = re.compile(r"^([^\s<>=@]+)(?:\s*(>=|<=|==|>|<|@)\s*([^\s<>=@]+))?$")


def parse_model_spec(spec: str) -> tuple[str, str | None, str | None]:
    """(model name, operator or None, version or None) of a `match.gnmi.models` entry."""
    m = _MODEL_SPEC.match(spec.strip())
    if m is None:
        raise ValueError(f"{spec!r} is not a model name or `name<op>version` (ops: @ == >= <= > <)")
    return m.group(1), m.group(2), m.group(3)


class GnmiMatch(Strict):
    models: list[str] = Field(default_factory=list, description=(
        "models a target must support (any of), as in its Capabilities; each may carry a version "
        "constraint: `name@1.2` (that version), `name>=2.4.0`, `name<3` (dotted numbers compared "
        "numerically)"))
    organization: str | None = None

    @field_validator("models")
    @classmethod
    def _specs(cls, v: list[str]) -> list[str]:
        for spec in v:
            parse_model_spec(spec)
        return v


class NetconfMatch(Strict):
    capabilities: list[str] = Field(default_factory=list, description="capability URIs or substrings (any of)")


class Match(Strict):
    snmp: list[SnmpMatch] = Field(default_factory=list)
    platform: list[str] = Field(default_factory=list, description="netmiko device_type names")
    gnmi: GnmiMatch | None = None
    netconf: NetconfMatch | None = None
    generic: bool = Field(False, description="used for any device no vendor rulebook matches")


class ExtensionMetric(Strict):
    """A vendor metric outside the unified schema (``vendor.<vendor>.<name>``): the rulebook says
    what the schema would, so it is linted, exported and shown in coverage like a schema metric."""

    instrument: Literal["counter", "updowncounter", "gauge"]
    unit: str = Field(description="UCUM unit, e.g. 1, By, s, Cel, {session}")
    description: str = Field(min_length=1)
    attributes: list[str] = Field(default_factory=list, description="the attributes its points may carry")


class Rulebook(Strict):
    id: str = Field(description="unique id, conventionally <vendor>/<family>")
    version: str = Field(description="semantic version of this rulebook")
    schema_: str = Field("unified/v1", alias="schema", description="unified schema version targeted")
    description: str | None = None
    abstract: bool = Field(False, description="a mixin: only used through `extends`")
    extends: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list, description="names of inherited rules to drop")
    match: Match = Field(default_factory=Match)
    device: dict[str, DeviceAttr] = Field(default_factory=dict)
    defaults: dict[Literal["snmp", "gnmi", "xpath", "json", "cli"], dict[str, AttrRef]] = Field(
        default_factory=dict,
        description="per source kind, attributes given to every rule whose metric requires them and "
                    "that does not set them itself (e.g. how this vendor names interfaces); "
                    "children override per attribute")
    rules: list[Rule] = Field(default_factory=list)
    extensions: dict[str, ExtensionMetric] = Field(
        default_factory=dict, description="vendor metrics outside the unified schema, named vendor.<vendor>.<name>")

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str) -> str:
        if not SEMVER.match(v):
            raise ValueError(f"version {v!r} is not semantic (MAJOR.MINOR.PATCH)")
        return v

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_./-]*", v):
            raise ValueError("ids are lower-case: letters, digits, _ . / -")
        return v
