"""Reading UDP datagrams out of capture files (libpcap and pcapng) and raw .bin / .hex files.

Only what flow decoding needs: Ethernet (with 802.1Q tags), Linux cooked (v1/v2), raw IP and BSD
loopback link types; IPv4/IPv6 carrying UDP. Fragmented or non-UDP packets are skipped and
counted. A capture cut short ends the iteration with a logged warning, never an exception.
"""

from __future__ import annotations

import ipaddress
import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

LINK_NULL, LINK_ETHERNET, LINK_RAW, LINK_SLL, LINK_IPV4, LINK_IPV6, LINK_SLL2 = 0, 1, 101, 113, 228, 229, 276


@dataclass
class UdpPacket:
    payload: bytes
    src: str
    sport: int
    dst: str
    dport: int
    ts_ns: int


@dataclass
class PcapStats:
    packets: int = 0
    udp: int = 0
    skipped: int = 0


def _ip_udp(b: bytes, off: int, stats: PcapStats, ts_ns: int) -> UdpPacket | None:
    if off >= len(b):
        return None
    ver = b[off] >> 4
    if ver == 4 and len(b) >= off + 20:
        ihl = (b[off] & 0x0F) * 4
        frag = struct.unpack_from("!H", b, off + 6)[0]
        if b[off + 9] != 17 or frag & 0x3FFF:  # not UDP, or a fragment
            return None
        total = struct.unpack_from("!H", b, off + 2)[0]
        src, dst = b[off + 12:off + 16], b[off + 16:off + 20]
        udp = off + ihl
        end = min(len(b), off + total) if total else len(b)
    elif ver == 6 and len(b) >= off + 40:
        if b[off + 6] != 17:
            return None
        plen = struct.unpack_from("!H", b, off + 4)[0]
        src, dst = b[off + 8:off + 24], b[off + 24:off + 40]
        udp = off + 40
        end = min(len(b), udp + plen)
    else:
        return None
    if udp + 8 > end:
        return None
    sport, dport, ulen = struct.unpack_from("!HHH", b, udp)
    stop = min(end, udp + ulen) if ulen >= 8 else end
    return UdpPacket(b[udp + 8:stop], str(ipaddress.ip_address(src)), sport,
                     str(ipaddress.ip_address(dst)), dport, ts_ns)


def _link(b: bytes, linktype: int, stats: PcapStats, ts_ns: int) -> UdpPacket | None:
    if linktype == LINK_ETHERNET:
        if len(b) < 14:
            return None
        etype, off = struct.unpack_from("!H", b, 12)[0], 14
        while etype in (0x8100, 0x88A8) and off + 4 <= len(b):
            etype, off = struct.unpack_from("!H", b, off + 2)[0], off + 4
        return _ip_udp(b, off, stats, ts_ns) if etype in (0x0800, 0x86DD) else None
    if linktype in (LINK_RAW, LINK_IPV4, LINK_IPV6):
        return _ip_udp(b, 0, stats, ts_ns)
    if linktype == LINK_SLL:
        return _ip_udp(b, 16, stats, ts_ns)
    if linktype == LINK_SLL2:
        return _ip_udp(b, 20, stats, ts_ns)
    if linktype == LINK_NULL:
        return _ip_udp(b, 4, stats, ts_ns)
    return None


def read_pcap(path: str | Path, stats: PcapStats | None = None) -> Iterator[UdpPacket]:
    """UDP datagrams of a libpcap or pcapng file, in capture order."""
    stats = stats if stats is not None else PcapStats()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NetrosettaError(f"cannot read capture: {exc.strerror}", file=str(path)) from None
    if len(data) < 24:
        raise NetrosettaError("not a pcap/pcapng capture (too short)", file=str(path))
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from _pcapng(data, str(path), stats)
        return
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise NetrosettaError("not a pcap/pcapng capture (unknown magic)", file=str(path))
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    rec = struct.Struct(endian + "IIII")
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = rec.unpack_from(data, off)
        off += 16
        if off + incl > len(data):
            log.warning("%s: capture truncated at byte %d", path, off)
            return
        stats.packets += 1
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        pkt = _link(data[off:off + incl], linktype, stats, ts)
        off += incl
        if pkt is None:
            stats.skipped += 1
        else:
            stats.udp += 1
            yield pkt


def _pcapng(data: bytes, path: str, stats: PcapStats) -> Iterator[UdpPacket]:
    off = 0
    endian = "<"
    links: list[tuple[int, int]] = []  # (linktype, ticks per second) per interface
    while off + 12 <= len(data):
        btype = struct.unpack_from(endian + "I", data, off)[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(endian + "I", data, off + 4)[0]
        if blen < 12 or off + blen > len(data):
            log.warning("%s: pcapng block truncated at byte %d", path, off)
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            links.append((struct.unpack_from(endian + "H", body, 0)[0], 1_000_000))
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            iface, hi, lo, cap = struct.unpack_from(endian + "IIII", body, 0)
            link, tps = links[iface] if iface < len(links) else (LINK_ETHERNET, 1_000_000)
            ticks = (hi << 32) | lo
            stats.packets += 1
            pkt = _link(body[20:20 + cap], link, stats, ticks * (1_000_000_000 // tps))
            if pkt is None:
                stats.skipped += 1
            else:
                stats.udp += 1
                yield pkt
        elif btype == 3 and len(body) >= 4:  # simple packet
            link = links[0][0] if links else LINK_ETHERNET
            stats.packets += 1
            pkt = _link(body[4:], link, stats, 0)
            if pkt is None:
                stats.skipped += 1
            else:
                stats.udp += 1
                yield pkt
        off += blen


def read_hex(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """One datagram per non-empty line of hex digits; yields (line number, bytes)."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(path)) from None
    for lineno, line in enumerate(text.splitlines(), 1):
        s = "".join(line.split())
        if not s or s.startswith("#"):
            continue
        try:
            yield lineno, bytes.fromhex(s)
        except ValueError:
            raise NetrosettaError("not a hex string", file=str(path), line=lineno) from None


@dataclass
class PcapBulk:
    """UDP payloads of a capture as offsets into the file's bytes (no copy per packet)."""

    data: bytes
    offs: np.ndarray      # payload start
    lens: np.ndarray      # payload length
    src: np.ndarray       # (n, 16) uint8 source address, IPv4 mapped
    sport: np.ndarray
    ts_ns: np.ndarray
    packets: int = 0      # frames in the file


def read_pcap_bulk(path: str | Path) -> PcapBulk:
    """Vectorised variant of read_pcap for classic libpcap files (pcapng goes the slow way)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NetrosettaError(f"cannot read capture: {exc.strerror}", file=str(path)) from None
    magic = data[:4]
    little = magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    if len(data) < 24 or not (little or magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d")):
        return _bulk_from_slow(path)
    endian = "<" if little else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    if linktype not in (LINK_ETHERNET, LINK_RAW, LINK_IPV4, LINK_IPV6, LINK_SLL, LINK_NULL):
        return _bulk_from_slow(path)
    incl_at = struct.Struct(endian + "I").unpack_from
    fo: list[int] = []
    append = fo.append
    off, size = 24, len(data)
    # the only sequential part: hop from record header to record header
    while off + 16 <= size:
        nxt = off + 16 + incl_at(data, off + 8)[0]
        if nxt > size:
            log.warning("%s: capture truncated at byte %d", path, off)
            break
        append(off)
        off = nxt
    hdr_off = np.array(fo, dtype=np.int64)
    rec_dt = np.dtype([("sec", endian + "u4"), ("frac", endian + "u4"), ("incl", endian + "u4"),
                       ("orig", endian + "u4")])
    u8all = np.frombuffer(data, dtype=np.uint8)
    hdrs = u8all[hdr_off[:, None] + np.arange(16)].copy().view(rec_dt).reshape(-1) if len(fo) else \
        np.zeros(0, dtype=rec_dt)
    fl = hdrs["incl"].astype(np.int64)
    ts = hdrs["sec"].astype(np.uint64) * np.uint64(1_000_000_000) + \
        hdrs["frac"].astype(np.uint64) * np.uint64(1 if nano else 1000)
    f_off = hdr_off + 16
    f_end = f_off + fl
    u8 = np.frombuffer(data, dtype=np.uint8)
    last = len(u8) - 1

    def at(pos: np.ndarray) -> np.ndarray:
        return u8[np.minimum(pos, last)].astype(np.int64)

    def be16(pos: np.ndarray) -> np.ndarray:
        return (at(pos) << 8) | at(pos + 1)

    if linktype == LINK_ETHERNET:
        l3 = f_off + 14
        et = be16(f_off + 12)
        for _ in range(2):  # up to two VLAN tags
            tagged = (et == 0x8100) | (et == 0x88A8)
            et = np.where(tagged, be16(l3 + 2), et)
            l3 = np.where(tagged, l3 + 4, l3)
        ok = (et == 0x0800) | (et == 0x86DD)
    else:
        l3 = f_off + {LINK_SLL: 16, LINK_NULL: 4}.get(linktype, 0)
        ok = np.ones(len(f_off), dtype=bool)
    v = at(l3) >> 4
    v4 = ok & (v == 4) & (l3 + 20 <= f_end)
    v6 = ok & (v == 6) & (l3 + 40 <= f_end)
    v4 &= (at(l3 + 9) == 17) & ((be16(l3 + 6) & 0x3FFF) == 0)
    v6 &= at(l3 + 6) == 17
    udp = np.where(v4, l3 + (at(l3) & 0x0F) * 4, l3 + 40)
    good = (v4 | v6) & (udp + 8 <= f_end)
    ulen = be16(udp + 4)
    stop = np.where(ulen >= 8, np.minimum(f_end, udp + ulen), f_end)
    idx = np.nonzero(good)[0]
    src = np.zeros((len(idx), 16), dtype=np.uint8)
    l3g, is4 = l3[idx], v4[idx]
    src[is4, 10:12] = 0xFF
    src[is4, 12:16] = u8[l3g[is4, None] + 12 + np.arange(4)]
    src[~is4] = u8[l3g[~is4, None] + 8 + np.arange(16)]
    return PcapBulk(data, udp[idx] + 8, stop[idx] - (udp[idx] + 8), src, be16(udp[idx]),
                    ts[idx], len(f_off))


def _bulk_from_slow(path: str | Path) -> PcapBulk:
    pkts = list(read_pcap(path))
    payloads = [p.payload for p in pkts]
    lens = np.array([len(p) for p in payloads], dtype=np.int64)
    offs = np.zeros(len(lens), dtype=np.int64)
    if len(lens) > 1:
        np.cumsum(lens[:-1], out=offs[1:])
    src = np.zeros((len(pkts), 16), dtype=np.uint8)
    for i, p in enumerate(pkts):
        packed = ipaddress.ip_address(p.src).packed
        src[i] = np.frombuffer((bytes(10) + b"\xff\xff" + packed) if len(packed) == 4 else packed, np.uint8)
    return PcapBulk(b"".join(payloads), offs, lens, src, np.array([p.sport for p in pkts], dtype=np.int64),
                    np.array([p.ts_ns for p in pkts], dtype=np.uint64), len(pkts))
