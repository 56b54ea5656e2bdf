"""What every selector kind and every source dataset provide to the engine.

The engine sees each source as *columns*: a column is a mapping from a row index to a raw value.
An SNMP column is a MIB column (index = the OID suffix, e.g. ``"3"`` or ``"1.22"``); a gNMI column
is a leaf path with key wildcards (index = tuple of key values); an XPath/JSON/CLI column is a
field of the rows a selector picks (index = the row key the selector names). Attributes, joins,
filters and transforms are written once against this view, so a new source kind only has to
provide a Selector (turns names in YAML into column references) and a Dataset (answers them).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from netrosetta.errors import NetrosettaError

Index = Hashable
ColumnRef = Hashable


@dataclass(frozen=True)
class BareScalar:
    """An SNMP scalar some agents serve without its ``.0`` instance (``snmp: {instance: none}``):
    the dataset answers it from ``<oid>.0`` when served, else from the bare ``<oid>``, as row "0".
    A walk of the OID itself never returns the bare OID (GETNEXT moves past it), so the collector
    walks the parent."""

    oid: str

    def __str__(self) -> str:
        return self.oid

    @property
    def walk_root(self) -> str:
        return self.oid.rsplit(".", 1)[0]


class SelectorError(NetrosettaError):
    """A name in a selector or attribute that cannot be resolved (unknown symbol, bad path)."""


@dataclass
class BindContext:
    """Resolvers a selector may need at compile time (loaded lazily by whoever needs them)."""

    mibs: Any = None           # netrosetta.engine.mib_index.MibIndex
    yang: Any = None           # compiled YANG catalog
    extra: dict[str, Any] = field(default_factory=dict)

    def mib_index(self) -> Any:
        if self.mibs is None:
            from netrosetta.engine.mib_index import MibIndex
            self.mibs = MibIndex.default()
        return self.mibs


class Selector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: ClassVar[str] = ""

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        """Column of the rule's value."""
        raise NotImplementedError

    def fallback_ref(self, ctx: BindContext) -> ColumnRef | None:
        """Column used for rows where the value column has nothing (e.g. 32-bit counter)."""
        return None

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        """Column for an attribute's ``field:`` / a lookup's ``field:``, relative to this selector."""
        raise NotImplementedError

    def key_position(self, name: str, ctx: BindContext) -> int:
        """Position in the row index of the key called ``name`` (for ``key:`` attributes)."""
        raise SelectorError(f"{self.kind} rows have no named key {name!r}")

    def describe(self) -> str:
        """Short text for explain output."""
        return repr(self)

    def counter_width(self, ref: ColumnRef, ctx: BindContext) -> int | None:
        """32 or 64 when the source's schema says the column is a Counter32/Counter64 (MIB syntax,
        YANG type), else None (unknown: NETCONF, APIs, CLI). Only a known 32-bit counter that
        goes down is taken for a wrap; any other decrease is a reset."""
        return None

    def enum_names(self, ref: ColumnRef, ctx: BindContext) -> Mapping[int, str] | None:
        """The names the source's schema gives the column's numbers (an SNMP INTEGER's
        enumeration), for ``format: enum``; None when the source has none."""
        return None


@runtime_checkable
class Dataset(Protocol):
    """One device's data from one source, as columns."""

    kind: str

    def column(self, ref: ColumnRef) -> Mapping[Index, Any]:
        """All rows of a column; an empty mapping when the source has none."""
        ...

    def index_parts(self, index: Index) -> tuple[Any, ...]:
        """The components of a row index (``key:``/``index:`` attributes)."""
        ...

    def index_for(self, value: Any) -> Index:
        """Turn a value read elsewhere into this source's index form (for lookups)."""
        ...


def timestamp_of(dataset: Dataset, ref: ColumnRef, index: Index) -> int | None:
    """Device timestamp (ns) of a value when the source keeps them (gNMI), else None."""
    fn = getattr(dataset, "timestamp", None)
    return fn(ref, index) if fn else None


def distinct_key(seen: dict[str, int], key: str) -> str:
    """A row key seen before in the same document (e.g. a stacked-switch capture listing a name
    twice) keeps both rows, told apart as ``key#1``, ``key#2``..."""
    if key in seen:
        seen[key] += 1
        return f"{key}#{seen[key]}"
    seen[key] = 0
    return key
