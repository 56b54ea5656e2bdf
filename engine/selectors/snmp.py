"""SNMP selector: a MIB symbol (``IF-MIB::ifHCInOctets``, ``ifHCInOctets``) or numeric OID."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any, ClassVar

from pydantic import Field, field_validator

from netrosetta.engine.varbind import TAG_NO_SUCH_OBJECT, VarBind
from netrosetta.errors import NetrosettaError

from .base import BindContext, ColumnRef, Index, Selector, SelectorError


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

    @field_validator("value", "fallback")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("empty OID/symbol")
        return v

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return resolve_oid(self.value, ctx)

    def fallback_ref(self, ctx: BindContext) -> ColumnRef | None:
        return resolve_oid(self.fallback, ctx) if self.fallback else None

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return resolve_oid(name, ctx)

    def key_position(self, name: str, ctx: BindContext) -> int:
        if is_numeric_oid(self.value):
            raise SelectorError(f"index names need a MIB symbol, not the numeric OID {self.value}")
        sym = ctx.mib_index().resolve(self.value)
        names = [n.split("::")[-1] for n in (sym.indexes or [])]
        if name.split("::")[-1] not in names:
            raise SelectorError(f"{self.value} is indexed by {', '.join(names) or 'nothing'}, not {name}")
        return names.index(name.split("::")[-1])

    def describe(self) -> str:
        return self.value + (f" (fallback {self.fallback})" if self.fallback else "")

    def counter_width(self, ref: ColumnRef, ctx: BindContext) -> int | None:
        """From the compiled MIB index: the column's SMI syntax (a numeric OID too, when known)."""
        try:
            hit = ctx.mib_index().lookup_oid(str(ref))
        except NetrosettaError:
            return None
        if hit is None or hit[1]:
            return None
        return _WIDTHS.get(hit[0].syntax or "")


_WIDTHS = {"Counter32": 32, "Counter64": 64}


_OID, _TAG = itemgetter(0), itemgetter(1)


class SnmpDataset:
    """A walk (or poll result) indexed for column access: column OID -> {index suffix: value}."""

    kind = "snmp"
    # columns are plain dicts in OID order and index_parts/index_for are pure: equal columns in two
    # polls mean equal rows, so the translator may reuse its row plans between polls
    stable_columns: ClassVar[bool] = True

    def __init__(self, varbinds: Iterable[VarBind]) -> None:
        rows = list(varbinds)
        if rows and max(map(_TAG, rows)) >= TAG_NO_SUCH_OBJECT:     # exceptions are rare: check in C first
            rows = [vb for vb in rows if vb[1] < TAG_NO_SUCH_OBJECT]
        rows.sort(key=_OID)
        # transposed in C; tuples bisect like lists
        cols = tuple(zip(*rows, strict=True)) if rows else ((), (), ())
        self._oids: tuple[str, ...] = cols[0]
        self._tags: tuple[int, ...] = cols[1]
        self._values: tuple[Any, ...] = cols[2]
        self._columns: dict[ColumnRef, dict[Index, Any]] = {}
        self.used: set[str] = set()

    def __len__(self) -> int:
        return len(self._oids)

    def _span(self, ref: ColumnRef) -> tuple[int, int]:
        # every OID under "<col>." sorts between "<col>." and "<col>/" ('/' follows '.')
        return bisect_left(self._oids, f"{ref}."), bisect_left(self._oids, f"{ref}/")

    def column(self, ref: ColumnRef) -> Mapping[Index, Any]:
        col = self._columns.get(ref)
        if col is None:
            lo, hi = self._span(ref)
            suffix = itemgetter(slice(len(str(ref)) + 1, None))     # the index: o[cut:], in C
            col = dict(zip(map(suffix, self._oids[lo:hi]), self._values[lo:hi], strict=True))
            self._columns[ref] = col
            if col:
                self.used.add(str(ref))
        return col

    def tag(self, ref: ColumnRef, index: Index) -> int | None:
        oid = f"{ref}.{index}"
        i = bisect_left(self._oids, oid)
        return self._tags[i] if i < len(self._oids) and self._oids[i] == oid else None

    def index_parts(self, index: Index) -> tuple[Any, ...]:
        return tuple(str(index).split("."))

    def index_for(self, value: Any) -> Index:
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        return str(value).strip().lstrip(".")

    def scalar(self, oid: str) -> Any:
        return self.column(oid).get("0")

    def oids(self) -> tuple[str, ...]:
        return self._oids
