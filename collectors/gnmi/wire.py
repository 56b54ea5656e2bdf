"""Fast path: flatten a serialized SubscribeResponse straight from its wire bytes.

Counter streams are millions of tiny updates (``prefix + {path: leaf, val: uint}``); going through
protobuf message objects costs several attribute lookups per leaf. This reader walks the bytes of
the common shapes itself - Notification timestamp/prefix/updates whose TypedValue is a uint, int,
bool, double, float or string - and hands anything else (JSON blobs, decimals, deletes, deprecated
fields, extensions, malformed data) to the protobuf path in flatten.py: any update it does not
recognise sends the whole response there, so leaf order and error accounting stay the same. Both paths give identical leaves (tests/unit/test_gnmi_wire.py checks every corpus case).

Field numbers are the gNMI 0.8 ones (gnmi.proto): SubscribeResponse.update=1, sync_response=3;
Notification.timestamp=1, prefix=2, update=4; Update.path=1, val=3; TypedValue.string_val=1,
int_val=2, uint_val=3, bool_val=4, float_val=6, double_val=14.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from google.protobuf.message import DecodeError

from .flatten import _PATHS_MAX, Flat, Leaf, _resolve, extensions, flatten_response
from .paths import canonical_origin
from .proto import gnmi_ext_pb2, gnmi_pb2
from .values import BadValue, LeafTypes, ieeefloat32, normalise

_new = tuple.__new__
_dbl = struct.Struct("<d").unpack_from
_flt = struct.Struct("<f").unpack_from
# (prefix bytes, path bytes) -> (canonical origin, full path, keys), from wire slices
_WIRE: dict[tuple[bytes, bytes], tuple[str, str, tuple[tuple[str, str, str], ...]]] = {}
_PREFIX: dict[bytes, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {}


class _Slow(Exception):
    """This response takes the protobuf path."""


def _varint(b: bytes, i: int) -> tuple[int, int]:
    x = b[i]
    i += 1
    if x < 0x80:
        return x, i
    result, shift = x & 0x7F, 7
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        if x < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise _Slow


def flatten_bytes(data: bytes, types: LeafTypes | None = None) -> Flat:
    """Same result as ``flatten_response(SubscribeResponse.FromString(data), types)``."""
    try:
        return _fast(data, types)
    except (_Slow, IndexError, struct.error):
        pass
    try:
        resp = gnmi_pb2.SubscribeResponse.FromString(data)
    except DecodeError as exc:
        return Flat(errors=[f"undecodable SubscribeResponse ({len(data)} bytes): {exc}"])
    return flatten_response(resp, types)


def _fast(b: bytes, types: LeafTypes | None) -> Flat:
    n = len(b)
    if n < 2 or b[0] != 0x0A:        # not a notification first (sync_response, error...)
        raise _Slow
    ln, i = _varint(b, 1)
    start, end = i, i + ln
    ext = None
    i = end
    while i < n:                     # extensions after the notification (Juniper header)
        if b[i] != 0x2A:
            raise _Slow
        el, i = _varint(b, i + 1)
        if ext is not None:
            raise _Slow
        ext = extensions([gnmi_ext_pb2.Extension.FromString(b[i:i + el])])
        i += el
    out = Flat()
    _notification(b, start, end, out, types, ext)
    return out


def _notification(b: bytes, i: int, end: int, out: Flat, types: LeafTypes | None,
                  ext: Mapping[str, Any] | None) -> None:
    ts = 0
    p_sig = b""
    p_origin, p_path = "", ""
    p_keys: tuple[tuple[str, str, str], ...] = ()
    append = out.leaves.append
    while i < end:
        tag = b[i]
        if tag == 0x08:                                   # timestamp
            ts, i = _varint(b, i + 1)
            if ts >= 1 << 63:
                ts -= 1 << 64
            continue
        if tag == 0x12:                                   # prefix
            ln, i = _varint(b, i + 1)
            p_sig = b[i:i + ln]
            i += ln
            hit = _PREFIX.get(p_sig)
            if hit is None:
                try:
                    hit = _resolve(gnmi_pb2.Path.FromString(p_sig), "")
                except BadValue:
                    raise _Slow from None
                if len(_PREFIX) >= _PATHS_MAX:
                    _PREFIX.clear()
                _PREFIX[p_sig] = hit
            p_origin, p_path, p_keys = hit
            continue
        if tag != 0x22:                                   # alias, delete, atomic: protobuf path
            raise _Slow
        # lengths are almost always one byte: read those inline, call _varint otherwise
        ln = b[i + 1]
        if ln < 0x80:
            us = i + 2
        else:
            ln, us = _varint(b, i + 1)
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
        pe = ps + pl
        if pe >= ue or b[pe] != 0x1A:
            raise _Slow
        vl = b[pe + 1]
        if vl < 0x80:
            vs = pe + 2
        else:
            vl, vs = _varint(b, pe + 1)
        if vs + vl != ue or vl == 0:
            raise _Slow
        key = (p_sig, b[ps:pe])
        hit = _WIRE.get(key)
        if hit is None:
            hit = _wire_path(key, p_origin, p_path, p_keys)
            if hit is None:
                raise _Slow
        vt = b[vs]
        if vt == 0x18:                                    # uint_val
            j = vs + 1
            x = b[j]
            if x < 0x80:
                v: Any = x
            else:                                         # counters: a few bytes, decoded inline
                v, shift = x & 0x7F, 7
                while True:
                    j += 1
                    x = b[j]
                    v |= (x & 0x7F) << shift
                    if x < 0x80:
                        break
                    shift += 7
                    if shift > 63:
                        raise _Slow
        elif vt == 0x10:                                  # int_val (two's complement int64)
            v = _varint(b, vs + 1)[0]
            if v >= 1 << 63:
                v -= 1 << 64
        elif vt == 0x71 and vl == 9:                      # double_val
            v = _dbl(b, vs + 1)[0]
        elif vt == 0x35 and vl == 5:                      # float_val
            v = _flt(b, vs + 1)[0]
        elif vt == 0x20:                                  # bool_val
            v = _varint(b, vs + 1)[0] != 0
        elif vt == 0x0A:                                  # string_val
            sl, ss = _varint(b, vs + 1)
            if ss + sl != ue:
                raise _Slow
            try:
                v = b[ss:ss + sl].decode("utf-8")
            except UnicodeDecodeError:
                raise _Slow from None
            if types is not None:
                v = normalise(v, types.leaf_base(hit[1]))
        elif vt == 0x2A:                                  # bytes_val (Junos ieeefloat32 optics)
            sl, ss = _varint(b, vs + 1)
            if ss + sl != ue:
                raise _Slow
            v = b[ss:ss + sl]
            base = types.leaf_base(hit[1]) if types is not None else None
            if sl == 4 and (base is None or base == "ieeefloat32"):
                v = ieeefloat32(v)
            elif base == "ieeefloat32":
                raise _Slow   # wrong length: the message path reports it
        else:
            raise _Slow
        append(_new(Leaf, (hit[0], hit[1], hit[2], v, ts, ext)))


Resolved = tuple[str, str, tuple[tuple[str, str, str], ...]]


def _wire_path(key: tuple[bytes, bytes], p_origin: str, p_path: str,
               p_keys: tuple[tuple[str, str, str], ...]) -> Resolved | None:
    try:
        origin, rel, keys = _resolve(gnmi_pb2.Path.FromString(key[1]), p_origin)
    except BadValue:
        return None
    full = (f"/{p_path}/{rel}" if rel else "/" + p_path) if p_path else "/" + rel
    if len(_WIRE) >= _PATHS_MAX:
        _WIRE.clear()
    hit = _WIRE[key] = (canonical_origin(origin), full, p_keys + keys if p_keys else keys)
    return hit

