"""Per-field value decoding for the slow paths (options records, variable-length templates)."""

from __future__ import annotations

import ipaddress
from typing import Any

from netrosetta.collectors.flow import fields as F
from netrosetta.collectors.flow.record import mac_to_str

# v9 options scope field types (RFC 3954 6.1) share numbers with elements 1..5 but mean scopes.
V9_SCOPES = {1: "scope_system", 2: "scope_interface", 3: "scope_line_card", 4: "scope_cache",
             5: "scope_template"}


def decode_value(el: F.Element, raw: bytes) -> Any:
    """One field to a JSON-friendly Python value."""
    kind = el.kind
    if kind == F.U:
        return int.from_bytes(raw, "big") if len(raw) <= 8 else "0x" + raw.hex()
    if kind == F.IP4 and len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    if kind == F.IP6 and len(raw) == 16:
        return str(ipaddress.IPv6Address(raw))
    if kind == F.MAC and len(raw) == 6:
        return mac_to_str(int.from_bytes(raw, "big"))
    if kind == F.STR:
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    if kind == F.NTP64 and len(raw) == 8:
        return int.from_bytes(raw, "big")
    return "0x" + raw.hex()


def walk_record(fields: list[tuple[int, int, int]], data: bytes | memoryview, off: int, end: int
                ) -> tuple[list[bytes], int] | None:
    """Split one record into raw field values; None if it does not fit (truncated/malformed)."""
    out: list[bytes] = []
    for _ie, ln, _pen in fields:
        if ln == F.VARLEN:  # RFC 7011 7: 1-byte length, or 255 then a 2-byte length
            if off >= end:
                return None
            ln = data[off]
            off += 1
            if ln == 255:
                if off + 2 > end:
                    return None
                ln = (data[off] << 8) | data[off + 1]
                off += 2
        if off + ln > end:
            return None
        out.append(bytes(data[off:off + ln]))
        off += ln
    return out, off
