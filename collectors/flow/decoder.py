"""Datagrams in, columns out: NetFlow v5/v9, IPFIX and sFlow v5 decoded in batches.

The per-datagram Python work is only header and flowset walking; record bytes of all data
flowsets that share a template are joined and decoded with one ``np.frombuffer``. Malformed input
is counted (``stats.malformed``) and logged at debug level, never raised.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from netrosetta.collectors.flow import netflow, sflow
from netrosetta.collectors.flow.decoding import (
    HDR_DT,
    Batch,
    Datagram,
    DecodeResult,
    DecodeStats,
    Hdr,
)
from netrosetta.collectors.flow.record import (
    ADDR,
    SCHEMA,
    FlowBatch,
    addr_from_bytes,
)
from netrosetta.collectors.flow.sampling import SamplingTable
from netrosetta.collectors.flow.sections import apply_sections
from netrosetta.collectors.flow.templates import (
    Template,
    TemplateCache,
    TemplateKey,
    domain_scope,
    extract_columns,
)

log = logging.getLogger(__name__)

# an address's second word (bytes 8-15): bytes 8-11 must read 00 00 ff ff for IPv4-mapped
_V4_MASK, _V4_WORD = (np.frombuffer(b, dtype=np.uint64)[0] for b in (b"\xff" * 4 + bytes(4), b"\0\0\xff\xff" + bytes(4)))
NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01


class FlowDecoder:
    def __init__(self, templates: TemplateCache | None = None, sampling: SamplingTable | None = None,
                 hold_seconds: float = 10.0, max_held: int = 10_000, max_held_bytes: int = 16 << 20,
                 max_templates: int = 65_536, strict_scope: Iterable[str] = ()) -> None:
        """``strict_scope``: exporter addresses whose templates apply only to data from the same
        UDP source port (RFC 7011 10.3.1); others fall back to address + observation domain."""
        self.templates = templates if templates is not None else TemplateCache()
        self.strict_scope = frozenset(strict_scope)
        self.sampling = sampling if sampling is not None else SamplingTable()
        self.hold_seconds = hold_seconds
        self.max_held = max_held
        self.max_held_bytes = max_held_bytes      # a flood of unknown-template data cannot grow memory
        self.max_templates = max_templates        # nor can a flood of template definitions
        self.held_bytes = 0
        self.stats = DecodeStats()
        self.exporters: list[str] = []
        self._exporter_ids: dict[str, int] = {}
        self._exporter_addr: list[bytes] = []
        self.held: dict[TemplateKey, list[tuple[bytes, Hdr, float]]] = {}
        self.n_held = 0
        self.sys_init_ms: dict[tuple[str, int], int] = {}  # IPFIX systemInitTimeMilliseconds

    # -- bookkeeping used by the protocol modules -------------------------------------------
    def exporter_id(self, addr: str) -> int:
        i = self._exporter_ids.get(addr)
        if i is None:
            i = len(self.exporters)
            self._exporter_ids[addr] = i
            self.exporters.append(addr)
            try:
                import ipaddress
                self._exporter_addr.append(addr_from_bytes(ipaddress.ip_address(addr).packed))
            except ValueError:
                self._exporter_addr.append(bytes(16))
        return i

    def hold(self, key: TemplateKey, data: bytes, hdr: Hdr, now: float) -> None:
        if self.n_held >= self.max_held or self.held_bytes + len(data) > self.max_held_bytes:
            self.stats.template_missing += 1
            return
        self.held.setdefault(key, []).append((data, hdr, now))
        self.n_held += 1
        self.held_bytes += len(data)

    def scoped_template(self, key: TemplateKey, now: float) -> tuple[Template | None, bool]:
        """The strict scope (address + port + domain) first, then, unless the exporter is
        configured strict, address + domain; the bool says the second one answered."""
        tpl = self.templates.get(key, now)
        if tpl is not None or key[0] in self.strict_scope:
            return tpl, False
        tpl = self.templates.in_domain(key, now)
        return tpl, tpl is not None

    def _count_fit(self, ok: int, bad: int, domain_wide: bool) -> None:
        self.stats.template_layout_mismatch += bad
        if domain_wide:
            self.stats.template_scope_domain += ok
        else:
            self.stats.template_scope_strict += ok

    def template_for(self, key: TemplateKey, nbytes: int, now: float) -> tuple[Template | None, bool]:
        """The template for a data set of ``nbytes`` (after its header) and whether to hold the
        set when there is none. A layout that cannot fit the set's length is never used
        (counted ``template_layout_mismatch``, the set dropped)."""
        tpl, domain_wide = self.scoped_template(key, now)
        if tpl is None:
            return None, True
        fits = tpl.fits(nbytes, exact=domain_wide)
        self._count_fit(int(fits), int(not fits), domain_wide)
        return (tpl, False) if fits else (None, False)

    def fitting(self, tpl: Template, js: list[int], lens: np.ndarray, domain_wide: bool) -> list[int]:
        """The data sets (stream indices into ``lens``, set lengths with header) ``tpl`` fits."""
        rl = tpl.record_len
        if rl:  # one vectorised test for the common fixed-length case
            idx = np.asarray(js, dtype=np.intp)
            n = lens[idx] - 4
            good = (n >= rl) & (n % rl < 4) if domain_wide else n >= rl
            ok = idx[good].tolist() if not good.all() else js
        else:
            ok = [j for j in js if tpl.fits(int(lens[j]) - 4, exact=domain_wide)]
        self._count_fit(len(ok), len(js) - len(ok), domain_wide)
        return ok

    def release(self, batch: Batch, tpl: Template) -> None:
        """A template arrived: decode what was waiting for it (under its own key, and, for an
        exporter not configured strict, data of the same domain held from its other ports)."""
        keys = [tpl.key]
        if tpl.key[0] not in self.strict_scope:
            scope = domain_scope(tpl.key)
            keys += [k for k in self.held if k != tpl.key and domain_scope(k) == scope]
        for key in keys:
            waiting = self.held.pop(key, None)
            if not waiting:
                continue
            self.n_held -= len(waiting)
            self.held_bytes -= sum(len(w[0]) for w in waiting)
            for data, hdr, _ in waiting:
                fits = tpl.fits(len(data), exact=key != tpl.key)
                self._count_fit(int(fits), int(not fits), key != tpl.key)
                if not fits:
                    continue
                hidx = len(batch.hdrs)
                batch.hdrs.append(hdr)
                self.stats.template_late += 1
                netflow.data_flowset(self, batch, tpl, data, 0, len(data), hidx)

    def adopt(self, templates: Iterable[Template]) -> DecodeResult:
        """Templates learnt elsewhere (another worker): take the unknown ones, decode held data."""
        batch = Batch()
        now = time.time()
        for t in templates:
            if self.templates.get(t.key, now) is None and now - t.last_seen <= self.templates.timeout:
                self.templates.put(t)
                self.release(batch, t)
        return self.finish(batch, now)

    def expire_held(self, now: float, everything: bool = False) -> int:
        dropped = 0
        for key in list(self.held):
            keep = [w for w in self.held[key] if not everything and now - w[2] <= self.hold_seconds]
            gone = len(self.held[key]) - len(keep)
            if gone:
                dropped += gone
                self.held_bytes -= sum(len(w[0]) for w in self.held[key]) - sum(len(w[0]) for w in keep)
            if keep:
                self.held[key] = keep
            else:
                del self.held[key]
        self.n_held -= dropped
        self.stats.template_missing += dropped
        return dropped

    # -- entry points -------------------------------------------------------------------------
    def decode(self, datagrams: Iterable[Datagram | tuple[bytes, str, int, int]]) -> DecodeResult:
        """Decode a batch; v9/IPFIX go through the vectorised bulk path (see bulk.py)."""
        from netrosetta.collectors.flow import bulk

        payloads, ids, ports, recv = [], [], [], []
        exporter_id = self.exporter_id
        for payload, addr, port, recv_ns in datagrams:
            payloads.append(payload)
            ids.append(exporter_id(addr))
            ports.append(port)
            recv.append(recv_ns)
        lens = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
        offs = np.zeros(len(payloads), dtype=np.int64)
        if len(lens) > 1:
            np.cumsum(lens[:-1], out=offs[1:])
        return bulk.decode_buffer(self, b"".join(payloads), offs, lens, np.array(ids, dtype=np.int64),
                                  np.array(ports, dtype=np.int64), np.array(recv, dtype=np.uint64))

    def decode_one_slow(self, batch: Batch, payload: bytes, addr: str, port: int, recv_ns: int,
                        now: float) -> None:
        """One datagram through the per-datagram walkers (v5, sFlow, anything irregular)."""
        stats = self.stats
        if len(payload) < 4:
            stats.malformed += 1
            return
        ver = (payload[0] << 8) | payload[1]
        try:
            if ver == 9:
                netflow.v9(self, batch, payload, addr, port, recv_ns, now)
            elif ver == 10:
                netflow.ipfix(self, batch, payload, addr, port, recv_ns, now)
            elif ver == 5:
                netflow.v5(self, batch, payload, addr, recv_ns)
            elif ver == 0 and payload[2] == 0 and payload[3] == 5:
                sflow.datagram(self, batch, payload, recv_ns)
            else:
                stats.unsupported_version += 1
        except (struct.error, IndexError, ValueError, OverflowError) as exc:
            stats.malformed += 1
            log.debug("malformed datagram from %s:%s: %s", addr, port, exc)

    def finish(self, batch: Batch, now: float) -> DecodeResult:
        self.expire_held(now)
        flows = FlowBatch.concat([*batch.parts, self._finish(batch)])
        self.stats.flows += len(flows)
        return DecodeResult(flows, batch.options, batch.counters)

    def decode_one(self, payload: bytes, addr: str = "0.0.0.0", port: int = 0,
                   recv_ns: int | None = None) -> DecodeResult:
        return self.decode([(payload, addr, port, recv_ns if recv_ns is not None else time.time_ns())])

    # -- vectorised finish --------------------------------------------------------------------
    def _finish(self, batch: Batch) -> FlowBatch:
        parts: list[FlowBatch] = []
        hdr = np.array(batch.hdrs, dtype=HDR_DT) if batch.hdrs else np.zeros(0, HDR_DT)
        exp_addr = np.array(self._exporter_addr, dtype=ADDR) if self._exporter_addr else np.zeros(0, ADDR)
        if batch.v5:
            parts.append(netflow.finish_v5(self, batch.v5, hdr, exp_addr))
        for tpl, segs in batch.groups.values():
            rl = tpl.record_len
            assert rl and tpl.dtype is not None
            if len(segs) == 1:
                p, s, n, h = segs[0]
                arr = np.frombuffer(p, dtype=tpl.dtype, count=n // rl, offset=s)
                hidx = np.full(len(arr), h, dtype=np.intp)
            else:
                buf = b"".join([p[s:s + n] for p, s, n, _ in segs])
                arr = np.frombuffer(buf, dtype=tpl.dtype)
                hidx = np.repeat(np.array([h for _, _, _, h in segs], dtype=np.intp),
                                 np.array([n // rl for _, _, n, _ in segs], dtype=np.intp))
            cols = extract_columns(tpl, arr)
            parts.append(self._templated(tpl, cols, hdr[hidx], exp_addr))
        for tpl, recs in batch.varlen.values():
            parts.append(netflow.finish_varlen(self, tpl, recs, hdr, exp_addr))
        if batch.rows:
            parts.append(rows_to_batch(batch.rows))
        return FlowBatch.concat(parts)

    def _templated(self, tpl: Template, cols: dict[str, np.ndarray], h: np.ndarray,
                   exp_addr: np.ndarray) -> FlowBatch:
        n = len(h)
        exporter, _, version, domain, _ = tpl.key
        cols["type"] = h["type"]
        cols["time_received_ns"] = h["recv_ns"]
        cols["sequence_num"] = h["seq"]
        cols["observation_domain_id"] = h["domain"]
        cols["sampler_address"] = exp_addr[h["exp"]]
        finish_times(self, cols, h, version, exporter, domain)
        mask = derive_columns(cols)
        if tpl.sections:
            self.stats.packet_sections += apply_sections(cols, mask)
        if self.templates.names:
            self.templates.names.add_columns(exporter, cols, mask)
        # sampling: per sampler id when records name one, else per exporter/domain
        dkey = (exporter, version, domain)
        if "sampler_id" in cols:
            sid = cols["sampler_id"]
            rates = np.zeros(n, dtype=np.uint64)
            known = np.zeros(n, dtype=bool)
            for s in np.unique(sid).tolist():
                r = self.sampling.sampler_rate(dkey, int(s))
                if r is not None:
                    sel = sid == s
                    rates[sel] = r
                    known |= sel
            cols["sampling_rate"] = rates
            b = FlowBatch(cols, mask)
            if not known.all():
                b.mask["sampling_rate"] = known
            return b
        r = self.sampling.domain_rate(dkey)
        if r is not None:
            cols["sampling_rate"] = np.full(n, r, dtype=np.uint64)
        return FlowBatch(cols, mask)


def finish_times(dec: FlowDecoder, cols: dict[str, np.ndarray], h: np.ndarray, version: int,
                 exporter: str, domain: int) -> None:
    """Turn whichever time elements a template carries into absolute ns since the epoch."""
    for edge in ("start", "end"):
        out = f"time_flow_{edge}_ns"
        ns: np.ndarray | None = None
        if (v := cols.pop(f"_{edge}_ntp", None)) is not None:
            secs = (v >> np.uint64(32)).astype(np.int64) - NTP_EPOCH_OFFSET
            frac = (v & np.uint64(0xFFFFFFFF)).astype(np.uint64)
            ns = (secs * 1_000_000_000 + ((frac * np.uint64(1_000_000_000)) >> np.uint64(32))
                  .astype(np.int64))
        if (v := cols.pop(f"_{edge}_ms", None)) is not None and ns is None:
            ns = v.astype(np.int64) * 1_000_000
        if (v := cols.pop(f"_{edge}_s", None)) is not None and ns is None:
            ns = v.astype(np.int64) * 1_000_000_000
        if (v := cols.pop(f"_{edge}_delta_us", None)) is not None and ns is None:
            ns = h["secs"].astype(np.int64) * 1_000_000_000 - v.astype(np.int64) * 1000
        if (v := cols.pop(f"_{edge}_uptime_ms", None)) is not None and ns is None:
            if version == 9:
                # sysUpTime in the header pairs with unix_secs; the difference is taken as a
                # signed 32-bit value so a wrapped uptime (or a flow stamped just after the
                # header) still lands next to the export time
                delta = (h["uptime"].astype(np.int64) - v.astype(np.int64)).astype(np.uint32).view(np.int32)
                ns = (h["secs"].astype(np.int64) * 1000 - delta) * 1_000_000
            else:
                init = dec.sys_init_ms.get((exporter, domain))
                if init is not None:  # IPFIX: offset from systemInitTimeMilliseconds (options)
                    off = v.astype(np.int64).astype(np.uint32).view(np.int32)
                    ns = (init + off.astype(np.int64)) * 1_000_000
        if ns is not None:
            cols[out] = np.maximum(ns, 0).astype(np.uint64)


def derive_columns(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fill normalized columns computed from others; drop the helper (underscore) columns.

    Returns presence masks for columns only some rows carry."""
    mask: dict[str, np.ndarray] = {}
    tc = cols.pop("_icmp_type_code", None)
    if tc is not None:
        cols.setdefault("icmp_type", tc >> np.uint64(8))
        cols.setdefault("icmp_code", tc & np.uint64(0xFF))
    # exporters that send only running totals (85/86) per finished flow: that is the flow's count
    for total, col in (("_total_bytes", "bytes"), ("_total_packets", "packets")):
        t = cols.pop(total, None)
        if t is not None:
            cols.setdefault(col, t)
    ipv = cols.pop("_ip_version", None)
    if "etype" not in cols:
        if ipv is not None:
            cols["etype"] = np.where(ipv == 6, 0x86DD, 0x0800).astype(np.uint16)
        elif "src_addr" in cols:
            # IPv4-mapped (::ffff:a.b.c.d): bytes 0-9 zero, 10-11 0xff; compared as two words
            w = cols["src_addr"].view(np.uint64).reshape(-1, 2)
            v4 = (w[:, 0] == 0) & ((w[:, 1] & _V4_MASK) == _V4_WORD)
            cols["etype"] = np.where(v4, 0x0800, 0x86DD).astype(np.uint16)
    # label stack entries (3 bytes: 20-bit label, TC, bottom-of-stack bit): an entry counts
    # when it is non-zero and no earlier entry closed the stack
    open_stack: np.ndarray | None = None
    for i in range(1, 7):
        entry = cols.pop(f"_mpls{i}", None)
        if entry is None:
            break
        present = entry != 0 if open_stack is None else (entry != 0) & open_stack
        cols[f"mpls_label_{i}"] = entry >> np.uint64(4)
        if not present.all():
            mask[f"mpls_label_{i}"] = present
        open_stack = present & ((entry & np.uint64(1)) == 0)
    for k in list(cols):
        if k.startswith("_"):
            del cols[k]
    for k, v in cols.items():
        dt = SCHEMA.get(k)
        if dt is not None and v.dtype != dt:
            cols[k] = v.astype(dt)
    return mask


def rows_to_batch(rows: list[dict[str, Any]]) -> FlowBatch:
    """Slow-path rows (sFlow samples, variable-length templates) to columns with masks."""
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    cols: dict[str, np.ndarray] = {}
    mask: dict[str, np.ndarray] = {}
    n = len(rows)
    for k in names:
        dt = SCHEMA.get(k)
        present = np.array([k in r for r in rows], dtype=bool)
        if dt is None:
            vals = [r.get(k) for r in rows]
            if all(isinstance(v, int) or v is None for v in vals):
                cols[k] = np.array([v or 0 for v in vals], dtype=np.uint64)
            else:
                cols[k] = np.array(vals, dtype=object)
        elif dt == ADDR:
            cols[k] = np.array([r.get(k, bytes(16)) for r in rows], dtype=ADDR)
        else:
            cols[k] = np.array([r.get(k, 0) for r in rows], dtype=np.uint64).astype(dt)
        if not present.all():
            mask[k] = present
    if n == 0:
        return FlowBatch()
    return FlowBatch(cols, mask)
