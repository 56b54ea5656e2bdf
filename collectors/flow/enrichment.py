"""Interface enrichment: ifIndex -> (name, speed) per exporter, from the SNMP collector's data.

The service fills an InterfaceTable from each SNMP poll of a device (``update_from_varbinds``,
keyed by the address the device exports flows from). ``enrich`` adds ``in_if_name``,
``out_if_name``, ``in_if_speed``, ``out_if_speed`` (bit/s) columns, present only where known.
A name the exporter itself sent in options data (names.py, added by the decoder) is kept; SNMP
names fill the rest, and ``in_if_name_source`` / ``out_if_name_source`` say which one named it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from netrosetta.collectors.flow.record import FlowBatch, addr_to_str
from netrosetta.collectors.snmp.varbind import VarBind

NAMED_BY_SNMP = "snmp"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2."
IF_SPEED = "1.3.6.1.2.1.2.2.1.5."
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1."
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15."


@dataclass(frozen=True)
class InterfaceInfo:
    name: str | None
    speed_bps: int | None


class InterfaceProvider(Protocol):
    def interfaces(self, exporter: str) -> Mapping[int, InterfaceInfo]: ...


def interfaces_from_varbinds(varbinds: Iterable[VarBind]) -> dict[int, InterfaceInfo]:
    """ifName (else ifDescr) and ifHighSpeed (else ifSpeed) per ifIndex of one walk/poll."""
    names: dict[int, str] = {}
    descr: dict[int, str] = {}
    high: dict[int, int] = {}
    low: dict[int, int] = {}
    for oid, _tag, value in varbinds:
        for prefix, text, nums in ((IF_NAME, names, None), (IF_DESCR, descr, None), (IF_HIGH_SPEED, None, high),
                                   (IF_SPEED, None, low)):
            if not oid.startswith(prefix):
                continue
            rest = oid[len(prefix):]
            if rest.isdigit() and value is not None:
                if text is not None:
                    text[int(rest)] = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                elif nums is not None and isinstance(value, int):
                    nums[int(rest)] = value
            break
    out = {}
    for idx in set(names) | set(descr) | set(high) | set(low):
        name = names.get(idx) or descr.get(idx)
        # ifHighSpeed (Mbit/s) when set; ifSpeed saturates at 4.29 Gbit/s
        speed = high[idx] * 1_000_000 if high.get(idx) else low.get(idx)
        out[idx] = InterfaceInfo(name, speed)
    return out


class InterfaceTable:
    """Thread-safe exporter -> {ifIndex: InterfaceInfo}; the default InterfaceProvider."""

    def __init__(self) -> None:
        self._by_exporter: dict[str, dict[int, InterfaceInfo]] = {}
        self._lock = threading.Lock()

    def interfaces(self, exporter: str) -> Mapping[int, InterfaceInfo]:
        return self._by_exporter.get(exporter, {})

    def update(self, exporter: str, table: Mapping[int, InterfaceInfo]) -> None:
        with self._lock:
            merged = dict(self._by_exporter.get(exporter, {}))
            merged.update(table)
            self._by_exporter[exporter] = merged

    def update_from_varbinds(self, exporter: str, varbinds: Iterable[VarBind]) -> None:
        self.update(exporter, interfaces_from_varbinds(varbinds))


def enrich(batch: FlowBatch, provider: InterfaceProvider) -> FlowBatch:
    """Add interface name/speed columns, one lookup per distinct (exporter, ifIndex)."""
    n = len(batch)
    if not n or "sampler_address" not in batch.columns:
        return batch
    cols = dict(batch.columns)
    mask = dict(batch.mask)
    exporters = batch.columns["sampler_address"]
    uexp, einv = np.unique(exporters, return_inverse=True)
    einv = einv.reshape(-1)
    for side in ("in_if", "out_if"):
        idx = batch.columns.get(side)
        if idx is None:
            continue
        # a name the exporter sent in its options data (names.py) wins over the SNMP one
        named = batch.has(f"{side}_name")
        names = batch.columns[f"{side}_name"].astype(object) if named.any() else np.empty(n, dtype=object)
        source = batch.columns.get(f"{side}_name_source")
        sources = source.astype(object) if source is not None else np.empty(n, dtype=object)
        speeds = np.zeros(n, dtype=np.uint64)
        has_name = named.copy()
        has_speed = np.zeros(n, dtype=bool)
        present = batch.has(side)
        for e, raw in enumerate(uexp):
            table = provider.interfaces(addr_to_str(bytes(raw)))
            if not table:
                continue
            rows = (einv == e) & present
            sub = idx[rows]
            for i in np.unique(sub).tolist():
                info = table.get(int(i))
                if info is None:
                    continue
                sel = rows.copy()
                sel[rows] = sub == i
                if info.name is not None:
                    fill = sel & ~named
                    names[fill] = info.name
                    sources[fill] = NAMED_BY_SNMP
                    has_name |= fill
                if info.speed_bps is not None:
                    speeds[sel] = info.speed_bps
                    has_speed |= sel
        if has_name.any():
            for col in (f"{side}_name", f"{side}_name_source"):
                cols[col] = names if col.endswith("_name") else sources
                if has_name.all():
                    mask.pop(col, None)
                else:
                    mask[col] = has_name
        if has_speed.any():
            cols[f"{side}_speed"] = speeds
            if not has_speed.all():
                mask[f"{side}_speed"] = has_speed
    return FlowBatch(cols, mask)
