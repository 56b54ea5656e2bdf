"""Simulated leaves -> gNMI Notifications in the requested encoding.

PROTO: one Notification per container, typed values (uint_val, decimal_val...).
JSON_IETF: one update per container carrying a json_ietf_val blob, 64-bit integers and decimals
as JSON strings (RFC 7951) - the quirk real devices send. JSON: json_val blob, plain numbers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from netrosetta.engine.pathgrammar import Keys

from ..proto import gnmi_pb2
from .device import Dec, SimLeaf


def path_proto(origin: str, path: str, keys: Keys, start: int = 0) -> gnmi_pb2.Path:
    p = gnmi_pb2.Path()
    if origin and origin != "openconfig":
        p.origin = origin
    parts = [x for x in path.split("/") if x]
    by_elem: dict[str, dict[str, str]] = {}
    for e, k, v in keys:
        by_elem.setdefault(e, {})[k] = v
    for name in parts[start:]:
        p.elem.add(name=name, key=by_elem.get(name, {}))
    return p


def typed(value: Any) -> gnmi_pb2.TypedValue:
    if isinstance(value, bool):
        return gnmi_pb2.TypedValue(bool_val=value)
    if isinstance(value, int):
        return gnmi_pb2.TypedValue(uint_val=value) if value >= 0 else gnmi_pb2.TypedValue(int_val=value)
    if isinstance(value, Dec):
        dec = gnmi_pb2.Decimal64(digits=value.digits, precision=value.precision)
        return gnmi_pb2.TypedValue(decimal_val=dec)
    if isinstance(value, float):
        return gnmi_pb2.TypedValue(double_val=value)
    return gnmi_pb2.TypedValue(string_val=str(value))


def _json_value(value: Any, ietf: bool) -> Any:
    if isinstance(value, Dec):
        return f"{float(value):.{value.precision}f}" if ietf else float(value)
    if ietf and isinstance(value, int) and not isinstance(value, bool):
        return str(value)   # RFC 7951: int64/uint64 are strings; we send every integer that way
    return value


def notifications(leaves: Iterable[SimLeaf], encoding: int,
                  ts: int | None = None) -> list[gnmi_pb2.Notification]:
    ts = ts or time.time_ns()
    groups: dict[tuple[str, str, Keys], list[tuple[str, Any]]] = {}
    for origin, path, keys, value in leaves:
        parent, _, leaf = path.rpartition("/")
        groups.setdefault((origin, parent, keys), []).append((leaf, value))
    out = []
    for (origin, parent, keys), items in groups.items():
        n = gnmi_pb2.Notification(timestamp=ts)
        if encoding in (gnmi_pb2.JSON, gnmi_pb2.JSON_IETF):
            ietf = encoding == gnmi_pb2.JSON_IETF
            blob = json.dumps({leaf: _json_value(v, ietf) for leaf, v in items}).encode()
            u = n.update.add(path=path_proto(origin, parent, keys))
            if ietf:
                u.val.json_ietf_val = blob
            else:
                u.val.json_val = blob
        else:
            n.prefix.CopyFrom(path_proto(origin, parent, keys))
            for leaf, v in items:
                n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name=leaf)]), val=typed(v))
        out.append(n)
    return out
