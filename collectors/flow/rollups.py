"""Rollups: aggregates of flows by dimensions over an interval, computed with numpy group-bys.

Spec (ktranslate's)::  method,name,metric[+metric],dim[,dim...]
  sum     total of the metric column(s) per dims      (``s_bytes`` scales by sampling_rate)
  count   number of flow records per dims             (metric ignored, write ``count``)
  unique  number of distinct metric values per dims
          e.g. unique,top_src_addr_by_count_dst_addr,dst_addr,src_addr
  min / max / mean of the metric per dims
  top     the k dims groups with the largest metric sum (k from ``top_k``, default 10)
Each batch is reduced at once; the interval's partial results are merged at flush, so memory
grows with distinct groups, not with flows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netrosetta.collectors.flow.filters import canonical
from netrosetta.collectors.flow.record import (
    ADDR_FIELDS,
    MAC_FIELDS,
    SCHEMA,
    FlowBatch,
    addr_to_str,
    mac_to_str,
)
from netrosetta.errors import NetrosettaError

METHODS = {"sum", "count", "unique", "min", "max", "mean", "top"}


@dataclass(frozen=True)
class RollupSpec:
    method: str
    name: str
    metrics: tuple[str, ...]
    dims: tuple[str, ...]
    top_k: int = 10

    @classmethod
    def parse(cls, text: str, top_k: int = 10) -> RollupSpec:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if len(parts) < 3:
            raise NetrosettaError(f"rollup {text!r}: expected method,name,metric[,dims...]")
        method, name, metric, *dims = parts
        if method not in METHODS:
            known = ", ".join(sorted(METHODS))
            raise NetrosettaError(f"rollup {text!r}: unknown method {method!r} ({known})")
        metrics = tuple(m for m in metric.split("+") if m)
        for m in metrics:
            base = canonical(m[2:] if m.startswith("s_") else m)
            if method not in ("count", "unique") and base not in SCHEMA:
                raise NetrosettaError(f"rollup {name}: unknown metric column {m!r}")
            if method not in ("count", "unique") and base in ADDR_FIELDS:
                raise NetrosettaError(f"rollup {name}: cannot {method} addresses ({m})")
        if method == "unique" and len(metrics) != 1:
            raise NetrosettaError(f"rollup {name}: unique takes exactly one metric column")
        return cls(method, name, metrics, tuple(canonical(d) for d in dims), top_k)


def _metric(batch: FlowBatch, m: str) -> np.ndarray:
    scaled = m.startswith("s_")
    col = canonical(m[2:] if scaled else m)
    v = batch.columns.get(col)
    if v is None:
        return np.zeros(len(batch), dtype=np.float64)
    out = v.astype(np.float64) * batch.has(col)
    if scaled:
        rate = batch.columns.get("sampling_rate")
        if rate is not None:  # unknown rate scales by 1 (the raw count), never by 0
            r = np.where(batch.has("sampling_rate") & (rate > 0), rate, 1)
            out = out * r
    return out


def _group(batch: FlowBatch, dims: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(unique keys as a structured array, inverse index per row)."""
    n = len(batch)
    if not dims:
        return np.zeros(1, dtype=[("_", "u1")]), np.zeros(n, dtype=np.intp)
    fields, cols = [], []
    for d in dims:
        c = batch.columns.get(d)
        if c is None:
            c = np.zeros(n, dtype=np.uint8)
        elif c.dtype == object:
            c = np.array([str(x) for x in c.tolist()], dtype="U64")
        fields.append((d, c.dtype))
        cols.append(c)
    keys = np.empty(n, dtype=fields)
    for d, c in zip(dims, cols, strict=True):
        keys[d] = c
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, inv.reshape(-1)


@dataclass
class RollupRow:
    dims: dict[str, Any]
    value: float


@dataclass
class RollupResult:
    spec: RollupSpec
    start_ns: int
    end_ns: int
    rows: list[RollupRow]


def _dim_value(name: str, v: Any) -> Any:
    if name in ADDR_FIELDS:
        return addr_to_str(bytes(v))
    if name in MAC_FIELDS:
        return mac_to_str(int(v))
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass
class Rollup:
    spec: RollupSpec
    start_ns: int = field(default_factory=time.time_ns)
    _parts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, batch: FlowBatch) -> None:
        """Reduce one batch to (keys, partial values) and keep that."""
        if not len(batch):
            return
        s = self.spec
        keys, inv = _group(batch, s.dims)
        k = len(keys)
        if s.method == "count":
            self._parts.append((keys, np.bincount(inv, minlength=k).astype(np.float64)))
        elif s.method == "unique":
            vals = batch.columns.get(canonical(s.metrics[0]))
            if vals is None:
                return
            pair = np.empty(len(batch), dtype=[("g", "i8"), ("v", vals.dtype)])
            pair["g"], pair["v"] = inv, vals
            pair = pair[batch.has(canonical(s.metrics[0]))]
            up = np.unique(pair)
            # keep distinct (group key, value) pairs; counted at flush after merging batches
            pk = np.empty(len(up), dtype=[*keys.dtype.descr, ("_v", vals.dtype)])
            for name in keys.dtype.names or ():
                pk[name] = keys[name][up["g"]]
            pk["_v"] = up["v"]
            self._parts.append((pk, np.ones(len(up))))
        elif s.method in ("sum", "top", "mean"):
            total = sum((_metric(batch, m) for m in s.metrics), np.zeros(len(batch)))
            sums = np.bincount(inv, weights=total, minlength=k)
            if s.method == "mean":
                counts = np.bincount(inv, minlength=k).astype(np.float64)
                self._parts.append((keys, np.stack([sums, counts], axis=1)))
            else:
                self._parts.append((keys, sums))
        else:  # min / max
            v = _metric(batch, s.metrics[0])
            order = np.argsort(inv, kind="stable")
            bounds = np.searchsorted(inv[order], np.arange(k))
            red = np.minimum.reduceat if s.method == "min" else np.maximum.reduceat
            self._parts.append((keys, red(v[order], bounds)))

    def flush(self, now_ns: int | None = None) -> RollupResult:
        s = self.spec
        end = now_ns or time.time_ns()
        parts, self._parts = self._parts, []
        start, self.start_ns = self.start_ns, end
        if not parts:
            return RollupResult(s, start, end, [])
        keys = np.concatenate([p[0] for p in parts])
        vals = np.concatenate([p[1] for p in parts])
        if s.method == "unique":
            keys = np.unique(keys)  # distinct (dims, value) pairs across the interval
            names = [n for n in keys.dtype.names or () if n != "_v"]
            dims_only = np.empty(len(keys), dtype=[(n, keys.dtype[n]) for n in names]) if names \
                else np.zeros(len(keys), dtype=[("_", "u1")])
            for n in names:
                dims_only[n] = keys[n]
            uk, inv = np.unique(dims_only, return_inverse=True)
            out: np.ndarray = np.bincount(inv.reshape(-1), minlength=len(uk)).astype(np.float64)
        else:
            uk, inv = np.unique(keys, return_inverse=True)
            inv = inv.reshape(-1)
            if s.method == "min":
                out = np.full(len(uk), np.inf)
                np.minimum.at(out, inv, vals)
            elif s.method == "max":
                out = np.full(len(uk), -np.inf)
                np.maximum.at(out, inv, vals)
            elif s.method == "mean":
                sums = np.bincount(inv, weights=vals[:, 0], minlength=len(uk))
                cnts = np.bincount(inv, weights=vals[:, 1], minlength=len(uk))
                out = sums / np.maximum(cnts, 1)
            else:
                out = np.bincount(inv, weights=vals, minlength=len(uk)).astype(np.float64)
        order = np.argsort(-out, kind="stable")
        if s.method == "top":
            order = order[: s.top_k]
        rows = []
        for i in order.tolist():
            dims = {d: _dim_value(d, uk[d][i]) for d in s.dims}
            rows.append(RollupRow(dims, float(out[i])))
        return RollupResult(s, start, end, rows)
