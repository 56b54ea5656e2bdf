"""Device API selector: rows picked by a JSON path in a command's JSON reply."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import BindContext, ColumnRef, Selector


class JsonSelector(Selector):
    kind: ClassVar[str] = "json"

    command: str = Field(description="command or RESTCONF resource whose JSON reply holds the rows")
    rows: str = Field(description="path to the rows (dict values or list items), e.g. interfaces.*")
    value: str = Field(description="path of the value, relative to the row")
    key: str | None = Field(None, description="path of the row key relative to the row; default the dict key")

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return (self.command, self.rows, self.key, self.value)

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return (self.command, self.rows, self.key, name)

    def describe(self) -> str:
        return f"{self.command}: {self.rows}.{self.value}"
