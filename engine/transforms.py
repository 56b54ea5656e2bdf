"""Compile a rule's transform steps into one fast callable.

A compiled pipeline maps a raw value to a new value, or to SKIP when the data point must be
dropped (skip values, out-of-range sentinels, unmapped enum without default, unparsable text);
drops are counted by the caller, never silent.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .model import Transform
from .values import OUT_OF_RANGE

SKIP: Any = object()
Fn = Callable[[Any], Any]

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


# to_text of short OCTET STRINGs (names, descriptions): the same few thousand from poll to poll
_AUTO_TEXT: dict[bytes, str] = {}
_AUTO_TEXT_LIMIT, _AUTO_TEXT_MAX_LEN = 65_536, 256


def to_text(value: Any, fmt: str = "auto") -> str:
    """Render a raw value as attribute text. OCTET STRINGs that are not text become hex."""
    if value.__class__ is bytes and fmt == "auto":
        text = _AUTO_TEXT.get(value)
        if text is None:
            text = _bytes_text(value, fmt)
            if len(value) <= _AUTO_TEXT_MAX_LEN:
                if len(_AUTO_TEXT) >= _AUTO_TEXT_LIMIT:
                    _AUTO_TEXT.clear()
                _AUTO_TEXT[value] = text
        return text
    if isinstance(value, bytes):
        return _bytes_text(value, fmt)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bytes_text(value: bytes, fmt: str) -> str:
    """OCTET STRING as text: hex / mac / ip formats, else UTF-8 (hex when not printable)."""
    if fmt == "hex":
        return value.hex()
    if fmt == "mac":
        return ":".join(f"{b:02x}" for b in value)
    if fmt == "ip":
        if len(value) in (4, 16):
            return str(ipaddress.ip_address(value))
        return value.hex()
    stripped = value.rstrip(b"\x00")
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        return value.hex() if fmt == "auto" else stripped.decode("latin-1")
    if fmt == "auto" and not text.isprintable():
        return value.hex()
    return text.strip() if fmt == "auto" else text


def to_number(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        m = _NUMBER.search(value)
        if m:
            text = m.group(0)
            try:
                return int(text)
            except ValueError:
                return float(text)
    return SKIP


def _index_string(value: Any) -> Any:
    # an OID index suffix encoding a length-prefixed string: "5.104.101.108.108.111" -> "hello"
    parts = [int(p) for p in str(value).split(".") if p.isdigit()]
    if len(parts) > 1 and parts[0] == len(parts) - 1:
        parts = parts[1:]
    try:
        return bytes(parts).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return str(value)


def _mw_to_dbm(v: float) -> Any:
    return 10.0 * math.log10(v) if v > 0 else SKIP


_CONVERSIONS: dict[str, Fn] = {
    "fahrenheit_to_celsius": lambda v: (v - 32.0) * 5.0 / 9.0,
    "mw_to_dbm": _mw_to_dbm,
    "uw_to_dbm": lambda v: _mw_to_dbm(v / 1000.0),
    "dbm_hundredths": lambda v: v / 100.0,
    "dbm_tenths": lambda v: v / 10.0,
    "percent_to_ratio": lambda v: v / 100.0,
    "bps_to_bytes_per_s": lambda v: v / 8,
    "kbps_to_bytes_per_s": lambda v: v * 125,
    "mbps_to_bytes_per_s": lambda v: v * 125_000,
    "centiseconds_to_seconds": lambda v: v / 100.0,
    "ma_to_a": lambda v: v / 1000.0,
    "ua_to_a": lambda v: v / 1_000_000.0,
    "mv_to_v": lambda v: v / 1000.0,
    "kb_to_bytes": lambda v: v * 1000,
    "kib_to_bytes": lambda v: v * 1024,
    "mib_to_bytes": lambda v: v * 1048576,
    "minutes_to_seconds": lambda v: v * 60,
    "kw_to_w": lambda v: v * 1000,
    "wh_to_j": lambda v: v * 3600,
    "kwh_to_j": lambda v: v * 3_600_000,
    "dv_to_v": lambda v: v / 10.0,  # decivolts (UPS / PDU MIBs report 0.1 V)
    # IF-MIB ifOperStatus style code -> 1 when up (code 1) else 0
    "status_to_up": lambda v: 1 if v == 1 else 0,
}


def _numeric(fn: Fn) -> Fn:
    def step(v: Any) -> Any:
        if not isinstance(v, int | float) or isinstance(v, bool):
            if v is OUT_OF_RANGE:
                return v
            v = to_number(v)
            if v is SKIP:
                return SKIP
        try:
            return fn(v)
        except OverflowError:   # an absurd value (a huge int meets a float): that value only
            return OUT_OF_RANGE
    return step


def _map_key(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace").strip()
    return v


ROW_STEPS = ("multiply_by", "divide_by", "subtract_from", "add", "pow10")


def is_row_step(t: Transform) -> bool:
    return any(getattr(t, k) is not None for k in ROW_STEPS)


def row_op(t: Transform) -> tuple[Any, Callable[[Any, Any], Any]]:
    """(field name or AttrRef, op(value, other)) of a row-aware step."""
    if t.multiply_by is not None:
        return t.multiply_by, _guarded(lambda v, o: v * o)
    if t.divide_by is not None:
        return t.divide_by, _guarded(lambda v, o: v / o if o else SKIP)
    if t.subtract_from is not None:
        return t.subtract_from, _guarded(lambda v, o: o - v)
    if t.pow10 is not None:
        times, plus = t.pow10.times, t.pow10.plus
        return t.pow10.field, _guarded(
            lambda v, o: v * 10.0 ** (times * o + plus) if -100 < times * o + plus < 100 else SKIP)
    assert t.add is not None
    return t.add, _guarded(lambda v, o: v + o)


def _guarded(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A row step whose operands may be absurd (a huge int against a float): OUT_OF_RANGE then."""
    def step(v: Any, o: Any) -> Any:
        if v is OUT_OF_RANGE or o is OUT_OF_RANGE:
            return OUT_OF_RANGE
        try:
            return op(v, o)
        except OverflowError:
            return OUT_OF_RANGE
    return step


def compile_step(t: Transform, enums: Mapping[int, str] | None = None) -> Fn:
    if is_row_step(t):
        raise ValueError("row-aware steps (multiply_by, divide_by, subtract_from, add) only go in rule transforms")
    if t.scale is not None:
        k = t.scale
        return _numeric(lambda v: v * k)
    if t.divide is not None:
        d = t.divide
        return _numeric(lambda v: v / d)
    if t.offset is not None:
        o = t.offset
        return _numeric(lambda v: v + o)
    if t.convert is not None:
        return _numeric(_CONVERSIONS[t.convert])
    if t.map is not None:
        # YAML keys may be ints or strings; match either form of the value
        table: dict[Any, Any] = {}
        for mk, mv in t.map.items():
            table[mk] = mv
            table[str(mk)] = mv
        default: Any = t.default if t.default is not None else SKIP

        def mapper(v: Any) -> Any:
            key = _map_key(v)
            hit = table.get(key, SKIP)
            if hit is SKIP:
                hit = table.get(str(key), default)
            return hit
        return mapper
    if t.regex is not None:
        rx = re.compile(t.regex)

        def extract(v: Any) -> Any:
            s = to_text(v, "ascii") if isinstance(v, bytes) else str(v)
            m = rx.search(s)
            if not m:
                return SKIP
            return m.group(1) if m.groups() else m.group(0)
        return extract
    if t.to_number:
        return to_number
    if t.skip is not None:
        skips = set(t.skip) | {str(s) for s in t.skip}
        return lambda v: SKIP if (_map_key(v) in skips or str(_map_key(v)) in skips) else v
    if t.min is not None:
        lo = t.min
        return _numeric(lambda v: v if v >= lo else SKIP)
    if t.max is not None:
        hi = t.max
        return _numeric(lambda v: v if v <= hi else SKIP)
    if t.format is not None:
        fmt = t.format
        if fmt == "index_string":
            return _index_string
        if fmt == "int":
            return _numeric(int)
        if fmt == "oid":
            return lambda v: str(v).lstrip(".")
        if fmt == "enum":
            return _enum_name(enums or {})
        return lambda v: to_text(v, fmt)
    if t.replace is not None:
        rx = re.compile(t.replace.pattern)
        repl = t.replace.with_
        return lambda v: rx.sub(repl, to_text(v))
    if t.strip:
        return lambda v: to_text(v).strip()
    if t.lower:
        return lambda v: to_text(v).lower()
    if t.round is not None:
        nd = t.round
        return _numeric(lambda v: round(v, nd))
    raise AssertionError(f"unhandled transform {t}")


def _enum_name(names: Mapping[int, str]) -> Fn:
    """A number as its enumeration name; one the schema does not name (a newer IANA value) stays
    the number, and a value that is already text (gNMI identities) stays as it is."""
    def name(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return names.get(v, str(v))
        return v
    return name


def compile_chain(steps: Sequence[Transform], enums: Mapping[int, str] | None = None) -> Fn | None:
    """None when there is nothing to do (the caller then skips the call entirely). ``enums``:
    the names ``format: enum`` gives, from the schema of the column the value came from."""
    fns = [compile_step(t, enums) for t in steps]
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]

    def chain(v: Any) -> Any:
        for f in fns:
            v = f(v)
            if v is SKIP or v is OUT_OF_RANGE:
                return v
        return v
    return chain
