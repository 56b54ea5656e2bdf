"""SubscribeResponse / Notification -> flat leaves ``(origin, path, keys, value, ts)``.

Every rule and the Dataset see leaves in one normalised form, whatever the device did with
prefixes, origins, module-qualified names, key-only elements or JSON subtrees (see engine/pathgrammar.py and
values.py). A leaf that cannot be decoded is counted and skipped; the rest of the notification
is kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from itertools import repeat
from operator import add, itemgetter
from typing import Any, NamedTuple

from netrosetta.engine.pathgrammar import Keys, canonical_origin, split_module

from .juniper import JUNIPER_HEADER_ID, WireError, decode_header
from .proto import gnmi_pb2
from .values import BadValue, LeafTypes, decimal64, ieeefloat32, normalise, walk_json

log = logging.getLogger(__name__)

_DIRECT = frozenset({"uint_val", "int_val", "double_val", "bool_val", "float_val", "ascii_val"})


class Leaf(NamedTuple):
    origin: str
    path: str          # "/interfaces/interface/state/counters/in-octets"
    keys: Keys         # (("interface", "name", "eth0"),)
    value: Any
    ts: int            # device timestamp, ns since the epoch
    ext: Mapping[str, Any] | None = None   # e.g. the Juniper header (component, component_id...)


# Where a leaf lives in the Dataset: its (origin, path, keys, line-card component or None) as one
# string - a str caches its hash, so a sample's leaves go into the Dataset with one C-level
# dict.update. Juniper line-card partial updates report the same leaf once per component; those
# rows are summed when a column is read.
Slot = str


# bound of the path caches here and in wire.py (cleared when reached)
_PATHS_MAX = 200_000
_SLOTS: dict[tuple[str, str, Keys], Slot] = {}


def slot_key(origin: str, path: str, keys: Keys, comp: tuple[int, int] | None = None) -> Slot:
    k = (origin, path, keys)
    s = _SLOTS.get(k)
    if s is None:
        if len(_SLOTS) >= _PATHS_MAX:
            _SLOTS.clear()
        s = _SLOTS[k] = repr(k)      # unambiguous: a tuple's repr
    return s if comp is None else s + comp_suffix(comp)


def comp_suffix(comp: tuple[int, int]) -> str:
    return f"#{comp[0]}.{comp[1]}"


def slot_comp(ext: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """The (component_id, sub_component_id) of a Juniper header, None without one."""
    if ext is None or "component_id" not in ext:
        return None
    return (int(ext.get("component_id") or 0), int(ext.get("sub_component_id") or 0))


def slot_suffix(ext: Mapping[str, Any] | None) -> str | None:
    """What a Juniper line card's header adds to its leaves' slots (None: nothing)."""
    comp = slot_comp(ext)
    return None if comp is None else comp_suffix(comp)


class Delete(NamedTuple):
    origin: str
    path: str          # a path prefix: everything below it (with matching keys) ends
    keys: Keys
    ts: int


# What the wire reader knows of a leaf's path: origin, full path, keys, Dataset slot (and, after
# those four, what it needs for values: the catalog base types)
Head = tuple[Any, ...]
_slot_of = itemgetter(3)


class Flat:
    """One response flattened: leaves, deletes, sync, malformed updates (one line each).

    The wire reader fills a columnar form instead of Leaf tuples - one head per leaf (shared,
    read-only tuples from its path cache), the values, and the notification's one timestamp and
    extension - so a sample's leaves cost no allocation beyond their values; the Dataset takes
    the columns as they are. ``leaves`` builds the Leaf tuples when something asks for them."""

    __slots__ = ("_leaves", "csuf", "deletes", "errors", "ext", "heads", "sync", "ts", "values")

    def __init__(self, leaves: list[Leaf] | None = None, deletes: list[Delete] | None = None,
                 sync: bool = False, errors: list[str] | None = None) -> None:
        self._leaves: list[Leaf] | None = [] if leaves is None else leaves
        self.deletes: list[Delete] = [] if deletes is None else deletes
        self.sync = sync
        self.errors: list[str] = [] if errors is None else errors
        self.heads: list[Head] | None = None
        self.values: list[Any] = []
        self.ts = 0
        self.ext: Mapping[str, Any] | None = None
        self.csuf: str | None = None           # Juniper line card: the suffix of its slots

    @classmethod
    def columnar(cls, heads: list[Head], values: list[Any], ts: int, ext: Mapping[str, Any] | None) -> Flat:
        out = cls.__new__(cls)
        out._leaves, out.deletes, out.sync, out.errors = None, [], False, []
        out.heads, out.values, out.ts, out.ext = heads, values, ts, ext
        out.csuf = None if ext is None else slot_suffix(ext)
        return out

    def begin_columns(self, ts: int, ext: Mapping[str, Any] | None) -> tuple[list[Head], list[Any]]:
        """Switch to the columnar form for one notification's leaves (timestamp ``ts``)."""
        if self.heads is None:
            self.heads, self.values, self._leaves = [], [], None
        self.ts, self.ext, self.csuf = ts, ext, slot_suffix(ext)
        return self.heads, self.values

    @property
    def leaves(self) -> list[Leaf]:
        if self._leaves is None:
            ts, ext = self.ts, self.ext
            self._leaves = [Leaf(h[0], h[1], h[2], v, ts, ext)
                            for h, v in zip(self.heads or (), self.values, strict=True)]
        return self._leaves

    @property
    def slots(self) -> list[Slot] | None:
        """Each leaf's Dataset slot (columnar form only): its head's, plus a line card's suffix."""
        if self.heads is None:
            return None
        slots = map(_slot_of, self.heads)
        return list(slots if self.csuf is None else map(add, slots, repeat(self.csuf)))

    def count(self) -> int:
        return len(self.values) if self.heads is not None else len(self._leaves or ())

    def __repr__(self) -> str:
        return (f"Flat(leaves={self.leaves!r}, deletes={self.deletes!r}, sync={self.sync!r}, "
                f"errors={self.errors!r})")


def _elems(path: gnmi_pb2.Path, origin: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    parts: list[str] = []
    keys: list[tuple[str, str, str]] = []
    if path.origin:
        origin = path.origin
    if not path.elem and path.element:
        return _legacy_elements(path, origin)
    for i, e in enumerate(path.elem):
        name = e.name
        if ":" in name:
            mod, name = split_module(name)
            if i == 0 and not path.origin and mod:
                origin = mod
        if not name:
            # Junos sends key-only elements: the keys belong to the element before them
            if not e.key or not parts:
                raise BadValue("path element with neither name nor keys")
            keys.extend((parts[-1], k, v) for k, v in sorted(e.key.items()))
            continue
        parts.append(name)
        if e.key:
            keys.extend((name, k, v) for k, v in sorted(e.key.items()))
    return origin, "/".join(parts), keys


def _legacy_elements(path: gnmi_pb2.Path, origin: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    """gNMI < 0.4 ``Path.element``: strings, possibly ``name[key=value]``."""
    from netrosetta.engine.pathgrammar import parse_path

    try:
        _o, elems = parse_path("/" + "/".join(path.element))
    except Exception as exc:   # NetrosettaError: a malformed element string
        raise BadValue(f"bad path element: {exc}") from None
    parts: list[str] = []
    keys: list[tuple[str, str, str]] = []
    for name, kv in elems:
        local = split_module(name)[1]
        parts.append(local)
        keys.extend((local, k, v) for k, v in sorted(kv.items()))
    return origin, "/".join(parts), keys


def _typed(val: gnmi_pb2.TypedValue, kind: str | None) -> Any:
    if kind == "string_val":
        return val.string_val
    if kind == "decimal_val":
        return decimal64(val.decimal_val.digits, val.decimal_val.precision)
    if kind == "bytes_val":
        return val.bytes_val
    if kind == "leaflist_val":
        return [_typed(e, e.WhichOneof("value")) for e in val.leaflist_val.element]
    if kind in _DIRECT:
        return getattr(val, kind)
    if kind is None:
        raise BadValue("empty TypedValue")
    raise BadValue(f"unsupported value kind {kind}")


# Resolved paths by their wire bytes: devices repeat the same prefixes and relative paths in every
# sample, so each distinct path is normalised once. Bounded: cleared when it grows too large.
_PATHS: dict[tuple[bytes, str], tuple[str, str, tuple[tuple[str, str, str], ...]]] = {}
# (prefix bytes, update path bytes) -> the leaf's head (canonical origin, full path, keys, slot)
_FULL: dict[tuple[bytes, bytes], Head] = {}


def _resolve(path: gnmi_pb2.Path, origin: str) -> tuple[str, str, tuple[tuple[str, str, str], ...]]:
    key = (path.SerializeToString(), origin)
    hit = _PATHS.get(key)
    if hit is None:
        o, rel, keys = _elems(path, origin)
        if len(_PATHS) >= _PATHS_MAX:
            _PATHS.clear()
        hit = _PATHS[key] = (o, rel, tuple(keys))
    return hit


def flatten_notification(n: gnmi_pb2.Notification, out: Flat, types: LeafTypes | None = None,
                         ext: Mapping[str, Any] | None = None) -> None:
    ts = n.timestamp
    if n.HasField("prefix"):
        try:
            p_origin, p_path, p_keys = _resolve(n.prefix, "")
        except BadValue as exc:
            out.errors.append(f"prefix {_safe_text(n.prefix)}: {exc}")
            return
    else:
        p_origin, p_path, p_keys = "", "", ()
    heads, values = out.begin_columns(ts, ext)
    happend, vappend = heads.append, values.append
    p_sig = n.prefix.SerializeToString() if p_path or p_origin else b""
    for u in n.update:
        try:
            ukey = (p_sig, u.path.SerializeToString())
            hit = _FULL.get(ukey)
            if hit is None:
                origin, rel, keys = _resolve(u.path, p_origin)
                full = (f"/{p_path}/{rel}" if rel else "/" + p_path) if p_path else "/" + rel
                if len(_FULL) >= _PATHS_MAX:
                    _FULL.clear()
                co, all_keys = canonical_origin(origin), p_keys + keys if p_keys else keys
                hit = _FULL[ukey] = (co, full, all_keys, slot_key(co, full, all_keys))
            co, full, keys, _slot = hit
            val = u.val
            kind = val.WhichOneof("value")
            if kind in _DIRECT:
                happend(hit)
                vappend(getattr(val, kind))
                continue
            if kind == "json_ietf_val" or kind == "json_val":
                blob = getattr(val, kind)
                try:
                    obj = json.loads(blob)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise BadValue(f"{kind} is not JSON: {exc}") from None
                elem = full.rsplit("/", 1)[-1]
                for lp, lk, lv in walk_json(obj, full if full != "/" else "", keys, types, elem):
                    lp = lp or "/"
                    happend((co, lp, lk, slot_key(co, lp, lk)))
                    vappend(lv)
                continue
            if kind is None and u.HasField("value"):
                # gNMI < 0.4 devices: deprecated Value{bytes, type}; JSON encodings only
                obj = json.loads(u.value.value)
                for lp, lk, lv in walk_json(obj, full, keys, types, full.rsplit("/", 1)[-1]):
                    happend((co, lp, lk, slot_key(co, lp, lk)))
                    vappend(lv)
                continue
            value = _typed(val, kind)
            if kind == "string_val" and types is not None:
                value = normalise(value, types.leaf_base(full))
            elif kind == "bytes_val":
                base = types.leaf_base(full) if types is not None else None
                # OpenConfig ieeefloat32 is 4 binary bytes; Junos sends its optics readings that way
                # on native paths no catalog knows: 4 bytes with no other known type are a float32.
                if base == "ieeefloat32" or (base is None and len(value) == 4):
                    value = ieeefloat32(value)
            happend(hit)
            vappend(value)
        except (BadValue, ValueError, UnicodeDecodeError) as exc:
            out.errors.append(f"update {_safe_text(u.path)}: {exc}")
    for d in n.delete:
        try:
            origin, rel, keys = _resolve(d, p_origin)
        except BadValue as exc:
            out.errors.append(f"delete {_safe_text(d)}: {exc}")
            continue
        path = f"{p_path}/{rel}" if p_path and rel else (p_path or rel)
        out.deletes.append(Delete(canonical_origin(origin), "/" + path, p_keys + keys, ts))


def _safe_text(path: gnmi_pb2.Path) -> str:
    return "/" + "/".join(e.name or "?" for e in path.elem)


def extensions(exts: Iterable[Any]) -> dict[str, Any] | None:
    for e in exts:
        if e.WhichOneof("ext") == "registered_ext" and e.registered_ext.id == JUNIPER_HEADER_ID:
            try:
                return decode_header(e.registered_ext.msg)
            except WireError as exc:
                log.warning("gnmi: undecodable Juniper header extension: %s", exc)
    return None


def flatten_response(resp: gnmi_pb2.SubscribeResponse, types: LeafTypes | None = None) -> Flat:
    out = Flat()
    kind = resp.WhichOneof("response")
    if kind == "update":
        ext = extensions(resp.extension) if len(resp.extension) else None
        flatten_notification(resp.update, out, types, ext)
    elif kind == "sync_response":
        out.sync = True
    elif kind == "error":  # deprecated in-band error
        out.errors.append(f"target error {resp.error.code}: {resp.error.message}")
    return out
