"""gNMI selector: a path with key wildcards, e.g. /interfaces/interface[name=*]/state/counters/in-octets."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import BindContext, ColumnRef, Selector


class GnmiSelector(Selector):
    kind: ClassVar[str] = "gnmi"

    path: str = Field(description="leaf path; keys as [name=*] or [name=value]; origin as 'origin:/path'")
    fallback: str | None = None

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return self.path

    def fallback_ref(self, ctx: BindContext) -> ColumnRef | None:
        return self.fallback

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return name

    def describe(self) -> str:
        return self.path
