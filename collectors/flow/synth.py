"""Synthetic traffic captures for the lab and tests: our own packets, nobody's recorded data.

``write_pcap`` lays out Ethernet/IPv4|IPv6/TCP|UDP frames for a list of SynthFlow, so a test
knows the exact packets and bytes (IP total length) an exporter such as softflowd should report.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SynthFlow:
    src: str
    dst: str
    sport: int
    dport: int
    proto: int            # 6 or 17
    packets: int
    payload: int          # L4 payload bytes per packet

    @property
    def v6(self) -> bool:
        return ":" in self.src

    @property
    def ip_bytes_per_packet(self) -> int:
        l4 = (20 if self.proto == 6 else 8) + self.payload
        return l4 + (40 if self.v6 else 20)


def _csum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(f: SynthFlow, seq: int, flags: int = 0x18) -> bytes:
    body = bytes((i * 7 + seq) & 0xFF for i in range(f.payload))
    if f.proto == 6:
        l4 = struct.pack("!HHIIBBHHH", f.sport, f.dport, 1000 + seq, 0, 5 << 4, flags, 65535, 0, 0) + body
    else:
        l4 = struct.pack("!HHHH", f.sport, f.dport, 8 + len(body), 0) + body
    if f.v6:
        ip = struct.pack("!IHBB", 6 << 28, len(l4), f.proto, 64) + ipaddress.IPv6Address(f.src).packed + \
            ipaddress.IPv6Address(f.dst).packed
        etype = 0x86DD
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), seq & 0xFFFF, 0x4000, 64, f.proto, 0,
                          ipaddress.IPv4Address(f.src).packed, ipaddress.IPv4Address(f.dst).packed)
        ip = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
        etype = 0x0800
    eth = bytes.fromhex("020000000002") + bytes.fromhex("020000000001") + struct.pack("!H", etype)
    return eth + ip + l4


def write_pcap(path: Path, flows: list[SynthFlow], start: float = 1_700_000_000.0, gap: float = 0.01) -> None:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    t = start
    for i in range(max(f.packets for f in flows)):
        for f in flows:
            if i < f.packets:
                fin = 0x11 if (f.proto == 6 and i == f.packets - 1) else 0x18
                fr = frame(f, i, fin)
                sec, usec = int(t), int((t - int(t)) * 1e6)
                out.append(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
                t += gap
    path.write_bytes(b"".join(out))
