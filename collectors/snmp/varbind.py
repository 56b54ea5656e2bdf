"""The SNMP value the SNMP collector hands to its dataset, and the snmprec walk format.

A VarBind is ``(oid, tag, value)``: ``oid`` dotted without a leading dot, ``tag`` the
snmprec/BER type number (see TAG_*), ``value`` an ``int`` for numeric types, ``bytes`` for
OCTET STRING and Opaque, ``str`` for OBJECT IDENTIFIER and IpAddress, ``None`` for
Null/noSuchObject/noSuchInstance/endOfMibView, and the engine's ``OUT_OF_RANGE`` for an integer
no SMI type can hold.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from netrosetta.engine.values import OutOfRange
from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

TAG_INTEGER = 2
TAG_OCTET_STRING = 4
TAG_NULL = 5
TAG_OID = 6
TAG_IPADDRESS = 64
TAG_COUNTER32 = 65
TAG_GAUGE32 = 66
TAG_TIMETICKS = 67
TAG_OPAQUE = 68
TAG_COUNTER64 = 70
TAG_NO_SUCH_OBJECT = 128
TAG_NO_SUCH_INSTANCE = 129
TAG_END_OF_MIB = 130

NUMERIC_TAGS = frozenset({TAG_INTEGER, TAG_COUNTER32, TAG_GAUGE32, TAG_TIMETICKS, TAG_COUNTER64})
COUNTER_TAGS = frozenset({TAG_COUNTER32, TAG_COUNTER64})
TAG_NAMES = {
    TAG_INTEGER: "Integer", TAG_OCTET_STRING: "OctetString", TAG_NULL: "Null", TAG_OID: "ObjectIdentifier",
    TAG_IPADDRESS: "IpAddress", TAG_COUNTER32: "Counter32", TAG_GAUGE32: "Gauge32",
    TAG_TIMETICKS: "TimeTicks", TAG_OPAQUE: "Opaque", TAG_COUNTER64: "Counter64",
}

# SMI ranges (RFC 2578): a value outside its type's range is malformed, never clamped
SMI_RANGE = {
    TAG_INTEGER: (-(1 << 31), (1 << 31) - 1),
    TAG_COUNTER32: (0, (1 << 32) - 1),
    TAG_GAUGE32: (0, (1 << 32) - 1),
    TAG_TIMETICKS: (0, (1 << 32) - 1),
    TAG_COUNTER64: (0, (1 << 64) - 1),
}

Value: TypeAlias = int | bytes | str | OutOfRange | None
VarBind = tuple[str, int, Value]


def in_smi_range(tag: int, value: int) -> bool:
    lo, hi = SMI_RANGE[tag]
    return lo <= value <= hi


@dataclass
class WalkFile:
    """A parsed walk: its varbinds plus the lines that were skipped, with reasons."""

    path: str
    varbinds: list[VarBind]
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _parse_value(tag: int, raw: str, hex_encoded: bool) -> Value:
    if tag in NUMERIC_TAGS:
        n = int(raw)
        if not in_smi_range(tag, n):
            raise ValueError(f"{n if len(raw) < 40 else raw[:20] + '...'} is outside the {TAG_NAMES[tag]} range")
        return n
    if tag in (TAG_OCTET_STRING, TAG_OPAQUE):
        return bytes.fromhex(raw) if hex_encoded else raw.encode("utf-8", "surrogateescape")
    if tag in (TAG_OID, TAG_IPADDRESS):
        return raw.lstrip(".")
    if tag in (TAG_NULL, TAG_NO_SUCH_OBJECT, TAG_NO_SUCH_INSTANCE, TAG_END_OF_MIB):
        return None
    raise ValueError(f"unsupported type tag {tag}")


def _variation_start(type_s: str, raw: str) -> tuple[str, str]:
    """snmpsim's `numeric` variation (`70:numeric|rate=...,offset=N`) read as the value the agent
    starts from (`initial`, else `offset`); other variation modules are not recorded values."""
    tag, _, module = type_s.partition(":")
    if module != "numeric":
        raise ValueError(f"variation type {type_s!r} is not a recorded value")
    params = dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
    start = params.get("initial", params.get("offset", "0")).strip()
    try:
        return tag, str(int(start) if start.lstrip("-").isdigit() else int(float(start)))
    except (ValueError, OverflowError):
        raise ValueError(f"numeric variation without a usable start value: {raw[:40]!r}") from None


def parse_snmprec_line(line: str) -> VarBind:
    """Parse one ``OID|TYPE|VALUE`` line; raises ValueError with a plain reason."""
    parts = line.split("|", 2)
    if len(parts) != 3:
        raise ValueError("expected OID|TYPE|VALUE")
    oid, type_s, raw = parts
    oid = oid.strip().lstrip(".")
    if not oid or not all(p.isdigit() for p in oid.split(".")):
        raise ValueError(f"bad OID {oid!r}")
    type_s = type_s.strip()
    hex_encoded = type_s.endswith("x")
    if ":" in type_s:
        type_s, raw = _variation_start(type_s, raw)
    try:
        tag = int(type_s.rstrip("xe"))
    except ValueError:
        raise ValueError(f"bad type {type_s!r}") from None
    try:
        return oid, tag, _parse_value(tag, raw, hex_encoded)
    except ValueError as exc:
        raise ValueError(f"bad value for type {type_s}: {exc}") from None


def iter_snmprec(lines: Iterable[str], source: str = "<walk>",
                 skipped: list[tuple[int, str]] | None = None) -> Iterator[VarBind]:
    for lineno, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line or line.startswith("#"):
            continue
        try:
            yield parse_snmprec_line(line)
        except ValueError as exc:
            if skipped is not None:         # the caller reports the skips (counted, first one shown)
                log.debug("%s:%d: skipped walk line: %s", source, lineno, exc)
                skipped.append((lineno, str(exc)))
            else:
                log.warning("%s:%d: skipped walk line: %s", source, lineno, exc)


def read_snmprec(path: str | Path) -> WalkFile:
    """Read a snmprec walk; malformed lines are logged and counted, never fatal."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise NetrosettaError(f"cannot read walk: {exc.strerror}", file=str(p)) from None
    skipped: list[tuple[int, str]] = []
    varbinds = list(iter_snmprec(text.splitlines(), str(p), skipped))
    if not varbinds:
        raise NetrosettaError("no valid OID|TYPE|VALUE lines", file=str(p))
    return WalkFile(str(p), varbinds, skipped)


def oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(x) for x in oid.split("."))
