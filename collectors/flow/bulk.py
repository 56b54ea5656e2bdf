"""The vectorised path: many NetFlow v9 / IPFIX datagrams in one buffer, decoded with numpy.

Headers and flowset headers of every datagram are read as arrays (one numpy pass per flowset
position); data flowsets are grouped by template key, their record bytes joined and viewed
through the template's dtype in one go. Only template flowsets (rare), options and
variable-length data, and irregular datagrams (other versions, damaged structure, IPFIX length
mismatch) take the per-datagram Python walkers in netflow.py / sflow.py.

Ordering: a template applies to data after it in the batch; data before any template of its key
uses the template cached before the batch. A template inside a damaged datagram (slow path) only
reaches data of later batches.

``buf`` may be a buffer the caller reuses once this returns (the listener's read-ahead pool):
nothing returned or kept refers into it (numpy gathers copy; the rare paths get ``bytes`` pieces).
"""

from __future__ import annotations

import bisect
import mmap
import struct
import time
from typing import TYPE_CHECKING

import numpy as np

from netrosetta.collectors.flow import netflow
from netrosetta.collectors.flow.record import ADDR, TYPE_IPFIX, TYPE_NETFLOW_V9
from netrosetta.collectors.flow.templates import Template, TemplateKey, extract_columns

if TYPE_CHECKING:
    from netrosetta.collectors.flow.decoding import DecodeResult, DecoderState, Hdr

_ERRORS = (struct.error, IndexError, ValueError, OverflowError)


def decode_buffer(dec: DecoderState, buf: bytes | mmap.mmap, offs: np.ndarray, lens: np.ndarray, exp_ids: np.ndarray,
                  ports: np.ndarray, recv_ns: np.ndarray) -> DecodeResult:
    from netrosetta.collectors.flow.decoding import HDR_DT, Batch

    now = time.time()
    batch = Batch()
    n = len(offs)
    dec.stats.datagrams += n
    u8 = np.frombuffer(buf, dtype=np.uint8)

    ver = np.zeros(n, dtype=np.int64)
    ok = np.nonzero(lens >= 20)[0]
    head = _at(u8, offs[ok], _V9_HDR)  # one gather of every header; IPFIX's fields sit at other offsets
    ver[ok] = head["ver"]
    is9 = ver == 9
    is10 = ver == 10
    fast = is9 | is10
    domain = np.zeros(n, dtype=np.int64)
    seq = np.zeros(n, dtype=np.int64)
    secs = np.zeros(n, dtype=np.int64)
    uptime = np.zeros(n, dtype=np.int64)
    h9, h10 = is9[ok], is10[ok]
    i9, i10 = ok[h9], ok[h10]
    uptime[i9], secs[i9], seq[i9], domain[i9] = (head[f][h9] for f in ("w4", "w8", "w12", "w16"))
    fast[i10[head["count"][h10] != lens[i10]]] = False  # let the slow path count the mismatch
    secs[i10], seq[i10], domain[i10] = (head[f][h10] for f in ("w4", "w8", "w12"))

    # walk flowset headers: one vectorised step per flowset position
    pos = offs + np.where(is9, 20, 16)
    end = offs + lens
    bad = np.zeros(n, dtype=bool)
    fd, fp, fi, fl, fk = [], [], [], [], []
    active = fast & (pos + 4 <= end)
    k = 0
    while active.any():
        idx = np.nonzero(active)[0]
        p = pos[idx]
        fs = _at(u8, p, _SET_HDR)
        sid, slen = fs["id"].astype(np.int64), fs["len"].astype(np.int64)
        broken = (slen < 4) | (p + slen > end[idx]) | (is10[idx] & (sid > 3) & (sid < 256))
        bad[idx[broken]] = True
        good = ~broken
        g = idx[good]
        fd.append(g)
        fp.append(p[good])
        fi.append(sid[good])
        fl.append(slen[good])
        fk.append(np.full(len(g), k))
        pos[g] += slen[good]
        active[idx[broken]] = False
        active[g] = pos[g] + 4 <= end[g]
        k += 1
    fast &= ~bad
    if fd:
        d_all, p_all, i_all, l_all, k_all = (np.concatenate(x) for x in (fd, fp, fi, fl, fk))
        keep = fast[d_all]
        if k > 1:  # stream order: datagram, then position (one round is in datagram order already)
            order = np.lexsort((k_all[keep], d_all[keep]))
            d_all, p_all, i_all, l_all = (x[keep][order] for x in (d_all, p_all, i_all, l_all))
        elif not keep.all():
            d_all, p_all, i_all, l_all = (x[keep] for x in (d_all, p_all, i_all, l_all))
    else:
        d_all = p_all = i_all = l_all = np.zeros(0, dtype=np.int64)

    exporters = dec.exporters
    hidx_of: dict[int, int] = {}

    def hdr(d: int) -> Hdr:
        return (TYPE_NETFLOW_V9 if is9[d] else TYPE_IPFIX, int(recv_ns[d]), int(exp_ids[d]), int(seq[d]),
                int(domain[d]), int(secs[d]), int(uptime[d]), 0, 0)

    def hidx(d: int) -> int:
        h = hidx_of.get(d)
        if h is None:
            h = hidx_of[d] = len(batch.hdrs)
            batch.hdrs.append(hdr(d))
        return h

    # template flowsets, in stream order; remember where each key was (re)defined
    templ = np.nonzero((is9[d_all] & ((i_all == netflow.V9.template_set) | (i_all == netflow.V9.options_set)))
                       | (is10[d_all] & ((i_all == netflow.IPFIX.template_set)
                                         | (i_all == netflow.IPFIX.options_set))))[0]
    events: dict[TemplateKey, list[tuple[int, Template]]] = {}
    before: dict[TemplateKey, Template | None] = {}
    cut: dict[int, int] = {}  # datagram -> stream index after which its flowsets are dropped
    for j in templ.tolist():
        d = int(d_all[j])
        v = 9 if is9[d] else 10
        kbase = (exporters[exp_ids[d]], int(ports[d]), v, int(domain[d]))
        s, e = int(p_all[j]) + 4, int(p_all[j] + l_all[j])
        set_id = int(i_all[j])
        batch.events.clear()
        try:
            netflow.template_set(dec, batch, bytes(buf[s:e]), 0, e - s, kbase, netflow.LAYOUTS[v], set_id, now)
        except _ERRORS:
            dec.stats.malformed += 1
            cut[d] = j
        for key, old in batch.events:
            before.setdefault(key, old)
            t = dec.templates.get(key)
            if t is not None:
                events.setdefault(key, []).append((j, t))

    data = np.nonzero(i_all >= 256)[0]
    if cut:
        limit = np.array([cut.get(int(d), 1 << 62) for d in d_all[data]], dtype=np.int64)
        data = data[data < limit]
    parts = []
    # fixed-length data sets waiting to be decoded, bucketed by what their result depends on: one
    # gather + column extraction per layout across exporters, ports and template ids
    pending: dict[tuple[object, ...], tuple[Template, list[np.ndarray]]] = {}

    def flush() -> None:
        for tpl0, chunks in pending.values():
            js_all = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
            parts.append(_fixed(dec, tpl0, buf, js_all, d_all, p_all, l_all,
                                is9, recv_ns, exp_ids, seq, domain, secs, uptime, HDR_DT))
        pending.clear()

    if len(data):
        dd = d_all[data]
        endpoint = (exp_ids[dd] << 17) | (ports[dd] << 1) | (ver[dd] == 10)
        by_group, bounds, ukeys = _group_keys(endpoint, domain[dd], i_all[data])
        for g in range(len(ukeys)):
            members = data[by_group[bounds[g]:bounds[g + 1]]]  # stream order kept (stable sort)
            e_id, port, v, dom, tid = (int(x) for x in ukeys[g])
            key = (exporters[e_id], port, v, dom, tid)
            evs = events.get(key)
            assign: dict[int, tuple[Template | None, list[int]]] = {}
            domain_wide = False  # the template came from another port of the exporter
            if not evs:
                t0, domain_wide = dec.scoped_template(key, now)
                assign[id(t0)] = (t0, members.tolist())
            else:
                positions = [p for p, _ in evs]
                for j in members.tolist():
                    at = bisect.bisect_left(positions, j) - 1
                    t = evs[at][1] if at >= 0 else before.get(key)
                    if t is None:  # data ahead of its template in the same batch: held, then decoded
                        t = evs[0][1]
                        dec.stats.template_late += 1
                    assign.setdefault(id(t), (t, []))[1].append(j)
            for tpl, js in assign.values():
                if tpl is None:
                    for j in js:
                        d = int(d_all[j])
                        s = int(p_all[j])
                        dec.hold(key, bytes(buf[s + 4:s + int(l_all[j])]), hdr(d), now)
                    continue
                js = dec.fitting(tpl, js, l_all, domain_wide)
                if tpl.is_options:  # may teach names, rates or init times: what came before uses the old ones
                    flush()
                if tpl.is_options or not tpl.record_len:
                    for j in js:
                        d = int(d_all[j])
                        s = int(p_all[j])
                        piece = bytes(buf[s + 4:s + int(l_all[j])])
                        try:
                            netflow.data_flowset(dec, batch, tpl, piece, 0, len(piece), hidx(d))
                        except _ERRORS:
                            dec.stats.malformed += 1
                    continue
                bucket = pending.setdefault(_result_context(dec, tpl), (tpl, []))
                bucket[1].append(np.array(js, dtype=np.intp))
    flush()
    # everything irregular: one datagram at a time
    for d in np.nonzero(~fast)[0].tolist():
        o = int(offs[d])
        dec.decode_one_slow(batch, bytes(buf[o:o + int(lens[d])]), exporters[exp_ids[d]], int(ports[d]),
                            int(recv_ns[d]), now)
    batch.parts.extend(p for p in parts if p is not None)
    return dec.finish(batch, now)


# a v9 header (IPFIX: version, length, then export time, sequence, domain at 4/8/12) and a set header
_V9_HDR = np.dtype([("ver", ">u2"), ("count", ">u2"), ("w4", ">u4"), ("w8", ">u4"), ("w12", ">u4"), ("w16", ">u4")])
_SET_HDR = np.dtype([("id", ">u2"), ("len", ">u2")])


def _at(u8: np.ndarray, pos: np.ndarray, dt: np.dtype) -> np.ndarray:
    """The ``dt`` records starting at byte offsets ``pos`` of ``u8`` (each fully inside it): one
    row gather over a sliding-window view, instead of a gather and shift per byte."""
    w = dt.itemsize
    if not len(pos):
        return np.zeros(0, dtype=dt)
    rows = np.lib.stride_tricks.as_strided(u8, shape=(len(u8) - w + 1, w), strides=(1, 1), writeable=False)
    return rows[pos].view(dt).reshape(-1)


def _group_keys(endpoint: np.ndarray, dom: np.ndarray, tid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group data sets by template key: (order putting each group together in stream order,
    group bounds in that order, one (exporter id, port, version, domain, template id) row per
    group, ascending)."""
    db = int(dom.max()).bit_length()
    if int(endpoint.max()).bit_length() + db + 16 <= 63:  # the usual case: the key fits one int64 as is
        u_ep, u_dom = None, None
        combined = (endpoint << (db + 16)) | (dom << 16) | tid
    else:  # factorise the wide parts first (a structured or axis=0 unique sorts far slower)
        u_ep, ep_code = np.unique(endpoint, return_inverse=True)
        u_dom, dom_code = np.unique(dom, return_inverse=True)
        combined = (ep_code.reshape(-1) * len(u_dom) + dom_code.reshape(-1)) * 65536 + tid
    # one group (one exporter and template): nothing to sort; else a stable sort keeps stream order
    order = np.arange(len(combined)) if combined.min() == combined.max() else np.argsort(combined, kind="stable")
    ordered = combined[order]
    bounds = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1, [len(ordered)]))
    first = ordered[bounds[:-1]]
    rest = first >> 16
    if u_ep is None or u_dom is None:
        dom_u, ep_u = rest & ((1 << db) - 1), rest >> db
    else:
        dom_u, ep_u = u_dom[rest % len(u_dom)], u_ep[rest // len(u_dom)]
    ukeys = np.stack([ep_u >> 17, (ep_u >> 1) & 0xFFFF, np.where(ep_u & 1, 10, 9), dom_u, first & 0xFFFF], axis=1)
    return order, bounds, ukeys


def _result_context(dec: DecoderState, tpl: Template) -> tuple[object, ...]:
    """Everything a fixed-length data set's decoded rows depend on besides its bytes and its
    datagram's header: sets with equal contexts decode as one (``_templated`` with any of their
    templates gives each the same columns, times, names and sampling rate)."""
    exporter, _, version, domain, _ = tpl.key
    dkey = (exporter, version, domain)
    names = dec.templates.names
    named = exporter if names and (names.vrf.get(exporter) or names.interfaces.get(exporter)) else None
    if any(col == "sampler_id" for col, _ in tpl.converters):
        rate: object = dkey  # rates per sampler id of this exporter and domain: never shared
    else:
        rate = dec.sampling.domain_rate(dkey)
    init = dec.sys_init_ms.get((exporter, domain)) if version == 10 else None
    return (tuple(tpl.fields), version, named, rate, init)


def _gather(buf: bytes | mmap.mmap, starts: np.ndarray, counts: np.ndarray, rl: int) -> np.ndarray:
    """The records (``counts[i]`` of ``rl`` bytes from ``starts[i]``) as one (records, rl) array:
    a row gather over a sliding-window view of the buffer, no Python step per flowset."""
    u8 = np.frombuffer(buf, dtype=np.uint8)
    rows = np.lib.stride_tricks.as_strided(u8, shape=(len(u8) - rl + 1, rl), strides=(1, 1), writeable=False)
    first = np.cumsum(counts) - counts  # each flowset's first record among all records
    rec_starts = np.repeat(starts - first * rl, counts) + np.arange(int(counts.sum()), dtype=np.int64) * rl
    return rows[rec_starts]


def _fixed(dec: DecoderState, tpl: Template, buf: bytes | mmap.mmap, js: np.ndarray, d_all: np.ndarray,
           p_all: np.ndarray, l_all: np.ndarray, is9: np.ndarray, recv_ns: np.ndarray, exp_ids: np.ndarray,
           seq: np.ndarray, domain: np.ndarray, secs: np.ndarray, uptime: np.ndarray, hdr_dt: np.dtype):
    rl = tpl.record_len
    assert rl and tpl.dtype is not None
    starts = p_all[js] + 4
    counts = (l_all[js] - 4) // rl  # the remainder of a flowset is padding
    nz = counts > 0
    starts, counts, dgs = starts[nz], counts[nz], d_all[js][nz]
    if not len(starts):
        return None
    arr = _gather(buf, starts, counts, rl).view(tpl.dtype).reshape(-1)
    rd = np.repeat(dgs, counts)
    h = np.zeros(len(arr), dtype=hdr_dt)
    h["type"] = np.where(is9[rd], TYPE_NETFLOW_V9, TYPE_IPFIX)
    h["recv_ns"] = recv_ns[rd]
    h["exp"] = exp_ids[rd]
    h["seq"] = seq[rd]
    h["domain"] = domain[rd]
    h["secs"] = secs[rd]
    h["uptime"] = uptime[rd]
    exp_addr = np.array(dec._exporter_addr, dtype=ADDR)
    return dec._templated(tpl, extract_columns(tpl, arr), h, exp_addr)
