"""NetFlow v5, v9 and IPFIX datagram walking (headers, templates, options); records stay bytes here.

Called by DecoderState for each datagram; anything inconsistent raises ValueError/struct.error,
which the decoder counts as malformed. Record counts are always derived from the bytes present
(the v9 header count is records, not flowsets, and is not trusted for allocation).
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from netrosetta.collectors.flow import fields as F
from netrosetta.collectors.flow.record import (
    ADDR,
    TYPE_IPFIX,
    TYPE_NETFLOW_V5,
    TYPE_NETFLOW_V9,
    FlowBatch,
    addr_from_bytes,
    v4_to_addr,
)
from netrosetta.collectors.flow.sampling import rate_from_options
from netrosetta.collectors.flow.templates import FieldSpec, Template
from netrosetta.collectors.flow.values import V9_SCOPES, decode_value, walk_record

if TYPE_CHECKING:
    from netrosetta.collectors.flow.decoding import Batch, DecoderState, Hdr

_V5_HDR = struct.Struct("!HHIIIIBBH")
_V9_HDR = struct.Struct("!HIIII")
_IPFIX_HDR = struct.Struct("!HIII")
_SET = struct.Struct("!HH")
_FIELD = struct.Struct("!HH")
# 30 days short of 2^63 ns in ms (year 2262): init + a signed 32-bit ms offset, in ns, fits int64
_MAX_INIT_MS = (2**63 - 1) // 1_000_000 - 30 * 86_400_000
log = logging.getLogger(__name__)
_U32 = struct.Struct("!I")

V5_DT = np.dtype([("src", ">u4"), ("dst", ">u4"), ("nh", ">u4"), ("in_if", ">u2"), ("out_if", ">u2"),
                  ("pkts", ">u4"), ("octets", ">u4"), ("first", ">u4"), ("last", ">u4"), ("sport", ">u2"),
                  ("dport", ">u2"), ("pad1", "u1"), ("flags", "u1"), ("proto", "u1"), ("tos", "u1"),
                  ("src_as", ">u2"), ("dst_as", ">u2"), ("src_mask", "u1"), ("dst_mask", "u1"),
                  ("pad2", ">u2")])
assert V5_DT.itemsize == 48


# -- NetFlow v5 -------------------------------------------------------------------------------
def v5(dec: DecoderState, batch: Batch, p: bytes, addr: str, recv_ns: int) -> None:
    _, count, uptime, secs, nsecs, seq, _etype, _eid, sampling = _V5_HDR.unpack_from(p, 0)
    if count == 0 or len(p) < 24 + 48 * count:
        raise ValueError(f"v5 header says {count} records, datagram holds {(len(p) - 24) // 48}")
    rate = dec.sampling.reported(addr, sampling & 0x3FFF) or 0  # top 2 bits are the mode
    hidx = len(batch.hdrs)
    batch.hdrs.append((TYPE_NETFLOW_V5, recv_ns, dec.exporter_id(addr), seq, 0, secs, uptime, rate, nsecs))
    batch.v5.append((p, count, hidx))


def finish_v5(dec: DecoderState, segs: list[tuple[bytes, int, int]], hdr: np.ndarray,
              exp_addr: np.ndarray) -> FlowBatch:
    if len(segs) == 1:
        p, n, h0 = segs[0]
        a = np.frombuffer(p, V5_DT, count=n, offset=24)
        hidx = np.full(n, h0, dtype=np.intp)
    else:
        a = np.frombuffer(b"".join([p[24:24 + 48 * n] for p, n, _ in segs]), V5_DT)
        hidx = np.repeat(np.array([x for _, _, x in segs], dtype=np.intp),
                         np.array([n for _, n, _ in segs], dtype=np.intp))
    h = hdr[hidx]
    # boot time in ns: export time minus uptime; flow times are uptime offsets from it
    boot = h["secs"].astype(np.int64) * 1_000_000_000 + h["nsecs"].astype(np.int64) \
        - h["uptime"].astype(np.int64) * 1_000_000
    cols: dict[str, np.ndarray] = {
        "type": h["type"], "time_received_ns": h["recv_ns"], "sequence_num": h["seq"],
        "sampler_address": exp_addr[h["exp"]], "observation_domain_id": h["domain"],
        "time_flow_start_ns": np.maximum(boot + a["first"].astype(np.int64) * 1_000_000, 0).astype(np.uint64),
        "time_flow_end_ns": np.maximum(boot + a["last"].astype(np.int64) * 1_000_000, 0).astype(np.uint64),
        "bytes": a["octets"].astype(np.uint64), "packets": a["pkts"].astype(np.uint64),
        "src_addr": v4_to_addr(a["src"]), "dst_addr": v4_to_addr(a["dst"]),
        "etype": np.full(len(a), 0x0800, dtype=np.uint16),
        "proto": a["proto"].copy(), "src_port": a["sport"].astype(np.uint16),
        "dst_port": a["dport"].astype(np.uint16), "in_if": a["in_if"].astype(np.uint32),
        "out_if": a["out_if"].astype(np.uint32), "next_hop": v4_to_addr(a["nh"]),
        "tcp_flags": a["flags"].astype(np.uint16), "ip_tos": a["tos"].copy(),
        "src_as": a["src_as"].astype(np.uint32), "dst_as": a["dst_as"].astype(np.uint32),
        "src_net": a["src_mask"].copy(), "dst_net": a["dst_mask"].copy(),
        "sampling_rate": h["rate"].astype(np.uint64),
    }
    b = FlowBatch(cols)
    known = h["rate"] > 0
    if not known.all():
        b.mask["sampling_rate"] = known
    return b


# -- NetFlow v9 and IPFIX: one set walker ------------------------------------------------------
@dataclass(frozen=True)
class SetLayout:
    """What differs between NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) set walking."""

    version: int
    header_len: int       # message header before the first set
    template_set: int
    options_set: int
    ipfix: bool           # enterprise bit in field specifiers, template withdrawal, reserved ids

    def is_template_set(self, set_id: int) -> bool:
        return set_id in (self.template_set, self.options_set)


V9 = SetLayout(9, 20, 0, 1, ipfix=False)
IPFIX = SetLayout(10, 16, 2, 3, ipfix=True)
LAYOUTS = {9: V9, 10: IPFIX}


def v9(dec: DecoderState, batch: Batch, p: bytes, addr: str, port: int, recv_ns: int, now: float) -> None:
    _count, uptime, secs, seq, source_id = _V9_HDR.unpack_from(p, 2)
    hdr: Hdr = (TYPE_NETFLOW_V9, recv_ns, dec.exporter_id(addr), seq, source_id, secs, uptime, 0, 0)
    walk_sets(dec, batch, p, len(p), V9, (addr, port, 9, source_id), hdr, now)


def ipfix(dec: DecoderState, batch: Batch, p: bytes, addr: str, port: int, recv_ns: int, now: float) -> None:
    length, export_time, seq, domain = _IPFIX_HDR.unpack_from(p, 2)
    if length != len(p):
        # seen in the field (Telegraf issue 14370): the header length disagrees with the UDP
        # payload; sets are still bounds-checked against the bytes actually received
        dec.stats.length_mismatch += 1
    hdr: Hdr = (TYPE_IPFIX, recv_ns, dec.exporter_id(addr), seq, domain, export_time, 0, 0, 0)
    walk_sets(dec, batch, p, len(p), IPFIX, (addr, port, 10, domain), hdr, now)


def walk_sets(dec: DecoderState, batch: Batch, p: bytes, end: int, layout: SetLayout,
              kbase: tuple[str, int, int, int], hdr: Hdr, now: float) -> None:
    """Every set of one message in order: templates stored, data decoded or held."""
    hidx = -1
    off = layout.header_len
    while off + 4 <= end:
        sid, slen = _SET.unpack_from(p, off)
        if slen == 0 and not any(p[off:end]):
            break  # zero fill after the last set (seen from softflowd): padding, not damage
        if slen < 4 or off + slen > end:
            raise ValueError(f"set length {slen} at offset {off} overruns the message")
        if sid >= 256:
            key = (*kbase, sid)
            tpl, wait = dec.template_for(key, slen - 4, now)
            if tpl is None:
                if wait:
                    dec.hold(key, p[off + 4:off + slen], hdr, now)
            else:
                if hidx < 0:
                    hidx = len(batch.hdrs)
                    batch.hdrs.append(hdr)
                data_flowset(dec, batch, tpl, p, off + 4, off + slen, hidx)
        elif layout.is_template_set(sid):
            template_set(dec, batch, p, off + 4, off + slen, kbase, layout, sid, now)
        elif layout.ipfix:
            raise ValueError(f"reserved set id {sid}")
        off += slen


def template_set(dec: DecoderState, batch: Batch, p: bytes, off: int, end: int,
                 kbase: tuple[str, int, int, int], layout: SetLayout, set_id: int, now: float) -> None:
    """One (options) template set. v9 options headers give scope/option lengths in bytes, IPFIX
    options headers give the field and scope counts; both become (fields, scope count)."""
    options = set_id == layout.options_set
    hdr_len = 6 if options else 4
    while off + hdr_len <= end:
        if options:
            tid, a, b = struct.unpack_from("!HHH", p, off)
        else:
            (tid, a), b = _SET.unpack_from(p, off), 0
        off += hdr_len
        if tid < 256:
            break  # padding at the end of the set
        if options and not layout.ipfix:
            if a % 4 or b % 4 or off + a + b > end:
                raise ValueError("options template lengths do not fit the flowset")
            count, scope = (a + b) // 4, a // 4
        else:
            count, scope = a, b
        if count == 0 and layout.ipfix:  # RFC 7011 8.1 template withdrawal
            dec.templates.drop((*kbase, tid))
            continue
        if count == 0 or scope > count:
            raise ValueError(f"template {tid} with {count} fields / {scope} scope fields")
        flds: list[FieldSpec] = []
        for _ in range(count):
            ie, ln = _FIELD.unpack_from(p, off)
            off += 4
            pen = 0
            if layout.ipfix and ie & 0x8000:
                (pen,) = _U32.unpack_from(p, off)
                off += 4
                ie &= 0x7FFF
            if off > end:
                raise ValueError("template runs past its set")
            flds.append((ie, ln, pen))
        _refuse_empty_layout(tid, flds)
        _store(dec, batch, Template((*kbase, tid), flds, scope_count=scope, is_options=options), now)


def _store(dec: DecoderState, batch: Batch, tpl: Template, now: float) -> None:
    dec.stats.templates += 1
    old = dec.templates.get(tpl.key)
    batch.events.append((tpl.key, old))  # the bulk path needs to know what a batch redefined
    if old is not None and old.fields == tpl.fields and old.scope_count == tpl.scope_count:
        old.last_seen = now  # a refresh keeps the compiled object (and its batch group)
        tpl = old
    else:
        if old is None and len(dec.templates) >= dec.max_templates:
            dec.templates.expire(now)
            if len(dec.templates) >= dec.max_templates:
                dec.stats.templates_refused += 1
                return
        tpl.last_seen = now
        dec.templates.put(tpl)
        dec.stats.unknown_elements += tpl.unknown_elements
    dec.release(batch, tpl)


# -- data -------------------------------------------------------------------------------------
def data_flowset(dec: DecoderState, batch: Batch, tpl: Template, p: bytes, start: int, end: int,
                 hidx: int) -> None:
    if tpl.is_options:
        _options_data(dec, batch, tpl, p, start, end)
        return
    rl = tpl.record_len
    if rl is None:
        _varlen_data(dec, batch, tpl, p, start, end, hidx)
        return
    if rl == 0:
        raise ValueError(f"template {tpl.key[-1]} has zero-length records")
    n = (end - start) // rl  # what is left over is padding
    if n:
        batch.segment(tpl, p, start, n * rl, hidx)


def _refuse_empty_layout(tid: int, flds: list[tuple[int, int, int]]) -> None:
    """A template whose records take no bytes (every field zero-length) is malformed: a record
    walk over it never advances. One zero-length field among others is what some exporters send
    (telegraf's issue_14370 capture: IE 150 with length 0 beside real fields) and stays decodable."""
    if not any(ln for _ie, ln, _pen in flds):
        raise ValueError(f"template {tid} has no field with a length (records would take no bytes)")


def _records(tpl: Template, p: bytes, start: int, end: int) -> list[list[bytes]]:
    out = []
    off = start
    while end - off >= max(tpl.min_len, 1):
        got = walk_record(tpl.fields, p, off, end)
        if got is None:
            break  # trailing padding, or a truncated record: the rest is not decodable
        vals, nxt = got
        if nxt <= off:
            break  # no progress (all fields empty): stop rather than loop forever
        off = nxt
        out.append(vals)
    return out


def _options_data(dec: DecoderState, batch: Batch, tpl: Template, p: bytes, start: int, end: int) -> None:
    from netrosetta.collectors.flow.decoding import OptionsRecord

    exporter, _, version, domain, tid = tpl.key
    for vals in _records(tpl, p, start, end):
        rec: dict[str, Any] = {}
        for i, ((ie, _ln, pen), raw) in enumerate(zip(tpl.fields, vals, strict=True)):
            if version == 9 and i < tpl.scope_count and ie in V9_SCOPES:
                name = V9_SCOPES[ie]
                rec[name] = int.from_bytes(raw, "big") if len(raw) <= 8 else "0x" + raw.hex()
                continue
            el = F.element(ie, pen)
            rec.setdefault(el.name, decode_value(el, raw))
        dec.stats.options_records += 1
        batch.options.append(OptionsRecord(exporter, version, domain, tid, rec))
        if dec.templates.names.learn(exporter, rec):
            dec.templates.dirty = True
        nums = {k: v for k, v in rec.items() if isinstance(v, int)}
        rate = rate_from_options(nums)
        if rate:
            sid = nums.get("samplerId", nums.get("selectorId"))
            dec.sampling.learn((exporter, version, domain), rate, sid)
        if "systemInitTimeMilliseconds" in nums:
            init = nums["systemInitTimeMilliseconds"]
            if 0 <= init < _MAX_INIT_MS:
                dec.sys_init_ms[(exporter, domain)] = init
            else:  # ns arithmetic in int64 would overflow: skip the value, keep the record
                dec.stats.absurd_values += 1
                log.debug("systemInitTimeMilliseconds %d from %s out of range, ignored", init, exporter)


def _varlen_data(dec: DecoderState, batch: Batch, tpl: Template, p: bytes, start: int, end: int,
                 hidx: int) -> None:
    rows = _records(tpl, p, start, end)
    if rows:
        batch.varlen.setdefault(id(tpl), (tpl, []))[1].extend((r, hidx) for r in rows)


def finish_varlen(dec: DecoderState, tpl: Template, recs: list[tuple[list[bytes], int]],
                  hdr: np.ndarray, exp_addr: np.ndarray) -> FlowBatch:
    """Variable-length records: per-field Python decode, then the same finishing as fixed ones."""
    cols: dict[str, list[Any]] = {}
    for i, (ie, _ln, pen) in enumerate(tpl.fields):
        el = F.element(ie, pen)
        name = el.column or el.name
        if name in cols or el.id == 210:
            continue
        vals: list[Any] = []
        for r, _ in recs:
            raw = r[i]
            if el.kind == F.SECTION:
                vals.append(raw)  # parsed by sections.py after the record's own fields
            elif el.column is None:
                vals.append(decode_value(el, raw))
            elif el.kind in (F.IP4, F.IP6):
                vals.append(addr_from_bytes(raw) if len(raw) in (4, 16) else bytes(16))
            else:
                vals.append(int.from_bytes(raw[-8:], "big"))
        cols[name] = vals
    arrays: dict[str, np.ndarray] = {}
    for k, vals in cols.items():
        el_is_addr = any(isinstance(v, bytes) and len(v) == 16 for v in vals[:1]) and k.endswith(
            ("addr", "hop"))
        if el_is_addr:
            arrays[k] = np.array(vals, dtype=ADDR)
        elif all(isinstance(v, int) for v in vals):
            arrays[k] = np.array(vals, dtype=np.uint64)
        else:
            arrays[k] = np.array(vals, dtype=object)
    hidx = np.array([h for _, h in recs], dtype=np.intp)
    return dec._templated(tpl, arrays, hdr[hidx], exp_addr)
