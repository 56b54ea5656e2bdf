"""Sampled packet headers (sFlow raw header records): Ethernet/802.1Q/MPLS, IPv4/IPv6, TCP/UDP/ICMP.

Used for sFlow raw header records and for NetFlow v9/IPFIX packet sections (sections.py).
Tunnels (IP-in-IP, 6in4, GRE, VXLAN on 4789; SRv6 through its routing header) are followed one level: the inner addresses become the
record's src/dst and the outer pair goes to ``outer_src_addr``/``outer_dst_addr``. A header cut
short by the sampler's snap length yields whatever fields were complete.
"""

from __future__ import annotations

from typing import Any

from netrosetta.collectors.flow.record import addr_from_bytes

ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ, ETH_MPLS = 0x0800, 0x86DD, 0x8100, 0x88A8, 0x8847
VXLAN_PORT = 4789


def _u16(b: bytes, o: int) -> int:
    return (b[o] << 8) | b[o + 1]


def parse_ethernet(b: bytes, row: dict[str, Any], depth: int = 0) -> None:
    if len(b) < 14:
        return
    row["dst_mac"] = int.from_bytes(b[0:6], "big")
    row["src_mac"] = int.from_bytes(b[6:12], "big")
    etype = _u16(b, 12)
    off = 14
    while etype in (ETH_VLAN, ETH_QINQ) and off + 4 <= len(b):
        tci = _u16(b, off)
        row.setdefault("vlan_id", tci & 0x0FFF)  # outermost tag is the VLAN the port saw
        etype = _u16(b, off + 2)
        off += 4
    if etype == ETH_MPLS:
        n = 0
        while off + 4 <= len(b):
            entry = int.from_bytes(b[off:off + 4], "big")
            off += 4
            n += 1
            if n <= 6:
                row[f"mpls_label_{n}"] = entry >> 12
            if entry & 0x100:  # bottom of stack
                break
        if off < len(b):
            etype = ETH_IPV4 if b[off] >> 4 == 4 else ETH_IPV6 if b[off] >> 4 == 6 else 0
    row["etype"] = etype
    parse_ip(b[off:], etype, row, depth)


def parse_ip(b: bytes, etype: int, row: dict[str, Any], depth: int = 0) -> None:
    """IP header onwards; ``etype`` ends up naming the family of the innermost src/dst pair."""
    if etype in (ETH_IPV4, ETH_IPV6) and len(b) >= 20 and b[0] >> 4 == (4 if etype == ETH_IPV4 else 6):
        row["etype"] = etype
    if etype == ETH_IPV4 and len(b) >= 20 and b[0] >> 4 == 4:
        ihl = (b[0] & 0x0F) * 4
        row["ip_tos"] = b[1]
        row["fragment_id"] = _u16(b, 4)
        row["fragment_offset"] = _u16(b, 6) & 0x1FFF
        row["ip_ttl"] = b[8]
        proto = b[9]
        row["proto"] = proto
        row["src_addr"] = addr_from_bytes(b[12:16])
        row["dst_addr"] = addr_from_bytes(b[16:20])
        if row["fragment_offset"] == 0:
            parse_l4(b[ihl:], proto, row, depth)
    elif etype == ETH_IPV6 and len(b) >= 40 and b[0] >> 4 == 6:
        word = int.from_bytes(b[0:4], "big")
        row["ip_tos"] = (word >> 20) & 0xFF
        row["ipv6_flow_label"] = word & 0xFFFFF
        proto = b[6]
        row["ip_ttl"] = b[7]
        row["src_addr"] = addr_from_bytes(b[8:24])
        row["dst_addr"] = addr_from_bytes(b[24:40])
        off = 40
        # walk hop-by-hop, routing and destination options headers to reach the transport
        while proto in (0, 43, 60) and off + 8 <= len(b):
            proto, off = b[off], off + (b[off + 1] + 1) * 8
        row["proto"] = proto
        parse_l4(b[off:], proto, row, depth)


def _inner(row: dict[str, Any]) -> None:
    """Called before parsing an encapsulated packet: keep the outer pair aside."""
    for k in ("src_addr", "dst_addr"):
        if k in row:
            row[f"outer_{k}"] = row.pop(k)
    for k in ("src_port", "dst_port", "tcp_flags", "icmp_type", "icmp_code"):
        row.pop(k, None)


def parse_l4(b: bytes, proto: int, row: dict[str, Any], depth: int) -> None:
    if proto in (6, 17) and len(b) >= 4:
        row["src_port"] = _u16(b, 0)
        row["dst_port"] = _u16(b, 2)
        if proto == 6 and len(b) >= 14:
            row["tcp_flags"] = b[13]
        if proto == 17 and row["dst_port"] == VXLAN_PORT and depth == 0 and len(b) >= 16 + 14:
            _inner(row)
            parse_ethernet(b[16:], row, depth + 1)
    elif proto in (1, 58) and len(b) >= 2:
        row["icmp_type"] = b[0]
        row["icmp_code"] = b[1]
    elif proto in (4, 41) and depth == 0:
        _inner(row)
        parse_ip(b, ETH_IPV4 if proto == 4 else ETH_IPV6, row, depth + 1)
    elif proto == 47 and depth == 0 and len(b) >= 4:
        flags, gre_proto = _u16(b, 0), _u16(b, 2)
        off = 4 + (4 if flags & 0x8000 else 0) + (4 if flags & 0x2000 else 0) + (4 if flags & 0x1000 else 0)
        if gre_proto in (ETH_IPV4, ETH_IPV6):
            _inner(row)
            parse_ip(b[off:], gre_proto, row, depth + 1)
        elif gre_proto == 0x6558:  # transparent Ethernet bridging
            _inner(row)
            parse_ethernet(b[off:], row, depth + 1)
