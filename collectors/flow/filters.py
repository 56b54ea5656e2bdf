"""Row and column filters over FlowBatch, evaluated as numpy masks.

Row filter syntax (ktranslate's, with its field names accepted as aliases)::

    [type,]field,op,value            e.g.  int,l4_src_port,==,80   or   dst_addr,%,10.0.0.0/8
    clause or clause and clause      ("and" binds tighter than "or")

Several filter expressions given together must all match. ``op`` is one of ``== != < > <= >= %``;
``%`` means "contains": a prefix for addresses (CIDR), a substring for text. A row that does not
carry the field never matches (``!=`` included): absent is not "different".
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from netrosetta.collectors.flow.record import (
    ADDR,
    ADDR_FIELDS,
    MAC_FIELDS,
    SCHEMA,
    FlowBatch,
    addr_from_bytes,
)
from netrosetta.errors import NetrosettaError

# ktranslate / nfdump style names -> ours
ALIASES = {
    "l4_src_port": "src_port", "l4_dst_port": "dst_port", "protocol": "proto", "in_bytes": "bytes",
    "in_pkts": "packets", "input_port": "in_if", "output_port": "out_if", "src_as_num": "src_as",
    "dst_as_num": "dst_as", "sample_rate": "sampling_rate", "tos": "ip_tos", "vlan": "vlan_id",
    "src_ip": "src_addr", "dst_ip": "dst_addr", "ipv4_src_addr": "src_addr", "ipv4_dst_addr": "dst_addr",
    "ipv4_next_hop": "next_hop", "device_name": "sampler_address", "exporter": "sampler_address",
}
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
    ">=": operator.ge,
}
TYPES = {"int", "string", "addr"}
PROTO_NAMES = {"icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "icmpv6": 58, "ipv6-icmp": 58,
               "sctp": 132}


def canonical(field: str) -> str:
    return ALIASES.get(field, field)


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: str
    kind: str | None = None

    @classmethod
    def parse(cls, text: str) -> Clause:
        parts = [p.strip() for p in text.split(",")]
        kind = None
        if len(parts) == 4 and parts[0] in TYPES:
            kind, parts = parts[0], parts[1:]
        if len(parts) != 3:
            raise NetrosettaError(f"filter {text!r}: expected [type,]field,op,value")
        field, op, value = parts
        if op not in OPS and op != "%":
            raise NetrosettaError(f"filter {text!r}: unknown operator {op!r} (== != < > <= >= %)")
        field = canonical(field)
        if field not in SCHEMA and not re.fullmatch(r"type_\d+(_\d+)?|[A-Za-z][A-Za-z0-9_]*", field):
            raise NetrosettaError(f"filter {text!r}: bad field name {field!r}")
        c = cls(field, op, value, kind)
        c.check()
        return c

    def check(self) -> None:
        """Reject values that cannot match the field's type, at parse time."""
        if self.field in ADDR_FIELDS:
            try:
                if self.op == "%":
                    ipaddress.ip_network(self.value, strict=False)
                else:
                    ipaddress.ip_address(self.value)
            except ValueError:
                raise NetrosettaError(f"filter {self.field}: {self.value!r} is not an address"
                                      f"{' or prefix' if self.op == '%' else ''}") from None
        elif self.field in SCHEMA and self.field not in MAC_FIELDS and self.op != "%":
            if self.field == "proto" and self.value.lower() in PROTO_NAMES:
                return
            try:
                int(self.value, 0)
            except ValueError:
                raise NetrosettaError(f"filter {self.field}: {self.value!r} is not a number") from None

    def evaluate(self, batch: FlowBatch) -> np.ndarray:
        n = len(batch)
        col = batch.columns.get(self.field)
        if col is None:
            return np.zeros(n, dtype=bool)
        have = batch.has(self.field)
        if self.field in ADDR_FIELDS or col.dtype == ADDR:
            res = self._addr(col)
        elif col.dtype.kind in "ui":
            v = PROTO_NAMES.get(self.value.lower()) if self.field == "proto" else None
            val = v if v is not None else int(self.value, 0)
            if self.op == "%":
                raise NetrosettaError(f"filter {self.field}: % (contains) needs text or an address")
            res = OPS[self.op](col.astype(np.int64) if val < 0 else col, val)
        else:  # text / raw extras: compare their string form
            strs = np.array([_text(x) for x in col.tolist()], dtype=object)
            if self.op == "%":
                res = np.array([self.value in s for s in strs], dtype=bool)
            else:
                res = np.asarray(OPS[self.op](strs, self.value), dtype=bool)
        return np.asarray(res, dtype=bool) & have

    def _addr(self, col: np.ndarray) -> np.ndarray:
        raw = col.view(np.uint8).reshape(len(col), 16)
        if self.op == "%":
            net = ipaddress.ip_network(self.value, strict=False)
            base = addr_from_bytes(net.network_address.packed)
            plen = net.prefixlen + (96 if net.version == 4 else 0)
            full, rem = divmod(plen, 8)
            ok = np.all(raw[:, :full] == np.frombuffer(base[:full], np.uint8), axis=1)
            if rem:
                m = (0xFF << (8 - rem)) & 0xFF
                ok &= (raw[:, full] & m) == (base[full] & m)
            return np.asarray(ok)
        target = np.frombuffer(addr_from_bytes(ipaddress.ip_address(self.value).packed), dtype=ADDR)[0]
        if self.op in ("==", "!="):
            eq = col == target
            return np.asarray(eq if self.op == "==" else ~eq)
        # ordering on addresses: compare as big-endian byte strings
        keys = np.array([bytes(r) for r in raw], dtype=object)
        return np.asarray(OPS[self.op](keys, bytes(target)), dtype=bool)


def _text(v: object) -> str:
    if isinstance(v, bytes):
        return v.split(b"\0", 1)[0].decode("utf-8", "replace")
    return str(v)


class RowFilter:
    """An or-of-ands expression; ``RowFilter.parse_all`` ands several together."""

    def __init__(self, alternatives: list[list[Clause]]) -> None:
        self.alternatives = alternatives

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        alts = []
        for alt in re.split(r"\s+or\s+", text.strip()):
            alts.append([Clause.parse(c) for c in re.split(r"\s+and\s+", alt.strip()) if c.strip()])
        if not alts or not all(alts):
            raise NetrosettaError(f"filter {text!r} is empty")
        return cls(alts)

    def mask(self, batch: FlowBatch) -> np.ndarray:
        out = np.zeros(len(batch), dtype=bool)
        for alt in self.alternatives:
            m = np.ones(len(batch), dtype=bool)
            for c in alt:
                m &= c.evaluate(batch)
            out |= m
        return out


class Filters:
    def __init__(self, filters: Sequence[RowFilter] = ()) -> None:
        self.filters = list(filters)

    @classmethod
    def parse(cls, texts: Sequence[str]) -> Filters:
        return cls([RowFilter.parse(t) for t in texts])

    def apply(self, batch: FlowBatch) -> FlowBatch:
        if not self.filters or not len(batch):
            return batch
        m = np.ones(len(batch), dtype=bool)
        for f in self.filters:
            m &= f.mask(batch)
        return batch if m.all() else batch.take(m)


@dataclass
class ColumnFilter:
    """Keep only ``include`` columns (when given), then drop ``exclude`` ones."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()

    def apply(self, batch: FlowBatch) -> FlowBatch:
        inc = {canonical(c) for c in self.include}
        exc = {canonical(c) for c in self.exclude}
        keep = [k for k in batch.columns if (not inc or k in inc or (k.startswith("mpls_label_")
                                                                    and "mpls_labels" in inc))
                and k not in exc]
        return FlowBatch({k: batch.columns[k] for k in keep},
                         {k: v for k, v in batch.mask.items() if k in keep})
