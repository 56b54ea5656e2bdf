"""The SNMP Dataset: a walk or poll result as columns for the engine (engine/selectors/base.py).

Column references are the dotted OIDs the SNMP selector (engine/selectors/snmp.py) resolves MIB
symbols to; the row index is the instance suffix after the column OID (``"3"``, ``"1.22"``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any, ClassVar

from netrosetta.engine.selectors.base import BareScalar, ColumnRef, Index

from .varbind import TAG_NO_SUCH_OBJECT, VarBind

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
        if col is None and isinstance(ref, BareScalar):
            col = self._bare(ref)
        if col is None:
            lo, hi = self._span(ref)
            suffix = itemgetter(slice(len(str(ref)) + 1, None))     # the index: o[cut:], in C
            col = dict(zip(map(suffix, self._oids[lo:hi]), self._values[lo:hi], strict=True))
            self._columns[ref] = col
            if col:
                self.used.add(str(ref))
        return col

    def _bare(self, ref: BareScalar) -> dict[Index, Any]:
        # the .0 instance when the agent serves it, else the bare OID (FireBrick's memory scalars)
        col = dict(self.column(ref.oid))
        if "0" not in col:
            i = bisect_left(self._oids, ref.oid)
            if i < len(self._oids) and self._oids[i] == ref.oid:
                col = {"0": self._values[i]}
                self.used.add(ref.oid)
        self._columns[ref] = col
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
