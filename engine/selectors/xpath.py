"""NETCONF selector: rows picked by an XPath in an RPC reply, value and fields relative to each row."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import BindContext, ColumnRef, Selector


class XpathSelector(Selector):
    kind: ClassVar[str] = "xpath"

    rpc: str = Field(description="RPC (or get filter name) whose reply holds the rows")
    rows: str = Field(description="XPath selecting one element per row")
    value: str = Field(description="XPath of the value, relative to the row")
    key: str | None = Field(None, description="XPath of the row key, relative to the row")
    namespaces: dict[str, str] = Field(default_factory=dict)

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return (self.rpc, self.rows, self.key, self.value)

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return (self.rpc, self.rows, self.key, name)

    def describe(self) -> str:
        return f"{self.rpc}: {self.rows}/{self.value}"
