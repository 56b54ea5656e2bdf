"""CLI selector: a field of the rows a template parsed out of a command's output.

``template`` None uses ntc-templates for the device's platform; otherwise a TTP template path
under mappings/ (e.g. ``templates/cisco_ios/show_interfaces.ttp``). Rows are indexed by the
``key`` field (e.g. ``interface``), or by position.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from pydantic import Field

from .base import BindContext, ColumnRef, Index, Selector, SelectorError, distinct_key
from .xpath import number_or_text

log = logging.getLogger(__name__)


class CliSelector(Selector):
    kind: ClassVar[str] = "cli"

    command: str = Field(description="CLI command, e.g. 'show interfaces'")
    template: str | None = Field(None, description="TTP template path under mappings/, or ntc:<name>; default ntc-templates")
    value: str = Field(description="parsed field holding the value")
    key: str | None = Field(None, description="parsed field naming the row (e.g. interface)")

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return (self.command, self.template, self.key, self.value)

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return (self.command, self.template, self.key, name)

    def key_position(self, name: str, ctx: BindContext) -> int:
        if self.key is not None and name in (self.key, "key"):
            return 0
        raise SelectorError(f"cli rows of {self.command!r} are keyed by {self.key or 'position'}, not {name!r}")

    def describe(self) -> str:
        return f"{self.command} -> {self.value}"


class CliDataset:
    """Parsed rows per (command, template) answering field column references.

    ``parsed`` maps command -> {template: rows}; parsing (and its failures) happened before, in
    the collector or when a recording was read, so no raw text ever reaches a metric.
    """

    kind = "cli"

    def __init__(self, parsed: Mapping[str, Mapping[str | None, list[dict[str, Any]]]]) -> None:
        self.parsed = {cmd: dict(by_t) for cmd, by_t in parsed.items()}
        self._rows: dict[tuple[Any, ...], list[tuple[Index, dict[str, Any]]]] = {}
        self._columns: dict[ColumnRef, dict[Index, Any]] = {}
        self.used: set[str] = set()

    def rows(self, command: str, template: str | None, key: str | None) -> list[tuple[Index, dict[str, Any]]]:
        ck = (command, template, key)
        found = self._rows.get(ck)
        if found is None:
            found = []
            rows = self.parsed.get(command, {}).get(template)
            if rows:
                self.used.add(command)
                seen: dict[str, int] = {}
                for pos, row in enumerate(rows):
                    if key is None:
                        found.append((str(pos), row))
                        continue
                    k = str(row.get(key) or "").strip()
                    if not k:
                        continue
                    found.append((distinct_key(seen, k), row))
            self._rows[ck] = found
        return found

    def column(self, ref: ColumnRef) -> Mapping[Index, Any]:
        col = self._columns.get(ref)
        if col is None:
            command, template, key, name = cast(tuple[Any, ...], ref)
            col = {}
            for idx, row in self.rows(command, template, key):
                v = row.get(name)
                if isinstance(v, list):          # TextFSM List values: first item
                    v = v[0] if v else None
                if isinstance(v, str):
                    v = number_or_text(v.strip())
                if v is not None and v != "":
                    col[idx] = v
            self._columns[ref] = col
        return col

    @property
    def unused_report(self) -> list[tuple[str, str, int]]:
        """For `explain`: documents no rule read, with their size (elements / keys / rows)."""
        docs = getattr(self, "documents", None) or getattr(self, "parsed", {})
        return [(name, "-", sum(len(rows or []) for rows in doc.values())) for name, doc in docs.items() if name not in self.used]

    def index_parts(self, index: Index) -> tuple[Any, ...]:
        return (index,)

    def index_for(self, value: Any) -> Index:
        return str(value).strip()
