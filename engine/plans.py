"""Row plans: the structural half of a rule's output, kept between polls of the same device.

Which rows of a table make points, and with which attribute tuples, depends on the `where` and
attribute columns (names, types, ENTITY rows, lookups), which rarely change between polls; the
values (counters, readings) change every poll. A plan is reused only while every column it was
derived from is equal (``==`` on dicts, C speed) to the poll that built it, so reuse can never
change the output. Memory is bounded: a row budget over all devices (a device that does not fit
is not kept) and devices not seen for two rounds of polls are dropped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .points import Attrs
from .selectors.base import ColumnRef, Dataset, Index


@dataclass(slots=True)
class RowPlan:
    """Rows a rule turns into points (in emission order) and why the others were dropped."""

    idxs: list[Index]
    attrs: list[Attrs]                      # full attribute tuple per row, parallel to idxs
    skipped: dict[str, int]                 # rows dropped before a value was read, by reason
    first: dict[str, int]                   # rows kept before each reason's first drop (-1: prefilter)
    from_fallback: bool = False             # some rows are read from the fallback column
    operands: list[tuple[Any, ...]] | None = None   # row-step operands per row (row chains)
    # state rules: per row, the points each state value makes (built on first use)
    state_points: list[dict[Any, tuple[Any, ...]]] | None = None
    # last poll's raw values and their transformed values, parallel to idxs (rules with transforms)
    last_raws: list[Any] | None = None
    last_vals: list[Any] | None = None
    # (last_vals, the points and skip counts they made): unchanged values make the same points
    emitted: tuple[list[Any], list[Any], dict[str, int]] | None = None
    # each row's attributes as a set, for dropping a series an earlier rule already made
    series_keys: list[frozenset[tuple[str, Any]]] | None = None
    # counter rules: the attribute tuples of the rows read from a 32-bit counter column
    counter32: frozenset[Attrs] | None = None

    def size(self) -> int:
        return len(self.idxs) * (1 if self.last_raws is None else 3) + (len(self.emitted[1]) if self.emitted else 0)


class ColumnCheck:
    """One poll's columns compared with the previous poll's, all at once (a few dict compares in C),
    so that each rule only asks whether its own columns are among the changed ones."""

    __slots__ = ("changed", "changed_rows", "cur")

    def __init__(self, ds: Dataset, prev: Mapping[ColumnRef, Mapping[Index, Any]],
                 whole: Iterable[ColumnRef], rows: Iterable[ColumnRef]) -> None:
        self.cur: dict[ColumnRef, Mapping[Index, Any]] = {}     # this poll's columns, for the next
        self.changed: set[ColumnRef] = set()                     # rows or values differ
        self.changed_rows: set[ColumnRef] = set()                # row indexes differ
        for ref in whole:
            cur = self.cur[ref] = ds.column(ref)
            p = prev.get(ref)
            if not (p is cur or (p is not None and p == cur)):
                self.changed.add(ref)
        for ref in rows:
            cur = self.cur[ref] = ds.column(ref)
            p = prev.get(ref)
            if not (p is cur or (p is not None and p.keys() == cur.keys())):
                self.changed_rows.add(ref)


@dataclass(slots=True)
class DeviceMemo:
    """One device's plans (by rule position), the columns they came from, and its Resource."""

    cols: Mapping[ColumnRef, Mapping[Index, Any]] = field(default_factory=dict)
    plans: dict[int, RowPlan] = field(default_factory=dict)
    resource: tuple[Any, dict[str, str]] | None = None    # (facts key, resource attributes)
    last: int = 0                                           # PlanMemo clock at last use
    rows: int = 0                                           # rows held (for the budget)

    def measure(self) -> int:
        self.rows = sum(len(c) for c in self.cols.values()) + sum(p.size() for p in self.plans.values())
        return self.rows


class PlanMemo:
    """Per-device memos of one Translator, least recently used first, bounded in rows held
    (~80 bytes a row: 500,000 rows is ~40 MB, e.g. ~25 devices of 500 interfaces).

    A memo is taken out while a translation uses it, so two translations never share one (a
    concurrent translation of the same device starts from an empty memo; the last one back wins).
    """

    def __init__(self, max_rows: int = 500_000, idle_rounds: int = 2) -> None:
        self.max_rows = max_rows
        self.idle_rounds = idle_rounds
        self.devices: OrderedDict[Hashable, DeviceMemo] = OrderedDict()
        self.rows = 0
        self.clock = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.devices)

    def checkout(self, key: Hashable) -> DeviceMemo:
        """The device's memo (a new one if unknown or in use), until checkin."""
        with self._lock:
            self.clock += 1
            m = self.devices.pop(key, None)
            if m is None:
                m = DeviceMemo()
            else:
                self.rows -= m.rows
            m.last = self.clock
            self._expire()
            return m

    def checkin(self, key: Hashable, m: DeviceMemo) -> None:
        """Put the memo back as the most recently used, unless it does not fit the row budget: with
        more devices than fit, polled in turn, a stable set of kept devices still hits where evicting
        the least recently used would always miss. Devices that stop being polled expire."""
        with self._lock:
            self._drop(key)
            size = m.measure()
            if self.rows + size <= self.max_rows:
                self.rows += size
                self.devices[key] = m

    def forget(self, key: Hashable) -> None:
        """Release a device's memo (e.g. the device was removed)."""
        with self._lock:
            self._drop(key)

    def _drop(self, key: Hashable) -> None:
        m = self.devices.pop(key, None)
        if m is not None:
            self.rows -= m.rows

    def _expire(self) -> None:
        # a device not translated while every other known device was, idle_rounds times over, is gone
        horizon = self.idle_rounds * len(self.devices) + 16
        while self.devices:
            key, old = next(iter(self.devices.items()))
            if self.clock - old.last <= horizon:
                break
            self._drop(key)
