"""sFlow v5: flow samples (and expanded), counter samples (and expanded), discarded-packet samples.

Flow samples become normalized rows (bytes = sampled frame length, packets = 1, the sample's
sampling rate kept beside them); counter samples are returned as CounterSample for the metrics
path. Records of unknown formats are skipped by their length and counted.
"""

from __future__ import annotations

import ipaddress
import struct
from typing import TYPE_CHECKING, Any

from netrosetta.collectors.flow.packet import ETH_IPV4, ETH_IPV6, parse_ethernet, parse_ip
from netrosetta.collectors.flow.record import TYPE_SFLOW_5, addr_from_bytes

if TYPE_CHECKING:
    from netrosetta.collectors.flow.decoding import Batch, DecoderState

_U32 = struct.Struct("!I")
MAX_SAMPLES = 4096  # a 64 KiB datagram cannot hold more; guards a forged count

# generic interface counters (format 1): (name, struct code) in wire order
GENERIC_IF = [("ifIndex", "I"), ("ifType", "I"), ("ifSpeed", "Q"), ("ifDirection", "I"), ("ifStatus", "I"),
              ("ifInOctets", "Q"), ("ifInUcastPkts", "I"), ("ifInMulticastPkts", "I"),
              ("ifInBroadcastPkts", "I"), ("ifInDiscards", "I"), ("ifInErrors", "I"),
              ("ifInUnknownProtos", "I"), ("ifOutOctets", "Q"), ("ifOutUcastPkts", "I"),
              ("ifOutMulticastPkts", "I"), ("ifOutBroadcastPkts", "I"), ("ifOutDiscards", "I"),
              ("ifOutErrors", "I"), ("ifPromiscuousMode", "I")]
_GENERIC = struct.Struct("!" + "".join(c for _, c in GENERIC_IF))
ETHERNET_IF = [
    "dot3StatsAlignmentErrors", "dot3StatsFCSErrors", "dot3StatsSingleCollisionFrames",
    "dot3StatsMultipleCollisionFrames", "dot3StatsSQETestErrors", "dot3StatsDeferredTransmissions",
    "dot3StatsLateCollisions", "dot3StatsExcessiveCollisions", "dot3StatsInternalMacTransmitErrors",
    "dot3StatsCarrierSenseErrors", "dot3StatsFrameTooLongs", "dot3StatsInternalMacReceiveErrors",
    "dot3StatsSymbolErrors"]
_ETHERNET = struct.Struct("!13I")


class Reader:
    """Bounds-checked XDR reading over one slice of the datagram."""

    __slots__ = ("b", "end", "off")

    def __init__(self, b: bytes, off: int = 0, end: int | None = None) -> None:
        self.b, self.off = b, off
        self.end = len(b) if end is None else end
        if self.end > len(b):
            raise ValueError("length runs past the datagram")

    def u32(self) -> int:
        if self.off + 4 > self.end:
            raise ValueError("truncated")
        v: int = _U32.unpack_from(self.b, self.off)[0]
        self.off += 4
        return v

    def take(self, n: int) -> bytes:
        if n < 0 or self.off + n > self.end:
            raise ValueError("truncated")
        v = self.b[self.off:self.off + n]
        self.off += (n + 3) & ~3  # XDR pads opaque data to 4 bytes
        return v

    def address(self) -> bytes:
        kind = self.u32()
        if kind == 1:
            return self.take(4)
        if kind == 2:
            return self.take(16)
        if kind == 0:
            return b""
        raise ValueError(f"address type {kind}")


def datagram(dec: DecoderState, batch: Batch, p: bytes, recv_ns: int) -> None:
    from netrosetta.collectors.flow.decoding import CounterSample

    r = Reader(p)
    r.u32()  # version 5
    agent_raw = r.address()
    sub_agent, seq, uptime, nsamples = r.u32(), r.u32(), r.u32(), r.u32()
    if nsamples > MAX_SAMPLES:
        raise ValueError(f"{nsamples} samples claimed")
    agent16 = addr_from_bytes(agent_raw) if agent_raw else bytes(16)
    agent = str(ipaddress.ip_address(agent_raw)) if agent_raw else "0.0.0.0"
    rows: list[dict[str, Any]] = []
    counters: list[CounterSample] = []
    for _ in range(nsamples):
        fmt, length = r.u32(), r.u32()
        s = Reader(p, r.off, r.off + length)
        r.off += length
        enterprise, kind = fmt >> 12, fmt & 0xFFF
        if enterprise != 0:
            dec.stats.sflow_skipped_records += 1
            continue
        base = {"type": TYPE_SFLOW_5, "time_received_ns": recv_ns, "sequence_num": seq,
                "sampler_address": agent16}
        if kind in (1, 3):
            rows.append(_flow_sample(dec, s, kind == 3, base))
        elif kind in (2, 4):
            sample_seq = s.u32()
            if kind == 4:
                s.u32()
                source = s.u32()
            else:
                source = s.u32() & 0xFFFFFF
            c = _counter_records(dec, s)
            counters.append(CounterSample(agent, sub_agent, sample_seq, source, uptime, recv_ns, c))
        elif kind == 5:
            rows.append(_drop_sample(dec, s, base))
        else:
            dec.stats.sflow_skipped_records += 1
    batch.rows.extend(rows)
    batch.counters.extend(counters)
    dec.stats.counter_samples += len(counters)


def _interface(v: int) -> int | None:
    """Compact in/out interface word: format in the top 2 bits, 0 = a single ifIndex."""
    return v & 0x3FFFFFFF if v >> 30 == 0 else None


def _flow_sample(dec: DecoderState, s: Reader, expanded: bool, row: dict[str, Any]) -> dict[str, Any]:
    s.u32()  # sample sequence
    if expanded:
        s.u32()
        s.u32()
    else:
        s.u32()
    rate, pool, drops = s.u32(), s.u32(), s.u32()
    if expanded:
        in_fmt, in_val, out_fmt, out_val = s.u32(), s.u32(), s.u32(), s.u32()
        in_if = in_val if in_fmt == 0 else None
        out_if = out_val if out_fmt == 0 else None
    else:
        in_if, out_if = _interface(s.u32()), _interface(s.u32())
    row.update(sample_pool=pool, sampling_drops=drops, packets=1)
    agent = row["sampler_address"]
    r = dec.sampling.reported(_addr_str(agent), rate)
    if r:
        row["sampling_rate"] = r
    if in_if is not None:
        row["in_if"] = in_if
    if out_if is not None:
        row["out_if"] = out_if
    _flow_records(dec, s, row)
    return row


def _drop_sample(dec: DecoderState, s: Reader, row: dict[str, Any]) -> dict[str, Any]:
    s.u32()  # sample sequence
    s.u32()
    s.u32()  # expanded data source (type, index)
    drops, in_if, out_if, reason = s.u32(), s.u32(), s.u32(), s.u32()
    row.update(sampling_drops=drops, in_if=in_if, out_if=out_if, drop_reason=reason, packets=1)
    _flow_records(dec, s, row)
    return row


def _addr_str(a16: bytes) -> str:
    from netrosetta.collectors.flow.record import addr_to_str
    return addr_to_str(a16)


def _flow_records(dec: DecoderState, s: Reader, row: dict[str, Any]) -> None:
    n = s.u32()
    if n > MAX_SAMPLES:
        raise ValueError(f"{n} flow records claimed")
    for _ in range(n):
        fmt, length = s.u32(), s.u32()
        r = Reader(s.b, s.off, s.off + length)
        s.off += length
        if fmt == 1:  # raw packet header
            proto, frame_len, _stripped, hlen = r.u32(), r.u32(), r.u32(), r.u32()
            header = r.take(hlen)
            row["bytes"] = frame_len
            if proto == 1:
                parse_ethernet(header, row)
            elif proto in (11, 12):
                row["etype"] = ETH_IPV4 if proto == 11 else ETH_IPV6
                parse_ip(header, row["etype"], row)
        elif fmt == 2:  # ethernet frame data
            frame_len = r.u32()
            row.setdefault("bytes", frame_len)
            row.setdefault("src_mac", int.from_bytes(r.take(6), "big"))
            row.setdefault("dst_mac", int.from_bytes(r.take(6), "big"))
            row.setdefault("etype", r.u32())
        elif fmt in (3, 4):  # IPv4 / IPv6 data
            length_ip, proto = r.u32(), r.u32()
            alen = 4 if fmt == 3 else 16
            row.setdefault("bytes", length_ip)
            row.setdefault("proto", proto)
            row.setdefault("src_addr", addr_from_bytes(r.take(alen)))
            row.setdefault("dst_addr", addr_from_bytes(r.take(alen)))
            row.setdefault("src_port", r.u32())
            row.setdefault("dst_port", r.u32())
            row.setdefault("tcp_flags", r.u32())
            row.setdefault("ip_tos", r.u32() & 0xFF)
            row.setdefault("etype", ETH_IPV4 if fmt == 3 else ETH_IPV6)
        elif fmt == 1001:  # extended switch
            row["vlan_id"], _, row["dst_vlan"], _ = r.u32(), r.u32(), r.u32(), r.u32()
        elif fmt == 1002:  # extended router
            nh = r.address()
            if nh:
                row["next_hop"] = addr_from_bytes(nh)
            row["src_net"], row["dst_net"] = r.u32(), r.u32()
        elif fmt == 1003:  # extended gateway
            nh = r.address()
            if nh:
                row["bgp_next_hop"] = addr_from_bytes(nh)
            _as, row["src_as"], _peer = r.u32(), r.u32(), r.u32()
            segments = r.u32()
            last_as = None
            for _ in range(min(segments, 64)):
                _seg_type, count = r.u32(), r.u32()
                for _ in range(min(count, 256)):
                    last_as = r.u32()
            if last_as is not None:
                row["dst_as"] = last_as
        else:
            dec.stats.sflow_skipped_records += 1


def _counter_records(dec: DecoderState, s: Reader) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = s.u32()
    if n > MAX_SAMPLES:
        raise ValueError(f"{n} counter records claimed")
    for _ in range(n):
        fmt, length = s.u32(), s.u32()
        r = Reader(s.b, s.off, s.off + length)
        s.off += length
        if fmt == 1 and length >= _GENERIC.size:
            vals = _GENERIC.unpack_from(r.b, r.off)
            out.update(zip((k for k, _ in GENERIC_IF), vals, strict=True))
            status = out.pop("ifStatus")
            out["ifAdminStatus"] = 1 if status & 1 else 2  # IF-MIB up(1)/down(2)
            out["ifOperStatus"] = 1 if status & 2 else 2
        elif fmt == 2 and length >= _ETHERNET.size:
            out.update(zip(ETHERNET_IF, _ETHERNET.unpack_from(r.b, r.off), strict=True))
        elif fmt == 1005:  # port name
            nlen = r.u32()
            out["ifName"] = r.take(min(nlen, 255)).decode("utf-8", "replace")
        else:
            dec.stats.sflow_skipped_records += 1
    return out
