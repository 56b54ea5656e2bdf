"""Fast path: flatten a serialized SubscribeResponse straight from its wire bytes.

Counter streams are millions of tiny updates (``prefix + {path: leaf, val: uint}``); going through
protobuf message objects costs several attribute lookups per leaf. This reader walks the bytes of
the common shapes itself - Notification timestamp/prefix/updates whose TypedValue is a uint, int,
bool, double, float, decimal, string or bytes - and hands anything else (JSON blobs, deletes,
deprecated fields, odd field orders, malformed data) to the protobuf path in flatten.py: any update
it does not recognise sends the whole response there, so leaf order and error accounting stay the
same. Both paths give identical leaves (tests/unit/test_gnmi_wire.py checks every corpus case).

Two levels, both per distinct prefix:
- a table of relative path bytes -> everything known about the leaf (origin, full path, keys, its
  Dataset slot, its YANG base type), resolved once per path and per catalog: one dict lookup a leaf;
- a template, once a prefix's notification has come twice with the same updates (same paths in
  the same order, uint values, strings unchanged - what a device sends every sample interval): a
  regex that spells out the notification's exact protobuf framing, so one match in C reads it,
  and its varints are decoded together. A notification that does not fit its template is read
  update by update, and a new shape that repeats replaces it.
The result is columnar (``Flat.columnar``: the path cache's heads and the values, one timestamp):
no Leaf tuple is made unless someone asks for ``flat.leaves``.

Field numbers are the gNMI 0.8 ones (gnmi.proto): SubscribeResponse.update=1, sync_response=3,
extension=5; Notification.timestamp=1, prefix=2, update=4; Update.path=1, val=3;
TypedValue.string_val=1, int_val=2, uint_val=3, bool_val=4, bytes_val=5, float_val=6,
decimal_val=7 (Decimal64.digits=1, precision=2), double_val=14.
"""

from __future__ import annotations

import re
import struct
from itertools import repeat
from operator import getitem
from typing import Any

from google.protobuf.message import DecodeError

from netrosetta.engine.pathgrammar import Keys, canonical_origin
from netrosetta.varint import U64 as _U64
from netrosetta.varint import VarintError
from netrosetta.varint import decode as _varint

from .flatten import (
    _PATHS_MAX,
    Flat,
    Slot,
    _resolve,
    extensions,
    flatten_response,
    slot_key,
)
from .proto import gnmi_ext_pb2, gnmi_pb2
from .values import NORMALISED_BASES, BadValue, LeafTypes, decimal64, ieeefloat32, normalise

_dbl = struct.Struct("<d").unpack_from
_flt = struct.Struct("<f").unpack_from

# A leaf as the wire path resolves it: origin, full path, keys, Dataset slot, catalog base type,
# and the base type when it changes a string value (normalise), else None.
Hit = tuple[str, str, Keys, Slot, str | None, str | None]
# A notification's update as the per-update reader saw it, for learning a template: a uint's
# (length byte + path bytes, hit, None) or a string update's (whole update bytes, hit, value).
Seen = tuple[bytes, Hit, Any]
_TEMPLATES_MAX = 5_000             # compiled patterns over all prefixes (a few KB each)
_TEMPLATES_PER_PREFIX = 4


class _Slow(Exception):
    """This response takes the protobuf path."""


class _Template:
    """The updates of a notification that repeats: the same paths in the same order, uint values
    (their lengths and bytes vary) and string values that did not change (matched literally).

    The pattern spells out the protobuf framing exactly: for a uint of k varint bytes the update
    length byte and the value length byte are fixed by k, so each uint is an alternation over k
    and a match leaves nothing to check. One match in C replaces the reader's per-update work;
    the varints are decoded together."""

    __slots__ = ("consts", "cuts", "hits", "nu", "order", "pattern")

    def __init__(self, shape: list[Seen]) -> None:
        parts = []
        order: list[int] = []
        consts: list[Any] = []
        cuts = []
        for raw, _hit, value in shape:
            if value is None:                 # uint: raw = path length byte + path bytes
                order.append(len(order) - len(consts))
                # one group per uint: the update after its tag; the varint follows L 0a path 1a VL 18
                parts.append(rb"\x22(" + b"|".join(_uint_alternatives(raw)) + rb")")
                cuts.append(slice(len(raw) + 5, None))
            else:                             # an unchanged string: the whole update
                order.append(-1 - len(consts))
                consts.append(value)
                parts.append(re.escape(raw))
        self.pattern = _compiled(b"".join(parts))
        self.nu = len(order) - len(consts)
        self.order = None if not consts else [i if i >= 0 else self.nu - 1 - i for i in order]
        self.consts = consts
        self.cuts = cuts
        self.hits: list[Hit] = [h for _r, h, _v in shape]    # shared by every Flat it reads

    def values(self, m: re.Match[bytes]) -> list[Any]:
        """The matched notification's values, in update order."""
        if not self.nu:
            return list(self.consts)
        raw: tuple[bytes, ...] = tuple(map(getitem, m.groups(), self.cuts))
        uints: list[Any] = _uvarints(raw) if self.nu > 2 else list(map(_uvarint, raw))
        return uints if self.order is None else list(map((uints + self.consts).__getitem__, self.order))


# Compiled patterns by source: every interface of a device sends the same relative paths under
# its own prefix, so its templates share one pattern (compiling is the expensive part: a few ms
# for a dozen counters, ~0.3 s for a 141-counter notification).
_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _compiled(source: bytes) -> re.Pattern[bytes]:
    got = _PATTERNS.get(source)
    if got is None:
        if len(_PATTERNS) >= _TEMPLATES_MAX:
            _PATTERNS.clear()
        got = _PATTERNS[source] = re.compile(source, re.DOTALL)
    return got


def _uint_alternatives(psig: bytes) -> list[bytes]:
    """``L 0a psig 1a VL 18 varint`` for every varint length k whose lengths fit one byte."""
    alts = []
    for k in range(1, 11):
        vl = k + 1
        upd = len(psig) + 3 + vl          # path tag + path (with its length) + value tag + VL + value
        if upd >= 0x80:
            break
        body = rb"[\x80-\xff]{%d}[\x00-\x7f]" % (k - 1) if k < 10 else rb"[\x80-\xff]{9}[\x00\x01]"
        alts.append(re.escape(bytes([upd])) + rb"\x0a" + re.escape(psig) + rb"\x1a" + re.escape(bytes([vl]))
                    + rb"\x18" + body)
    return alts


def _uvarint(v: bytes) -> int:
    """A varint the template matched (well formed, at most 64 bits)."""
    return _varint(v, 0)[0]


_LANES: dict[int, tuple[Any, ...]] = {}


def _lanes(n: int) -> tuple[Any, ...]:
    """Masks for n 8-byte lanes: drop the continuation bits, then close the 7-bit groups up in
    three steps (pairs, quads, the whole lane); and the struct that splits the lanes."""
    got = _LANES.get(n)
    if got is None:
        def rep(pattern: bytes) -> int:
            return int.from_bytes(pattern * (8 * n // len(pattern)), "little")
        got = _LANES[n] = (
            rep(b"\x7f"), rep(b"\xff\x00"), rep(b"\x00\xff"), rep(b"\xff\xff\x00\x00"),
            rep(b"\x00\x00\xff\xff"), rep(b"\xff" * 4 + b"\x00" * 4), rep(b"\x00" * 4 + b"\xff" * 4),
            struct.Struct(f"<{n}Q"), 8 * n)
    return got


def _uvarints(raw: tuple[bytes, ...]) -> list[int]:
    """Varints the template matched, decoded together: each padded to an 8-byte lane of one big
    int, whose bit arithmetic runs in C (a Python loop per byte costs twice as much at 14 values).
    A value of more than 8 bytes (2**56 and up) takes the loop."""
    n = len(raw)
    m7, a1, b1, a2, b2, a3, b3, split, width = _lanes(n)
    joined = b"".join(map(bytes.ljust, raw, repeat(8), repeat(b"\0")))
    if len(joined) != width:
        return list(map(_uvarint, raw))
    x = int.from_bytes(joined, "little") & m7
    x = (x & a1) | ((x & b1) >> 1)
    x = (x & a2) | ((x & b2) >> 2)
    x = (x & a3) | ((x & b3) >> 4)
    return list(split.unpack(x.to_bytes(width, "little")))


class _Prefix:
    """A notification prefix resolved, the table of its relative paths, its templates."""

    __slots__ = ("keys", "origin", "path", "shape", "table", "templates")

    def __init__(self, origin: str, path: str, keys: Keys) -> None:
        self.origin, self.path, self.keys = origin, path, keys
        self.table: dict[bytes, Hit] = {}
        self.templates: list[_Template] = []      # most recently learned first
        self.shape: list[Seen] | None = None   # the last notification's updates


# per catalog (by identity; the catalog object is kept so its id cannot be reused)
_CACHES: dict[int, tuple[LeafTypes | None, dict[bytes, _Prefix]]] = {}
_size = [0, 0]       # table entries, templates: each is dropped when it reaches its bound


def flatten_bytes(data: bytes, types: LeafTypes | None = None) -> Flat:
    """Same result as ``flatten_response(SubscribeResponse.FromString(data), types)``, read
    straight from the bytes when the response has a common shape."""
    try:
        return _fast(data, types)
    except (_Slow, IndexError, VarintError, struct.error, DecodeError):
        pass    # DecodeError: a corrupt trailing extension; protobuf decides (and counts it)
    try:
        resp = gnmi_pb2.SubscribeResponse.FromString(data)
    except DecodeError as exc:
        return Flat(errors=[f"undecodable SubscribeResponse ({len(data)} bytes): {exc}"])
    return flatten_response(resp, types)


def _prefixes(types: LeafTypes | None) -> dict[bytes, _Prefix]:
    got = _CACHES.get(id(types))
    if got is None or got[0] is not types:
        got = _CACHES[id(types)] = (types, {})
    _LAST[0] = (types, got[1])
    return got[1]


def _count() -> None:
    _size[0] += 1
    if _size[0] >= _PATHS_MAX:    # bounded: a device whose keys never repeat cannot grow it forever
        for _t, table in _CACHES.values():
            table.clear()
        _size[0] = _size[1] = 0


# The catalog of the last call and its prefixes; the last timestamp's varint bytes and value (the
# notifications of one sample share a timestamp: a C-level prefix compare instead of ~9 bytes of
# varint arithmetic). Per-response costs matter: most notifications carry a handful of leaves.
# Each is one tuple, swapped in one assignment: threads decoding at once never see a torn pair.
_LAST: list[tuple[Any, Any]] = [(object(), None)]
_TS: list[tuple[bytes, int]] = [(b"\x00", 0)]


def _fast(b: bytes, types: LeafTypes | None) -> Flat:
    if b[0] != 0x0A:                 # not a notification first (sync_response, error...)
        raise _Slow
    ln = b[1]
    if ln < 0x80:
        i = 2
    else:
        ln, i = _varint(b, 1)
    end = i + ln
    if end > len(b):                 # truncated, or a length no bytes could have (an index overflow)
        raise _Slow
    ext = None
    if end < len(b):
        j, n = end, len(b)
        while j < n:                 # extensions after the notification (Juniper header)
            if b[j] != 0x2A or ext is not None:
                raise _Slow
            el, j = _varint(b, j + 1)
            ext = extensions([gnmi_ext_pb2.Extension.FromString(b[j:j + el])])
            j += el
    last = _LAST[0]
    prefixes = last[1] if types is last[0] else _prefixes(types)
    heads: list[Hit] = []
    values: list[Any] = []
    happend = heads.append
    vappend = values.append
    ts = 0
    pre: _Prefix | None = None       # set at the first update: header fields after it go slow
    p_sig: bytes | None = None
    pmap: dict[bytes, Hit] = {}
    shape: list[Seen] | None = None
    while i < end:
        tag = b[i]
        if tag == 0x22:                                   # update: the hot loop
            if pre is None:
                pre = prefixes.get(p_sig or b"") or _prefix(prefixes, p_sig or b"")
                pmap = pre.table
                for tpl in pre.templates:
                    m = tpl.pattern.fullmatch(b, i, end)
                    if m is not None:
                        return Flat.columnar(tpl.hits, tpl.values(m), ts, ext)
                shape = []
            u0 = i
            # lengths are almost always one byte: read those inline, call _varint otherwise
            ln = b[i + 1]
            if ln < 0x80:
                us = i + 2
            else:
                ln, us = _varint(b, i + 1)
                shape = None
            ue = us + ln
            i = ue
            # Update: path (0x0a) then val (0x1a), nothing else
            if b[us] != 0x0A:
                raise _Slow
            pl = b[us + 1]
            if pl < 0x80:
                ps = us + 2
            else:
                pl, ps = _varint(b, us + 1)
                shape = None
            pe = ps + pl
            if pe >= ue or b[pe] != 0x1A:
                raise _Slow
            vs = pe + 2
            vl = b[pe + 1]
            if vl >= 0x80:
                vl, vs = _varint(b, pe + 1)
                shape = None
            if vs + vl != ue or vl == 0:
                raise _Slow
            hit = pmap.get(b[ps:pe])
            if hit is None:
                hit = _leaf_path(pre, b[ps:pe], types)
            vt = b[vs]
            if vt == 0x18:                                # uint_val: counters, a few bytes
                v: Any = b[vs + 1]
                if v >= 0x80:
                    k = vs + 1
                    v &= 0x7F
                    shift = 7
                    while True:
                        k += 1
                        x = b[k]
                        v |= (x & 0x7F) << shift
                        if x < 0x80:
                            break
                        shift += 7
                        if shift > 63:
                            raise _Slow
                    if k + 1 != ue:
                        raise _Slow
                    v &= _U64                             # as protobuf: 64 bits of a 10-byte varint
                elif vl != 2:
                    raise _Slow                           # more fields after the value
                if shape is not None:
                    shape.append((b[us + 1:pe], hit, None))
            elif vt == 0x0A:                              # string_val
                sl = b[vs + 1]
                ss = vs + 2
                if sl >= 0x80:
                    sl, ss = _varint(b, vs + 1)
                    shape = None
                if ss + sl != ue:
                    raise _Slow
                try:
                    v = b[ss:ue].decode("utf-8")
                except UnicodeDecodeError:
                    raise _Slow from None
                if hit[5] is not None:
                    v = normalise(v, hit[5])
                if shape is not None:
                    shape.append((b[u0:ue], hit, v))
            else:
                v = _other_value(b, vt, vs, vl, ue, hit)
                shape = None
            happend(hit)
            vappend(v)
        elif tag == 0x08 and pre is None:                 # timestamp
            raw, ts = _TS[0]
            if b.startswith(raw, i + 1):
                i += 1 + len(raw)
            else:
                ts, j = _varint(b, i + 1)
                if ts >= 1 << 63:
                    ts -= 1 << 64
                _TS[0] = (b[i + 1:j], ts)
                i = j
        elif tag == 0x12 and pre is None and p_sig is None:   # prefix
            ln = b[i + 1]
            if ln < 0x80:
                i += 2
            else:
                ln, i = _varint(b, i + 1)
            p_sig = b[i:i + ln]
            i += ln
        elif tag == 0x30:                                 # atomic (a flag the message path ignores too)
            i = _varint(b, i + 1)[1]
            shape = None                                  # a template covers updates only
        else:           # alias, delete, repeated or late header fields: protobuf path
            raise _Slow
    if i != end:                     # the last field ran past the notification: protobuf decides
        raise _Slow
    if shape and pre is not None:
        _learn(pre, shape)
    return Flat.columnar(heads, values, ts, ext)


def _other_value(b: bytes, vt: int, vs: int, vl: int, ue: int, hit: Hit) -> Any:
    """The TypedValue kinds a counter stream sends less often than uint and string."""
    if vt == 0x10:                                        # int_val (two's complement int64)
        v, j = _varint(b, vs + 1)
        if j != ue:
            raise _Slow
        return v - (1 << 64) if v >= 1 << 63 else v
    if vt == 0x71 and vl == 9:                            # double_val
        return _dbl(b, vs + 1)[0]
    if vt == 0x35 and vl == 5:                            # float_val
        return _flt(b, vs + 1)[0]
    if vt == 0x20:                                        # bool_val
        v, j = _varint(b, vs + 1)
        if j != ue:
            raise _Slow
        return v != 0
    if vt == 0x3A:                                        # decimal_val {digits=1, precision=2}
        sl, j = _varint(b, vs + 1)
        if j + sl != ue:
            raise _Slow
        digits = precision = 0
        while j < ue:
            if b[j] == 0x08:
                digits, j = _varint(b, j + 1)
            elif b[j] == 0x10:
                precision, j = _varint(b, j + 1)
            else:
                raise _Slow
        if j != ue or precision >= 1 << 32:
            raise _Slow
        return decimal64(digits - (1 << 64) if digits >= 1 << 63 else digits, precision)
    if vt == 0x2A:                                        # bytes_val (Junos ieeefloat32 optics)
        sl, ss = _varint(b, vs + 1)
        if ss + sl != ue:
            raise _Slow
        raw = b[ss:ue]
        base = hit[4]
        if sl == 4 and (base is None or base == "ieeefloat32"):
            return ieeefloat32(raw)
        if base == "ieeefloat32":
            raise _Slow   # wrong length: the message path reports it
        return raw
    raise _Slow


def _learn(pre: _Prefix, shape: list[Seen]) -> None:
    """A prefix's notification shape seen twice in a row becomes one of its templates (the last
    few are kept: one prefix often carries a few shapes in turn - a sample's counters, then an
    on_change status - and relearning them in turn would compile a pattern every time)."""
    if pre.shape != shape:
        pre.shape = shape
        return
    pre.shape = None
    if len(pre.templates) < _TEMPLATES_PER_PREFIX and _size[1] >= _TEMPLATES_MAX:
        return
    tpl = _Template(shape)
    if any(t.pattern is tpl.pattern for t in pre.templates):
        return          # it is there and did not match: something outside the updates differs
    if len(pre.templates) < _TEMPLATES_PER_PREFIX:
        _size[1] += 1
    pre.templates = [tpl, *pre.templates[:_TEMPLATES_PER_PREFIX - 1]]


def _prefix(prefixes: dict[bytes, _Prefix], p_sig: bytes) -> _Prefix:
    pre = prefixes.get(p_sig)
    if pre is None:
        if p_sig:
            try:
                origin, path, keys = _resolve(gnmi_pb2.Path.FromString(p_sig), "")
            except (BadValue, DecodeError):
                raise _Slow from None
        else:
            origin, path, keys = "", "", ()
        _count()
        pre = prefixes[p_sig] = _Prefix(origin, path, keys)
    return pre


def _leaf_path(pre: _Prefix, rel_sig: bytes, types: LeafTypes | None) -> Hit:
    try:
        origin, rel, keys = _resolve(gnmi_pb2.Path.FromString(rel_sig), pre.origin)
    except (BadValue, DecodeError):
        raise _Slow from None
    p_path = pre.path
    full = (f"/{p_path}/{rel}" if rel else "/" + p_path) if p_path else "/" + rel
    co = canonical_origin(origin)
    all_keys = pre.keys + keys if pre.keys else keys
    base = types.leaf_base(full) if types is not None else None
    _count()
    hit = pre.table[rel_sig] = (co, full, all_keys, slot_key(co, full, all_keys, None), base,
                                base if base in NORMALISED_BASES else None)
    return hit
