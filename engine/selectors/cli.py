"""CLI selector: a field of the rows a template parsed out of a command's output."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import BindContext, ColumnRef, Selector


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

    def describe(self) -> str:
        return f"{self.command} -> {self.value}"
