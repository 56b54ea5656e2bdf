"""gNMI selector: a leaf path with key wildcards, e.g.
``/interfaces/interface[name=*]/state/counters/in-octets`` (``origin:/path`` for native origins).

Columns: a :class:`GnmiColumn` names a normalised leaf path (no module prefixes, no keys) plus the
keys that make up the row index, in path order. Keys not written in the selector come from the
YANG catalog (``/interfaces/interface`` is keyed by ``name``), so ``[name=*]`` may be omitted for
OpenConfig paths. Key values other than ``*`` filter rows (shell patterns: ``[name=Ethernet*]``).

Fields (``field:`` attributes, ``where``, row transforms) are paths too: absolute (``/a/b``) or
relative to the directory of the value leaf (``../description``, ``in-errors``); a field keyed by
a prefix of the value's keys (the parent interface of a subinterface) is aligned to the row.
``@name`` fields read the response's header extension (Juniper: ``@component``,
``@component_id``, ``@sub_component_id``).

Element wildcards for trees that put names in element names rather than keys (Arista
``/Smash/counters/ethIntf/*/current/counter/{intf}/statistics/inOctets``): ``*`` matches any one
element, ``{intf}`` matches any one element and makes it the row key ``intf``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

from pydantic import Field, field_validator

from netrosetta.errors import NetrosettaError

from ..pathgrammar import canonical_origin, parse_path, split_module
from .base import BindContext, ColumnRef, Selector, SelectorError


class GnmiColumn(NamedTuple):
    """A column reference (a tuple: hashed in C, it is looked up once per data point)."""

    origin: str | None                        # canonical origin, None = any
    path: str                                 # "/interfaces/interface/state/counters/in-octets"
    keys: tuple[tuple[str, str], ...]         # index components: (element, key) in path order
    filters: tuple[tuple[str, str, str], ...] = ()   # (element, key, pattern) rows must match
    numeric: bool = False                     # the rule's value: numeric strings become numbers
    align: int | None = None                  # field keyed by a prefix of the row index: its length
    ext: str | None = None                    # header-extension field instead of the leaf value


def _catalog(ctx: BindContext) -> Any:
    if ctx.yang is None:
        from netrosetta.yang_catalog import default_catalog
        ctx.yang = default_catalog() or False
    return ctx.yang or None


def _parse(text: str, ctx: BindContext, default_origin: str | None = None,
           ) -> tuple[str | None, str, tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]]:
    try:
        origin, elems = parse_path(text)
    except NetrosettaError as exc:
        raise SelectorError(str(exc)) from None
    if not elems:
        raise SelectorError(f"gNMI path {text!r} has no elements")
    first_mod = split_module(elems[0][0])[0]
    origin = origin or first_mod     # "" = none written: default_origin below
    catalog = _catalog(ctx)
    parts: list[str] = []
    keys: list[tuple[str, str]] = []
    filters: list[tuple[str, str, str]] = []
    for name, kv in elems:
        local = split_module(name)[1]
        parts.append(local)
        if local.startswith("{") and local.endswith("}") and len(local) > 2:
            keys.append((local, local[1:-1]))   # an element captured as a key (Arista Smash names)
            continue
        if local == "*":
            continue
        declared = list(kv)
        if not declared and catalog is not None:
            declared = list(catalog.list_keys("/" + "/".join(parts)) or ())
        for k in declared:
            keys.append((local, k))
            pattern = kv.get(k, "*")
            if pattern != "*":
                filters.append((local, k, pattern))
    o = canonical_origin(origin) if origin else default_origin
    return o, "/" + "/".join(parts), tuple(keys), tuple(filters)


def _resolve_relative(base_dir: str, rel: str) -> str:
    parts = [p for p in base_dir.split("/") if p]
    for seg in _split_segments(rel):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg not in ("", "."):
            parts.append(seg)
    return "/" + "/".join(parts)


def _split_segments(text: str) -> list[str]:
    """Split on '/' outside [key=value] brackets (values may hold '/')."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for c in text:
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        if c == "/" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


class GnmiSelector(Selector):
    kind: ClassVar[str] = "gnmi"

    path: str = Field(description="leaf path; keys as [name=*] or [name=pattern]; origin as 'origin:/path'")
    origin: str | None = Field(None, description="origin when not written in the path; default any")
    fallback: str | None = Field(None, description="leaf used for rows where `path` has no value")
    catalog: bool = Field(True, description="lint against the YANG catalog; false for a vendor leaf "
                                            "grafted onto an OpenConfig tree (Junos .../optics)")

    @field_validator("path", "fallback")
    @classmethod
    def _parses(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            parse_path(v)
        except NetrosettaError as exc:
            raise ValueError(str(exc)) from None
        return v

    def _origin(self) -> str | None:
        if self.origin is None:
            return None
        return canonical_origin(self.origin)

    def _column(self, text: str, ctx: BindContext, numeric: bool) -> GnmiColumn:
        origin, path, keys, filters = _parse(text, ctx, self._origin())
        return GnmiColumn(origin, path, keys, filters, numeric)

    def value_ref(self, ctx: BindContext) -> ColumnRef:
        return self._column(self.path, ctx, True)

    def fallback_ref(self, ctx: BindContext) -> ColumnRef | None:
        return self._column(self.fallback, ctx, True) if self.fallback else None

    def field_ref(self, name: str, ctx: BindContext) -> ColumnRef:
        value = self._column(self.path, ctx, True)
        if name.startswith("@"):
            return GnmiColumn(value.origin, value.path, value.keys, value.filters, False, None, name[1:])
        if ":" in name.split("/", 1)[0] and not name.startswith("/"):
            text = name                              # origin:/absolute
        elif name.startswith("/"):
            text = name
        else:
            text = _resolve_relative(value.path.rsplit("/", 1)[0], name)
        origin, path, keys, filters = _parse(text, ctx, value.origin)
        # A field keyed like the row, or by a leading part of its keys, is read at the row's index;
        # any other field is only reachable through a lookup (its own index), e.g. interface rows
        # found from a transceiver component by value.
        align = len(keys) if keys != value.keys and value.keys[:len(keys)] == keys else None
        return GnmiColumn(origin, path, keys, filters, False, align)

    def key_position(self, name: str, ctx: BindContext) -> int:
        keys = self._column(self.path, ctx, True).keys
        for sep in ("/", "."):
            if sep in name:
                elem, _, k = name.rpartition(sep)
                if (elem, k) in keys:
                    return keys.index((elem, k))
        hits = [i for i, (_, k) in enumerate(keys) if k == name]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise SelectorError(f"{self.path} has no key {name!r} (keys: {_fmt(keys) or 'none'})")
        raise SelectorError(f"{self.path}: key {name!r} is ambiguous ({_fmt(keys)}); write element/key")

    def counter_width(self, ref: ColumnRef, ctx: BindContext) -> int | None:
        return _counter_width(self, ref, ctx)

    def describe(self) -> str:
        return (f"{self.origin}:" if self.origin else "") + self.path + (
            f" (fallback {self.fallback})" if self.fallback else "")


def _fmt(keys: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{e}[{k}]" for e, k in keys)


class Aligned(Mapping[Any, Any]):
    """A field column seen through the rule's longer row index (leading components)."""

    def __init__(self, base: Mapping[Any, Any], n: int) -> None:
        self._base, self._n = base, n

    def __getitem__(self, idx: Any) -> Any:
        return self._base[idx[:self._n]]

    def get(self, idx: Any, default: Any = None) -> Any:
        return self._base.get(idx[:self._n], default)

    def __contains__(self, idx: object) -> bool:
        return isinstance(idx, tuple) and idx[:self._n] in self._base

    def __iter__(self) -> Iterator[Any]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


def row_matches(filters: tuple[tuple[str, str, str], ...], keyd: Mapping[tuple[str, str], str]) -> bool:
    for elem, k, pattern in filters:
        v = keyd.get((elem, k))
        if v is None or not (v == pattern or fnmatch.fnmatchcase(v, pattern)):
            return False
    return True


def _catalog_path(sel: GnmiSelector, ctx: BindContext) -> tuple[Any, GnmiColumn] | None:
    """(catalog, column) when the selector's path is one the YANG catalog can speak for: the
    catalog is on for this rule and the path is OpenConfig (native trees are not compiled)."""
    catalog = _catalog(ctx)
    if catalog is None or not sel.catalog:
        return None
    try:
        col = sel._column(sel.path, ctx, True)
    except NetrosettaError:
        return None   # reported by the generic selector check
    if col.origin not in (None, "openconfig"):
        return None
    return catalog, col


def _lint(sel: GnmiSelector, ctx: BindContext, metric: Any) -> list[tuple[str, str]]:
    """Check the selector's leaf against the YANG catalog (OpenConfig paths; native ones pass)."""
    import difflib

    out: list[tuple[str, str]] = []
    found = _catalog_path(sel, ctx)
    if found is None:
        return out
    catalog, col = found
    top = col.path.split("/")[1]
    if not catalog.has_node("/" + top):
        return out   # a native tree the catalog does not hold (e.g. /junos/...): nothing to check
    info = catalog.leaf(col.path)
    if info is None:
        parent = col.path.rsplit("/", 1)[0]
        if catalog.has_node(col.path):
            out.append((f"{col.path} is a container or list in the YANG catalog, not a leaf", "error"))
        elif not catalog.has_node(parent):
            # a vendor addition under an OpenConfig tree (Junos /interfaces/interface/optics/...)
            out.append((f"{col.path} is not in the YANG catalog (vendor extension?)", "warning"))
        else:
            near = difflib.get_close_matches(col.path, list(catalog.leaves_under("/" + top)), n=1, cutoff=0.8)
            hint = f" (did you mean {near[0]}?)" if near else ""
            out.append((f"{col.path} is not in the YANG catalog{hint}", "error"))
        return out
    want = getattr(metric, "instrument", None)
    if info.instrument == "counter" and want not in (None, "counter"):
        out.append((f"{col.path} is a {info.type} (counter) but the unified metric is a {want}", "warning"))
    elif info.instrument == "gauge" and want == "counter":
        out.append((f"{col.path} is a {info.type} (not a counter) but the unified metric is a counter", "warning"))
    return out


# YANG `units` statements as they appear in the OpenConfig / IETF models -> UCUM (the unified
# schema's units); units not listed are not compared
YANG_UCUM = {
    "bytes": "By", "octets": "By", "megabytes": "MBy", "bytes per second": "By/s", "Bps": "By/s",
    "bps": "bit/s", "bits/second": "bit/s", "Kbps": "kbit/s", "kbps": "kbit/s", "Mbps": "Mbit/s",
    "dBm": "dB[mW]", "percentage": "%", "celsius": "Cel", "mA": "mA", "amps": "A", "volts": "V",
    "watts": "W", "seconds": "s", "milliseconds": "ms", "msec": "ms", "microseconds": "us",
    "nanoseconds": "ns", "centiseconds": "cs", "MHz": "MHz", "rpm": "{rpm}", "packets": "{packet}",
    "pps": "{packet}/s",
}


def _source_unit(sel: GnmiSelector, ctx: BindContext) -> tuple[str, str] | None:
    """(leaf path, UCUM unit) of the selected leaf's YANG `units`, when the catalog knows both."""
    found = _catalog_path(sel, ctx)
    if found is None:
        return None
    catalog, col = found
    info = catalog.leaf(col.path)
    unit = YANG_UCUM.get((info.units or "").strip()) if info is not None else None
    return (col.path, unit) if unit is not None else None


def _counter_width(sel: GnmiSelector, ref: ColumnRef, ctx: BindContext) -> int | None:
    """From the YANG catalog: a leaf whose type chain is counter32 / counter64 (OpenConfig paths)."""
    catalog = _catalog(ctx)
    path = getattr(ref, "path", None)
    if catalog is None or not sel.catalog or getattr(ref, "origin", None) not in (None, "openconfig") or not path:
        return None
    info = catalog.leaf(path)
    if info is None or info.instrument != "counter":
        return None
    return 32 if "32" in info.type or info.base == "uint32" else 64 if "64" in info.type or info.base == "uint64" else None


GnmiSelector.lint = _lint  # type: ignore[attr-defined]  # the hook engine/lint.py calls
GnmiSelector.source_unit = _source_unit  # type: ignore[attr-defined]  # engine/lint.py: units
