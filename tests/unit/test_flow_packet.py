"""Raw packet header decoding for sFlow samples: VLANs, MPLS, IPv6 extension headers, tunnels.

Packets are built here byte by byte, so every expected value is what was written."""

from __future__ import annotations

import struct
from typing import Any

from netrosetta.collectors.flow.packet import parse_ethernet
from netrosetta.collectors.flow.record import addr_from_bytes, addr_to_str


def ipv4(src: str, dst: str, proto: int, payload: bytes, tos: int = 0, ttl: int = 64) -> bytes:
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    return struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 7, 0, ttl, proto, 0, s, d) + payload


def eth(etype: int, body: bytes, vlan: int | None = None) -> bytes:
    head = bytes.fromhex("001122334455") + bytes.fromhex("66778899aabb")
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, (3 << 13) | vlan)
    return head + struct.pack("!H", etype) + body


def parsed(frame: bytes) -> dict[str, Any]:
    row: dict[str, Any] = {}
    parse_ethernet(frame, row)
    return {k: addr_to_str(v) if isinstance(v, bytes) else v for k, v in row.items()}


def test_vlan_tcp() -> None:
    tcp = struct.pack("!HHIIBBHHH", 1234, 443, 0, 0, 5 << 4, 0x12, 0, 0, 0)
    r = parsed(eth(0x0800, ipv4("10.0.0.1", "10.0.0.2", 6, tcp, tos=0xB8), vlan=42))
    assert (r["vlan_id"], r["src_addr"], r["dst_addr"], r["src_port"], r["dst_port"], r["tcp_flags"], r["ip_tos"]) \
        == (42, "10.0.0.1", "10.0.0.2", 1234, 443, 0x12, 0xB8)
    assert r["src_mac"] == 0x66778899AABB and r["dst_mac"] == 0x001122334455


def test_mpls_labels_then_ipv4() -> None:
    labels = struct.pack("!II", (16065 << 12) | (0 << 9) | 64, (24305 << 12) | (1 << 8) | 64)
    udp = struct.pack("!HHHH", 5000, 53, 8, 0)
    r = parsed(eth(0x8847, labels + ipv4("192.0.2.1", "192.0.2.2", 17, udp)))
    assert (r["mpls_label_1"], r["mpls_label_2"]) == (16065, 24305)
    assert (r["src_addr"], r["dst_port"], r["proto"]) == ("192.0.2.1", 53, 17)


def test_ipv6_hop_by_hop_to_icmpv6() -> None:
    hbh = bytes([58, 0]) + bytes(6)
    icmp = bytes([143, 0, 0, 0])
    src = bytes.fromhex("fe80" + "00" * 12 + "0001")
    dst = bytes.fromhex("ff02" + "00" * 13 + "16")
    ip6 = struct.pack("!IHBB", 6 << 28, len(hbh + icmp), 0, 1) + src + dst + hbh + icmp
    r = parsed(eth(0x86DD, ip6))
    assert (r["proto"], r["icmp_type"], r["ip_ttl"]) == (58, 143, 1)
    assert r["dst_addr"] == "ff02::16"


def test_gre_tunnel_exposes_outer_and_inner() -> None:
    inner = ipv4("172.16.0.1", "172.16.0.2", 17, struct.pack("!HHHH", 1111, 2222, 8, 0))
    gre = struct.pack("!HH", 0, 0x0800) + inner
    r = parsed(eth(0x0800, ipv4("203.0.113.1", "203.0.113.2", 47, gre)))
    assert (r["outer_src_addr"], r["outer_dst_addr"]) == ("203.0.113.1", "203.0.113.2")
    assert (r["src_addr"], r["dst_addr"], r["src_port"], r["dst_port"], r["proto"]) == \
        ("172.16.0.1", "172.16.0.2", 1111, 2222, 17)


def test_vxlan_inner_frame() -> None:
    inner = eth(0x0800, ipv4("10.9.0.1", "10.9.0.2", 6, struct.pack("!HHIIBBHHH", 1, 2, 0, 0, 80, 2, 0, 0, 0)))
    vx = struct.pack("!HHHH", 40000, 4789, 8 + 8 + len(inner), 0) + bytes([8, 0, 0, 0, 0, 0, 1, 0]) + inner
    r = parsed(eth(0x0800, ipv4("198.51.100.1", "198.51.100.2", 17, vx)))
    assert (r["outer_src_addr"], r["src_addr"], r["dst_port"], r["proto"]) == ("198.51.100.1", "10.9.0.1", 2, 6)


def test_truncated_header_keeps_complete_fields() -> None:
    frame = eth(0x0800, ipv4("10.0.0.1", "10.0.0.2", 6, struct.pack("!HHIIBBHHH", 1, 2, 0, 0, 80, 2, 0, 0, 0)))
    r = parsed(frame[:14 + 20 + 2])  # snap length cut inside the TCP header
    assert r["src_addr"] == "10.0.0.1" and "src_port" not in r
    assert addr_from_bytes(b"\x01\x02\x03\x04")[-4:] == b"\x01\x02\x03\x04"
