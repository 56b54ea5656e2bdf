"""NETCONF selector: rows picked by an XPath in an RPC reply, value and fields relative to each row.

``rpc`` names the reply (the vendor RPC, e.g. ``get-interface-information``, or NAPALM's file stem
for a filtered get, e.g. ``pfi-im-cmd-oper_interfaces``). ``rows`` selects one element per row;
``value`` and every ``field:`` are XPath 1.0 expressions relative to the row, so arithmetic and
functions work (``number(a) - number(b)``). ``key`` names the row (e.g. ``name``); the row index is
that key's text, and ``key: <the same expression>`` attributes read it without a second lookup.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from lxml import etree
from pydantic import Field, field_validator

from .base import BindContext, ColumnRef, Index, Selector, SelectorError, distinct_key

log = logging.getLogger(__name__)


_NUM = re.compile(r"-?\d+(\.\d+)?")


def number_or_text(s: str) -> Any:
    """Device text that is a plain decimal number becomes a number (counters arrive as text)."""
    if _NUM.fullmatch(s):
        return float(s) if "." in s else int(s)
    return s


class XpathSelector(Selector):
    kind: ClassVar[str] = "xpath"

    rpc: str = Field(description="RPC (or get filter name) whose reply holds the rows")
    rows: str = Field(description="XPath selecting one element per row")
    value: str = Field(description="XPath of the value, relative to the row")
    key: str | None = Field(None, description="XPath of the row key, relative to the row")
    namespaces: dict[str, str] = Field(default_factory=dict)

    @field_validator("rows", "value", "key")
    @classmethod
    def _xpath(cls, v: str | None) -> str | None:
        if v is not None:
            if not v.strip():
                raise ValueError("empty XPath")
            # prefixes are checked when bound; here only the syntax
            try:
                etree.XPath(v)
            except etree.XPathSyntaxError as exc:
                raise ValueError(f"bad XPath {v!r}: {exc}") from None
            except etree.XPathEvalError:
                pass
        return v

    def _ns(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.namespaces.items()))

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return (self.rpc, self.rows, self.key, self.value, self._ns())

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return (self.rpc, self.rows, self.key, name, self._ns())

    def key_position(self, name: str, ctx: BindContext) -> int:
        if self.key is not None and name in (self.key, "key"):
            return 0
        raise SelectorError(f"xpath rows of {self.rows!r} are keyed by {self.key or 'position'}, not {name!r}")

    def describe(self) -> str:
        return f"{self.rpc}: {self.rows}/{self.value}"


def _scalar(result: Any) -> Any:
    """An XPath result as a raw value: element/attribute text, string, or number."""
    if isinstance(result, list):
        if not result:
            return None
        result = result[0]
    if isinstance(result, etree._Element):
        text = (result.text or "").strip()
        return number_or_text(text) if text or len(result) == 0 else None
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, float):
        if math.isnan(result) or math.isinf(result):
            return None
        return int(result) if result.is_integer() else result
    if isinstance(result, str):
        return number_or_text(result.strip())
    return result


@functools.lru_cache(maxsize=4096)
def _compiled(expr: str, ns: tuple[tuple[str, str], ...]) -> etree.XPath:
    # compiled once per process: datasets are made per poll, expressions come from rulebooks
    try:
        return etree.XPath(expr, namespaces=dict(ns))
    except etree.XPathError as exc:
        raise SelectorError(f"bad XPath {expr!r}: {exc}") from None


class XpathDataset:
    """Parsed XML per RPC (name -> root element) answering XPath column references."""

    kind = "xpath"

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.documents = dict(documents)
        self._rows: dict[tuple[Any, ...], list[tuple[Index, Any]]] = {}
        self._columns: dict[ColumnRef, dict[Index, Any]] = {}
        self.used: set[str] = set()

    def _xp(self, expr: str, ns: tuple[tuple[str, str], ...]) -> etree.XPath:
        return _compiled(expr, ns)

    def rows(self, rpc: str, rows: str, key: str | None, ns: tuple[tuple[str, str], ...]
             ) -> list[tuple[Index, Any]]:
        cache_key = (rpc, rows, key, ns)
        found = self._rows.get(cache_key)
        if found is not None:
            return found
        doc = self.documents.get(rpc)
        found = []
        if doc is not None:
            self.used.add(rpc)
            try:
                elements = self._xp(rows, ns)(doc)
            except etree.XPathEvalError as exc:
                raise SelectorError(f"{rpc}: XPath {rows!r}: {exc}") from None
            seen: dict[Any, int] = {}
            for pos, el in enumerate(elements if isinstance(elements, list) else []):
                if not isinstance(el, etree._Element):
                    continue
                k = None if key is None else _scalar(self._xp(key, ns)(el))
                idx: Any = str(pos) if key is None else (None if k is None else str(k))
                if idx is None:
                    continue
                found.append((distinct_key(seen, idx), el))
        self._rows[cache_key] = found
        return found

    def column(self, ref: ColumnRef) -> Mapping[Index, Any]:
        col = self._columns.get(ref)
        if col is None:
            rpc, rows, key, expr, ns = cast(tuple[Any, ...], ref)
            col = {}
            if key is not None and expr == key:
                col = {idx: idx for idx, _el in self.rows(rpc, rows, key, ns)}
            else:
                fn = self._xp(expr, ns)
                for idx, el in self.rows(rpc, rows, key, ns):
                    try:
                        v = _scalar(fn(el))
                    except etree.XPathEvalError as exc:
                        raise SelectorError(f"{rpc}: XPath {expr!r}: {exc}") from None
                    if v is not None and v != "":
                        col[idx] = v
            self._columns[ref] = col
        return col

    @property
    def unused_report(self) -> list[tuple[str, str, int]]:
        """For `explain`: documents no rule read, with their size (elements / keys / rows)."""
        docs = getattr(self, "documents", None) or getattr(self, "parsed", {})
        return [(name, "-", sum(1 for _ in doc.iter())) for name, doc in docs.items() if name not in self.used]

    def index_parts(self, index: Index) -> tuple[Any, ...]:
        return (index,)

    def index_for(self, value: Any) -> Index:
        return str(value).strip()
