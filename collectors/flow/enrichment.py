"""Interface enrichment: ifIndex -> (name, speed) per exporter, from the SNMP collector's data.

The service fills an InterfaceTable from each SNMP poll of a device (``update_from_varbinds``,
keyed by the address the device exports flows from); v9/IPFIX options records that carry
interface names (elements 10/14 with 82/83) are learnt too. ``enrich`` adds ``in_if_name``,
``out_if_name``, ``in_if_speed``, ``out_if_speed`` (bit/s) columns, present only where known.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from netrosetta.collectors.flow.decoder import OptionsRecord
from netrosetta.collectors.flow.record import FlowBatch, addr_to_str
from netrosetta.collectors.snmp.varbind import VarBind

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

    def update_from_options(self, records: Iterable[OptionsRecord]) -> None:
        """v9/IPFIX interface tables (ingressInterface + interfaceName, as IOS exports them)."""
        for r in records:
            v = r.values
            idx = v.get("ingressInterface", v.get("egressInterface"))
            name = v.get("interfaceName")
            if isinstance(idx, int) and isinstance(name, str) and name:
                known = self.interfaces(r.exporter).get(idx)
                self.update(r.exporter, {idx: InterfaceInfo(name, known.speed_bps if known else None)})


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
        names = np.empty(n, dtype=object)
        speeds = np.zeros(n, dtype=np.uint64)
        has_name = np.zeros(n, dtype=bool)
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
                    names[sel] = info.name
                    has_name |= sel
                if info.speed_bps is not None:
                    speeds[sel] = info.speed_bps
                    has_speed |= sel
        if has_name.any():
            cols[f"{side}_name"] = names
            if not has_name.all():
                mask[f"{side}_name"] = has_name
        if has_speed.any():
            cols[f"{side}_speed"] = speeds
            if not has_speed.all():
                mask[f"{side}_speed"] = has_speed
    return FlowBatch(cols, mask)
