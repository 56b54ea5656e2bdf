"""SNMP selector: a MIB symbol (``IF-MIB::ifHCInOctets``, ``ifHCInOctets``) or numeric OID.

A column reference is the dotted OID of the column (or scalar) object; the dataset that answers
it (collectors/snmp/dataset.py) maps the instance suffix after it to the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from netrosetta.errors import NetrosettaError

from .base import BareScalar, BindContext, ColumnRef, Selector, SelectorError


def is_numeric_oid(text: str) -> bool:
    t = text.lstrip(".")
    return bool(t) and all(p.isdigit() for p in t.split("."))


def resolve_oid(name: str, ctx: BindContext) -> str:
    """Symbol or numeric OID -> dotted OID of the column/scalar object (no instance suffix)."""
    if is_numeric_oid(name):
        return name.lstrip(".")
    sym = ctx.mib_index().resolve(name)
    if sym.kind not in ("column", "scalar"):
        raise SelectorError(f"{name} is a {sym.kind}, not a column or scalar")
    return str(sym.oid)


class SnmpSelector(Selector):
    kind: ClassVar[str] = "snmp"

    value: str = Field(description="column or scalar: MIB symbol (MODULE::name or name) or numeric OID")
    fallback: str | None = Field(None, description="column used where `value` has no row (e.g. ifInOctets for ifHCInOctets)")
    instance: Literal["none"] | None = Field(None, description=(
        "`none`: `value` is a scalar the agent may serve without its .0 instance (read <oid>.0 "
        "where served, else the bare <oid>)"))

    @field_validator("value", "fallback")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("empty OID/symbol")
        return v

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        oid = resolve_oid(self.value, ctx)
        if self.instance is None:
            return oid
        if not is_numeric_oid(self.value) and ctx.mib_index().resolve(self.value).kind != "scalar":
            raise SelectorError(f"instance: none is for scalars; {self.value} is a table column")
        if oid.count(".") < 2:
            raise SelectorError(f"instance: none needs an OID below a parent to walk, not {oid}")
        return BareScalar(oid)

    def fallback_ref(self, ctx: BindContext) -> ColumnRef | None:
        return resolve_oid(self.fallback, ctx) if self.fallback else None

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        # a scalar's row is "0", so its fields are scalars too: read them the same way (a table
        # column named here still reads its rows - a bare OID is only ever a scalar's)
        oid = resolve_oid(name, ctx)
        return BareScalar(oid) if self.instance and oid.count(".") >= 2 else oid

    def key_position(self, name: str, ctx: BindContext) -> int:
        if is_numeric_oid(self.value):
            raise SelectorError(f"index names need a MIB symbol, not the numeric OID {self.value}")
        sym = ctx.mib_index().resolve(self.value)
        names = [n.split("::")[-1] for n in (sym.indexes or [])]
        if name.split("::")[-1] not in names:
            raise SelectorError(f"{self.value} is indexed by {', '.join(names) or 'nothing'}, not {name}")
        return names.index(name.split("::")[-1])

    def describe(self) -> str:
        return self.value + (" (instance .0 or none)" if self.instance else "") + \
            (f" (fallback {self.fallback})" if self.fallback else "")

    def counter_width(self, ref: ColumnRef, ctx: BindContext) -> int | None:
        """From the compiled MIB index: the column's SMI syntax (a numeric OID too, when known)."""
        sym = _column_symbol(ref, ctx)
        return None if sym is None else _WIDTHS.get(sym.syntax or "")

    def enum_names(self, ref: ColumnRef, ctx: BindContext) -> Mapping[int, str] | None:
        """The column's INTEGER enumeration from the MIB index (IANAifType for ifType)."""
        sym = _column_symbol(ref, ctx)
        return (sym.enums or None) if sym is not None else None


def _column_symbol(ref: ColumnRef, ctx: BindContext) -> Any:
    """The MIB column a column reference is exactly (not a row below it), or None."""
    try:
        hit = ctx.mib_index().lookup_oid(str(ref))
    except NetrosettaError:
        return None
    return None if hit is None or hit[1] else hit[0]


_WIDTHS = {"Counter32": 32, "Counter64": 64}
