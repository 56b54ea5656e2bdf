"""One translation's state: the dataset being translated and caches that live exactly that long."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .selectors.base import ColumnRef, Dataset, Index
from .transforms import to_text


class Run:
    """Per-poll state shared by every rule of one translation.

    ``attr_values`` holds resolved attributes and filter results per row, under the key of what
    was computed (compile.Keys), so rules asking for the same thing share it (ifName is read once
    per interface, not once per counter); ``tuples`` holds rows' attribute tuples the same way.
    """

    __slots__ = ("attr_values", "dataset", "grouped", "reverse", "timestamps", "tuples")

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.timestamps = hasattr(dataset, "timestamp")     # the source keeps device timestamps
        self.attr_values: dict[Hashable, dict[Index, Any]] = {}
        self.tuples: dict[Hashable, dict[Index, Any]] = {}
        self.reverse: dict[ColumnRef, dict[str, Index]] = {}
        self.grouped: dict[ColumnRef, dict[str, list[Index]]] = {}

    def groups(self, ref: ColumnRef) -> dict[str, list[Index]]:
        """Row indexes of a column grouped by the column's text value (for prefiltered rules)."""
        g = self.grouped.get(ref)
        if g is None:
            g = {}
            for idx, v in self.dataset.column(ref).items():
                g.setdefault(to_text(v), []).append(idx)
            self.grouped[ref] = g
        return g

    def reverse_index(self, ref: ColumnRef) -> dict[str, Index]:
        """The first row of a column holding each text value (lookups with ``match:``)."""
        rev = self.reverse.get(ref)
        if rev is None:
            rev = {}
            for idx, v in self.dataset.column(ref).items():
                rev.setdefault(to_text(v), idx)
            self.reverse[ref] = rev
        return rev
