"""Device API selector: rows picked by a JSON path in a command's JSON reply.

Paths are dotted keys. In ``rows``, ``*`` walks every value of an object (index part: the key) or
every item of a list (index part: the position); ``name[]`` walks a list that some APIs collapse
to a bare object when it has one item (NX-API ``ROW_*``). The row index is the tuple of those
parts (a single part stands alone), or, with ``key``, the value at ``key`` in the row.
``value``/``field`` paths are relative to the row; ``~`` is the row's own key (last index part).
A key containing dots is written in quotes: ``"a.b".c``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, cast

from pydantic import Field, field_validator

from ..file_stem import file_stem
from ..textparse import ParseError, parse
from .base import BindContext, ColumnRef, Index, Selector, SelectorError
from .xpath import number_or_text

_PART = re.compile(r'"([^"]*)"|([^.]+)')


def split_path(path: str) -> tuple[str, ...]:
    if not path.strip():
        raise ValueError("empty JSON path")
    parts = []
    pos = 0
    while pos < len(path):
        m = _PART.match(path, pos)
        if not m:
            raise ValueError(f"bad JSON path {path!r}")
        parts.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
        if pos < len(path):
            if path[pos] != ".":
                raise ValueError(f"bad JSON path {path!r}")
            pos += 1
    return tuple(parts)


class JsonSelector(Selector):
    kind: ClassVar[str] = "json"

    command: str = Field(description="command or RESTCONF resource whose JSON reply holds the rows")
    rows: str = Field(description="path to the rows (dict values or list items), e.g. interfaces.*")
    value: str = Field(description="path of the value, relative to the row")
    key: str | None = Field(None, description="path of the row key relative to the row; default the dict key")
    template: str | None = Field(None, description="TTP template under mappings/ turning a text reply "
                                                   "(eAPI format=text) into a list of rows")

    @field_validator("rows", "value", "key")
    @classmethod
    def _path(cls, v: str | None) -> str | None:
        if v is not None and v != "~":
            split_path(v)
        return v

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return (self.command, self.rows, self.key, self.value, self.template)

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        return (self.command, self.rows, self.key, name, self.template)

    def key_position(self, name: str, ctx: BindContext) -> int:
        if self.key is not None and name in (self.key, "key"):
            return 0
        raise SelectorError(f"json rows of {self.rows!r} have no named key {name!r}; use index: N")

    def describe(self) -> str:
        return f"{self.command}: {self.rows}.{self.value}"


def _walk(node: Any, parts: tuple[str, ...], idx: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if not parts:
        yield idx, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, dict):
            for k, v in node.items():
                yield from _walk(v, rest, (*idx, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from _walk(v, rest, (*idx, str(i)))
        return
    as_list = head.endswith("[]")
    name = head[:-2] if as_list else head
    if name:
        if not isinstance(node, dict) or name not in node:
            return
        node = node[name]
    if as_list:
        items = node if isinstance(node, list) else [node]
        for i, v in enumerate(items):
            yield from _walk(v, rest, (*idx, str(i)))
    else:
        yield from _walk(node, rest, idx)


def get_path(node: Any, parts: tuple[str, ...]) -> Any:
    for p in parts:
        if isinstance(node, dict):
            if p not in node:
                return None
            node = node[p]
        elif isinstance(node, list) and p.isdigit() and int(p) < len(node):
            node = node[int(p)]
        else:
            return None
    return node


def _plain(v: Any) -> Any:
    if isinstance(v, dict | list):
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        return number_or_text(v.strip())
    return v


class JsonDataset:
    """Decoded JSON per command answering JSON-path column references."""

    kind = "json"

    def __init__(self, documents: Mapping[str, Any]) -> None:
        # commands match by NAPALM file stem, so `show interface | json` finds show_interface___json
        self.documents = {file_stem(k): v for k, v in documents.items()}
        self._rows: dict[tuple[Any, ...], list[tuple[Index, Any]]] = {}
        self._columns: dict[ColumnRef, dict[Index, Any]] = {}
        self._parsed: dict[tuple[str, str], Any] = {}
        self.errors: dict[str, str] = {}      # text replies a template could not parse
        self.used: set[str] = set()

    def _doc(self, command: str, template: str | None) -> Any:
        doc = self.documents.get(file_stem(command))
        if not isinstance(doc, str):
            return doc
        if template is None:           # a text reply only becomes rows through a template
            return None
        ck = (command, template)
        if ck not in self._parsed:
            try:
                self._parsed[ck] = parse("", command, doc, template)
            except ParseError as exc:
                self.errors[command] = str(exc)
                self._parsed[ck] = None
        return self._parsed[ck]

    def rows(self, command: str, rows: str, key: str | None, template: str | None = None
             ) -> list[tuple[Index, Any]]:
        ck = (command, rows, key, template)
        found = self._rows.get(ck)
        if found is None:
            found = []
            doc = self._doc(command, template)
            if doc is not None:
                self.used.add(file_stem(command))
                key_parts = split_path(key) if key and key != "~" else None
                for parts, row in _walk(doc, split_path(rows), ()):
                    if key_parts is not None:
                        k = get_path(row, key_parts)
                        if k is None or isinstance(k, dict | list) or k == "":
                            continue
                        found.append((str(k), row))
                    else:
                        found.append((parts[0] if len(parts) == 1 else parts, row))
            self._rows[ck] = found
        return found

    def column(self, ref: ColumnRef) -> Mapping[Index, Any]:
        col = self._columns.get(ref)
        if col is None:
            command, rows, key, path, template = cast(tuple[Any, ...], ref)
            col = {}
            if path == "~":
                col = {idx: self.index_parts(idx)[-1] for idx, _row in self.rows(command, rows, key, template)}
            else:
                parts = split_path(path)
                for idx, row in self.rows(command, rows, key, template):
                    v = _plain(get_path(row, parts))
                    if v is not None and v != "":
                        col[idx] = v
            self._columns[ref] = col
        return col

    @property
    def unused_report(self) -> list[tuple[str, str, int]]:
        """For `explain`: documents no rule read, with their size (elements / keys / rows)."""
        docs = getattr(self, "documents", None) or getattr(self, "parsed", {})
        return [(name, "-", len(doc) if isinstance(doc, dict | list | str) else 1) for name, doc in docs.items() if name not in self.used]

    def index_parts(self, index: Index) -> tuple[Any, ...]:
        return index if isinstance(index, tuple) else (index,)

    def index_for(self, value: Any) -> Index:
        return str(value).strip()
