"""Value quirks, handled once for every rulebook.

- decimal64 ``{digits, precision}`` -> float
- JSON / JSON_IETF blobs (``json_val`` / ``json_ietf_val``, base64 in protobuf JSON) carrying
  whole subtrees -> flattened into leaves by :func:`walk_json`, module prefixes stripped
- RFC 7951 int64/uint64/decimal64 sent as JSON strings, SONiC-style counters in ``string_val``,
  union-typed leaves -> numbers when the YANG catalog says the leaf is numeric
  (:func:`normalise`), or when a rule asks for a number (:func:`to_number`)
- ``ieeefloat32`` leaves (OpenConfig binary type, base64 in JSON) -> float
- identityref values lose their module prefix (``openconfig-alarm-types:MINOR`` -> ``MINOR``)
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterator
from typing import Any, Protocol

from netrosetta.engine.pathgrammar import Keys, split_module

INT_TYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                       "counter32", "counter64", "gauge32", "gauge64", "zero-based-counter32",
                       "zero-based-counter64", "timeticks", "timeticks64", "timestamp"})
FLOAT_TYPES = frozenset({"decimal64", "ieeefloat32"})
# base types whose string values normalise() changes (every other base leaves a string as it is)
NORMALISED_BASES = INT_TYPES | FLOAT_TYPES | {"identityref"}


class LeafTypes(Protocol):
    """What value normalisation needs from the YANG catalog."""

    def leaf_base(self, path: str) -> str | None: ...

    def list_keys(self, path: str) -> tuple[str, ...] | None: ...


class BadValue(ValueError):
    """A value that cannot be decoded; the stream counts it and goes on."""


def decimal64(digits: int, precision: int) -> float:
    return digits / (10 ** precision) if precision else float(digits)


def ieeefloat32(raw: bytes | str) -> float:
    data = base64.b64decode(raw, validate=True) if isinstance(raw, str) else raw
    if len(data) != 4:
        raise BadValue(f"ieeefloat32 needs 4 bytes, got {len(data)}")
    return float(struct.unpack(">f", data)[0])


def normalise(value: Any, base: str | None) -> Any:
    """Apply the catalog's base type to a value that arrived as a string (or bytes)."""
    if base is None:
        return value
    if isinstance(value, str):
        if base in INT_TYPES:
            try:
                return int(value)
            except ValueError:
                return value  # a union or an enum-like sentinel ("NA"): leave it, rules decide
        if base == "decimal64":
            try:
                return float(value)
            except ValueError:
                return value
        if base == "ieeefloat32":
            try:
                return ieeefloat32(value)
            except (BadValue, binascii.Error, ValueError):
                return value
        if base == "identityref":
            return value.rsplit(":", 1)[-1]   # "openconfig-if-ethernet:SPEED_10GB" -> "SPEED_10GB"
    elif isinstance(value, bytes) and base == "ieeefloat32" and len(value) == 4:
        return ieeefloat32(value)
    return value


def to_number(value: Any) -> int | float | None:
    """A number for a metric, or None when the value is not numeric (bool counts as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        s = value.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            f = float(s)
        except ValueError:
            return None
        return f if f == f else None  # NaN is no measurement
    return None


def walk_json(obj: Any, path: str, keys: Keys, types: LeafTypes | None,
              elem: str = "") -> Iterator[tuple[str, Keys, Any]]:
    """Flatten a decoded JSON subtree rooted at ``path`` into (path, keys, value) leaves."""
    if isinstance(obj, dict):
        for name, child in obj.items():
            _, local = split_module(name)
            yield from walk_json(child, f"{path}/{local}", keys, types, local)
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        key_names = types.list_keys(path) if types else None
        for pos, entry in enumerate(obj):
            plain = {split_module(k)[1]: v for k, v in entry.items()}
            names = key_names or _guess_keys(plain)
            if names:
                entry_keys = tuple((elem, k, _key_text(plain.get(k))) for k in names)
            else:
                entry_keys = ((elem, "_index", str(pos)),)  # keyless list: position is the identity
            yield from walk_json(plain, path, keys + entry_keys, types, elem)
    else:
        base = types.leaf_base(path) if types else None
        if isinstance(obj, list):
            yield path, keys, [normalise(x, base) for x in obj]
        else:
            yield path, keys, normalise(obj, base)


def _guess_keys(entry: dict[str, Any]) -> tuple[str, ...]:
    for k in ("name", "index", "id"):
        if k in entry and not isinstance(entry[k], dict | list):
            return (k,)
    return ()


def _key_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)
