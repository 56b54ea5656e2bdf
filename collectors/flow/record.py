"""The normalized flow record, held as columns (one numpy array per field) rather than objects.

Field names follow goflow2's FlowMessage where it has one. Addresses are 16-byte values
(IPv4 stored IPv4-mapped, ``::ffff:a.b.c.d``) so v4 and v6 flows share a column; MACs are uint64.
A column missing from a batch means "not exported" (never a zero pretending to be data); when
batches with different columns are joined, a boolean mask marks which rows carry the value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ADDR = np.dtype("V16")
V4_PREFIX = bytes(10) + b"\xff\xff"

# flow type numbers follow goflow2's FlowMessage.FlowType
TYPE_SFLOW_5, TYPE_NETFLOW_V5, TYPE_NETFLOW_V9, TYPE_IPFIX = 1, 2, 3, 4
TYPE_NAMES = {TYPE_SFLOW_5: "SFLOW_5", TYPE_NETFLOW_V5: "NETFLOW_V5", TYPE_NETFLOW_V9: "NETFLOW_V9",
              TYPE_IPFIX: "IPFIX"}

_SCHEMA: list[tuple[str, Any]] = [
    ("type", "u1"),
    ("time_received_ns", "u8"),
    ("sequence_num", "u4"),
    ("sampling_rate", "u8"),
    ("sampler_address", ADDR),
    ("observation_domain_id", "u4"),
    ("time_flow_start_ns", "u8"),
    ("time_flow_end_ns", "u8"),
    ("bytes", "u8"),
    ("packets", "u8"),
    ("flows", "u8"),
    ("out_bytes", "u8"),
    ("out_packets", "u8"),
    ("src_addr", ADDR),
    ("dst_addr", ADDR),
    ("outer_src_addr", ADDR),
    ("outer_dst_addr", ADDR),
    ("etype", "u2"),
    ("proto", "u1"),
    ("src_port", "u2"),
    ("dst_port", "u2"),
    ("in_if", "u4"),
    ("out_if", "u4"),
    ("src_mac", "u8"),
    ("dst_mac", "u8"),
    ("vlan_id", "u2"),
    ("dst_vlan", "u2"),
    ("ip_tos", "u1"),
    ("ip_ttl", "u1"),
    ("forwarding_status", "u1"),
    ("tcp_flags", "u2"),
    ("icmp_type", "u1"),
    ("icmp_code", "u1"),
    ("ipv6_flow_label", "u4"),
    ("fragment_id", "u4"),
    ("fragment_offset", "u2"),
    ("src_as", "u4"),
    ("dst_as", "u4"),
    ("src_net", "u1"),
    ("dst_net", "u1"),
    ("next_hop", ADDR),
    ("bgp_next_hop", ADDR),
    ("mpls_label_1", "u4"),
    ("mpls_label_2", "u4"),
    ("mpls_label_3", "u4"),
    ("mpls_label_4", "u4"),
    ("mpls_label_5", "u4"),
    ("mpls_label_6", "u4"),
    ("flow_direction", "u1"),
    ("flow_end_reason", "u1"),
    ("srv6_flags", "u1"),
    ("srv6_active_segment", ADDR),
    ("srv6_segments_left", "u1"),
    ("srv6_endpoint_behavior", "u2"),
    ("in_vrf", "u4"),
    ("out_vrf", "u4"),
    ("sampler_id", "u8"),
    ("observation_point_id", "u8"),
    ("sample_pool", "u4"),
    ("sampling_drops", "u4"),
    ("drop_reason", "u4"),
]
SCHEMA: dict[str, np.dtype] = {name: np.dtype(dt) for name, dt in _SCHEMA}

ADDR_FIELDS = frozenset(k for k, v in SCHEMA.items() if v == ADDR)
MAC_FIELDS = frozenset({"src_mac", "dst_mac"})
MPLS_FIELDS = tuple(f"mpls_label_{i}" for i in range(1, 7))


def v4_to_addr(u32: np.ndarray) -> np.ndarray:
    """uint32 IPv4 addresses (host order values) -> 16-byte IPv4-mapped column."""
    out = np.zeros((len(u32), 16), dtype=np.uint8)
    out[:, 10] = 0xFF
    out[:, 11] = 0xFF
    out[:, 12:16] = np.ascontiguousarray(u32, dtype=">u4").view(np.uint8).reshape(-1, 4)
    return out.view(ADDR).reshape(-1)


def v4bytes_to_addr(raw: np.ndarray) -> np.ndarray:
    """(n, 4) uint8 -> 16-byte IPv4-mapped column."""
    out = np.zeros((len(raw), 16), dtype=np.uint8)
    out[:, 10] = 0xFF
    out[:, 11] = 0xFF
    out[:, 12:16] = raw
    return out.view(ADDR).reshape(-1)


def addr_from_bytes(b: bytes) -> bytes:
    """4 or 16 raw address bytes -> the 16-byte column value."""
    return V4_PREFIX + b if len(b) == 4 else b


def addr_to_str(v: bytes) -> str:
    if v[:12] == V4_PREFIX:
        return str(ipaddress.IPv4Address(v[12:]))
    return str(ipaddress.IPv6Address(v))


def mac_to_str(v: int) -> str:
    return ":".join(f"{(v >> s) & 0xFF:02x}" for s in range(40, -1, -8))


@dataclass
class FlowBatch:
    """Columns of equal length; ``mask[name]`` (when present) marks rows that carry ``name``.

    ``extra`` holds columns for elements without a normalized field (enterprise or unmapped
    ids), named like Telegraf's ``type_<pen>_<id>``; they are kept so nothing is dropped unseen.
    """

    columns: dict[str, np.ndarray] = field(default_factory=dict)
    mask: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        for col in self.columns.values():
            return len(col)
        return 0

    def has(self, name: str) -> np.ndarray:
        """Rows that carry ``name``."""
        n = len(self)
        if name not in self.columns:
            return np.zeros(n, dtype=bool)
        m = self.mask.get(name)
        return np.ones(n, dtype=bool) if m is None else m

    def take(self, idx: np.ndarray) -> FlowBatch:
        """Rows selected by a boolean mask or index array."""
        return FlowBatch({k: v[idx] for k, v in self.columns.items()},
                         {k: v[idx] for k, v in self.mask.items()})

    @staticmethod
    def concat(batches: Iterable[FlowBatch]) -> FlowBatch:
        parts = [b for b in batches if len(b)]
        if not parts:
            return FlowBatch()
        if len(parts) == 1:
            return parts[0]
        names: dict[str, np.dtype] = {}
        for b in parts:
            for k, v in b.columns.items():
                prev = names.get(k)
                if prev is None:
                    names[k] = v.dtype
                elif prev != v.dtype:
                    names[k] = np.result_type(prev, v.dtype) if prev.kind in "ui" and v.dtype.kind in "ui" \
                        else np.dtype(object)
        cols: dict[str, np.ndarray] = {}
        mask: dict[str, np.ndarray] = {}
        for k, dt in names.items():
            arrays, masks, partial = [], [], False
            for b in parts:
                n = len(b)
                if k in b.columns:
                    arrays.append(b.columns[k].astype(dt, copy=False))
                    m = b.mask.get(k)
                    if m is not None:
                        partial = True
                    masks.append(np.ones(n, dtype=bool) if m is None else m)
                else:
                    arrays.append(np.zeros(n, dtype=dt))
                    masks.append(np.zeros(n, dtype=bool))
                    partial = True
            cols[k] = np.concatenate(arrays)
            if partial:
                mask[k] = np.concatenate(masks)
        return FlowBatch(cols, mask)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Python dicts in the documented JSON form (slow path: output, tests, CLI)."""
        names = list(self.columns)
        plain = {k: self.columns[k].tolist() for k in names
                 if k not in ADDR_FIELDS and k not in MAC_FIELDS and self.columns[k].dtype.kind != "V"}
        masks = {k: m.tolist() for k, m in self.mask.items()}
        for i in range(len(self)):
            row: dict[str, Any] = {}
            labels: list[int] = []
            for k in names:
                m = masks.get(k)
                if m is not None and not m[i]:
                    continue
                if k in plain:
                    v = plain[k][i]
                    if isinstance(v, bytes):
                        v = v.hex()
                elif k in ADDR_FIELDS:
                    v = addr_to_str(bytes(self.columns[k][i]))
                elif k in MAC_FIELDS:
                    v = mac_to_str(int(self.columns[k][i]))
                else:  # raw extras
                    v = "0x" + bytes(self.columns[k][i]).hex()
                if k in MPLS_FIELDS:
                    labels.append(int(v))
                    continue
                if k == "type":
                    v = TYPE_NAMES.get(int(v), str(v))
                row[k] = v
            if labels:
                row["mpls_labels"] = labels
            yield row
