"""Packet sections in NetFlow v9 / IPFIX records (IE 313/314/315): the flow's packet, parsed.

Routers exporting encapsulated traffic (SRv6, IP-in-IP, GRE) describe one packet twice: the
template's address fields carry the outer header, and a packet section carries the packet itself
(``dataLinkFrameSection`` 315 from the frame, ``ipHeaderPacketSection`` 313 from the IP header,
``ipPayloadPacketSection`` 314 after it). The bytes go through the header parser the sFlow path
uses (packet.py), so both paths report tunnels the same way: the inner five-tuple as the flow's
``src_addr``/``dst_addr``/``proto``/ports, the outer pair as ``outer_src_addr``/``outer_dst_addr``.

A section that describes the same packet as the record's fields only fills what the record left
out; a record field is never overwritten with a value the section does not carry. The section
bytes themselves are not exported once parsed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netrosetta.collectors.flow import packet
from netrosetta.collectors.flow.record import SCHEMA

# element name -> which parser entry point its bytes start at
SECTIONS = {"dataLinkFrameSection": "frame", "ipHeaderPacketSection": "ip", "ipPayloadPacketSection": "payload"}
# what the record and the section both describe: replaced together when the section is the inner packet
_FLOW_KEY = ("src_addr", "dst_addr", "proto", "src_port", "dst_port", "tcp_flags", "icmp_type", "icmp_code",
             "etype")
_L4 = ("src_port", "dst_port", "tcp_flags", "icmp_type", "icmp_code")


def parse_section(where: str, raw: bytes, record: dict[str, Any]) -> dict[str, Any]:
    """Header fields of one section; ``record`` (its flow-key fields) supplies the protocol and
    addresses an IP payload section continues from."""
    row: dict[str, Any] = {}
    if not raw:
        return row
    if where == "frame":
        packet.parse_ethernet(raw, row)
    elif where == "ip":
        etype = packet.ETH_IPV4 if raw[0] >> 4 == 4 else packet.ETH_IPV6 if raw[0] >> 4 == 6 else 0
        if etype:
            packet.parse_ip(raw, etype, row)
    elif "proto" in record:
        # the payload after the record's own IP header: a transport header, or the inner packet
        # of an IP-in-IP / 6in4 / GRE tunnel whose outer pair is the record's address fields
        for k in ("src_addr", "dst_addr"):
            if k in record:
                row[k] = record[k]
        row["proto"] = record["proto"]
        packet.parse_l4(raw, record["proto"], row, 0)
        if "outer_src_addr" not in row:  # not a tunnel: only the transport fields are new
            for k in ("src_addr", "dst_addr", "proto"):
                row.pop(k, None)
    return row


def merge(record: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    """What changes in one record (value None: the field no longer applies)."""
    if not parsed:
        return {}
    inner = "outer_src_addr" in parsed or (
        "src_addr" in parsed and "src_addr" in record and parsed["src_addr"] != record["src_addr"])
    if not inner:  # the same packet: fill the gaps only
        return {k: v for k, v in parsed.items() if k not in record}
    out: dict[str, Any] = {}
    if "outer_src_addr" not in parsed and "src_addr" in record:
        # the section holds only the inner packet: the record's own pair is the outer header
        out["outer_src_addr"] = record["src_addr"]
        out["outer_dst_addr"] = record.get("dst_addr")
    for k in _FLOW_KEY:
        if k in parsed:
            out[k] = parsed[k]
        elif k in _L4 and k in record:
            out[k] = None  # the outer header's transport fields do not describe the inner flow
    for k, v in parsed.items():
        if k.startswith("outer_") or k not in record:
            out.setdefault(k, v)
    return out


def apply_sections(cols: dict[str, np.ndarray], mask: dict[str, np.ndarray]) -> int:
    """Parse every section column of a template's records into the normalized columns (in
    place); returns how many records had a section parsed."""
    present = [name for name in SECTIONS if name in cols]
    if not present:
        return 0
    n = len(next(iter(cols.values())))
    raws = {name: _as_bytes(cols.pop(name)) for name in present}
    has = {name: mask.pop(name, None) for name in present}
    keys = [k for k in _FLOW_KEY if k in cols]
    vals = {k: cols[k].tolist() for k in keys}
    km = {k: mask[k].tolist() for k in keys if k in mask}
    updates: list[dict[str, Any]] = []
    parsed_n = 0
    for i in range(n):
        record = {k: vals[k][i] for k in keys if k not in km or km[k][i]}
        change: dict[str, Any] = {}
        for name in present:  # frame first: the widest view of the packet
            m = has[name]
            if m is not None and not m[i]:
                continue
            got = merge({**record, **{k: v for k, v in change.items() if v is not None}},
                        parse_section(SECTIONS[name], raws[name][i], record))
            if got:
                change.update(got)
        if change:
            parsed_n += 1
        updates.append(change)
    _write(cols, mask, updates, n)
    return parsed_n


def _as_bytes(col: np.ndarray) -> list[bytes]:
    if col.dtype.kind == "V":
        return [bytes(v) for v in col]
    return [bytes(v) if isinstance(v, (bytes, bytearray)) else b"" for v in col.tolist()]


def _write(cols: dict[str, np.ndarray], mask: dict[str, np.ndarray], updates: list[dict[str, Any]],
           n: int) -> None:
    touched = {k for u in updates for k in u}
    for k in touched:
        dt = SCHEMA.get(k)
        if dt is None:
            continue
        arr = cols[k].astype(dt) if k in cols else np.zeros(n, dtype=dt)
        had = mask.get(k)
        has = (had.copy() if had is not None else np.ones(n, dtype=bool)) if k in cols else np.zeros(n, dtype=bool)
        for i, u in enumerate(updates):
            if k not in u:
                continue
            v = u[k]
            if v is None:
                has[i] = False
            else:
                arr[i] = v
                has[i] = True
        cols[k] = arr
        if has.all():
            mask.pop(k, None)
        else:
            mask[k] = has
