"""The opt-in live reconciliation (`reconcile: {enabled: true}`): a device the service collects over
two sources (SNMP and CLI, SNMP and gNMI...) is checked with engine/reconcile.py as the polls
come in. Disagreements are a gauge in self-telemetry (`netrosetta.reconcile.disagreements` by
kind, device and source pair) and a section of /status.json.

Bounded: per device and source only the two latest reads of each series are kept (two reads give
the rate the counter window needs); a device not heard from for ``forget_after`` is dropped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from pydantic import Field

from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.reconcile import (
    InterfaceNames,
    ReconcileSettings,
    Report,
    Sample,
    reconcile,
    samples_of,
)

from .emit import Emitter
from .ports import BatchSink

SELF_SOURCE = "self"
MAX_FINDINGS_SHOWN = 20


class ReconcileConfig(ReconcileSettings):
    enabled: bool = Field(False, description="compare the series of a device collected over two sources")
    interval: float = Field(60.0, gt=0, description="seconds between two checks of one device")
    forget_after: float = Field(900.0, gt=0, description="drop a device's reads after this long without a poll")


SeriesReads = dict[tuple[str, tuple[tuple[str, Any], ...]], deque[Sample]]


class LiveReconciler:
    def __init__(self, cfg: ReconcileConfig, names: InterfaceNames | None = None) -> None:
        self.cfg = cfg
        self.names = names or InterfaceNames()
        self.reads: dict[str, dict[str, SeriesReads]] = {}       # device -> source -> series -> reads
        self.seen: dict[str, float] = {}
        self.checked: dict[str, float] = {}
        self.reports: dict[tuple[str, str, str], Report] = {}  # (device, source A, source B) -> last report
        self.checks = 0

    def observe(self, translations: Sequence[DeviceTranslation], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        touched: set[str] = set()
        ignored = tuple(self.cfg.ignore_metrics)
        for s in samples_of(translations):
            # a collector's own health (NETCONF's session series under source `netconf`, beside
            # its data under `xpath`) is never compared: kept, it would be a source of its own
            if s.source == SELF_SOURCE or s.metric.startswith(ignored):
                continue
            dev = "/".join(str(s.resource.get(k, "")) for k in self.cfg.identity)
            q = self.reads.setdefault(dev, {}).setdefault(s.source, {}).get((s.metric, s.attrs))
            if q is None:
                q = self.reads[dev][s.source][(s.metric, s.attrs)] = deque(maxlen=2)
            q.append(s)
            touched.add(dev)
        for dev in touched:
            self.seen[dev] = now
            if len(self.reads[dev]) >= 2 and now - self.checked.get(dev, -1e18) >= self.cfg.interval:
                self.check(dev, now)
        for dev in [d for d, t in self.seen.items() if now - t > self.cfg.forget_after]:
            self._forget(dev)

    def check(self, dev: str, now: float) -> None:
        self.checked[dev] = now
        self.checks += 1
        sources = self.reads.get(dev, {})
        for a, b in combinations(sorted(sources), 2):
            flat_a = [s for q in sources[a].values() for s in q]
            flat_b = [s for q in sources[b].values() for s in q]
            self.reports[(dev, a, b)] = reconcile(flat_a, flat_b, names=self.names, settings=self.cfg)

    def _forget(self, dev: str) -> None:
        self.reads.pop(dev, None)
        self.seen.pop(dev, None)
        self.checked.pop(dev, None)
        for key in [k for k in self.reports if k[0] == dev]:
            del self.reports[key]

    # -- views -----------------------------------------------------------------------------
    def gauges(self) -> dict[str, dict[tuple[tuple[str, str], ...], int]]:
        series: dict[tuple[tuple[str, str], ...], int] = {}
        for (dev, a, b), rep in self.reports.items():
            for kind, n in rep.counts().items():
                series[(("netrosetta.device", dev), ("netrosetta.sources", f"{a}+{b}"), ("kind", kind))] = n
        return {"netrosetta.reconcile.disagreements": series}

    def counters(self) -> dict[str, dict[tuple[tuple[str, str], ...], int]]:
        return {"netrosetta.reconcile.checks": {(): self.checks}}

    def status_json(self) -> dict[str, Any]:
        pairs = []
        for (dev, a, b), rep in sorted(self.reports.items()):
            shown = [f.as_dict() for f in rep.findings if f.kind in ("value", "interface")][:MAX_FINDINGS_SHOWN]
            pairs.append({"device": dev, "a": a, "b": b, "paired": rep.paired, "agreed": rep.agreed,
                          "counts": rep.counts(), "consistent": rep.disagreements == 0, "findings": shown})
        return {"checks": self.checks, "devices": len(self.reads), "pairs": pairs,
                "disagreements": sum(p["counts"]["value"] + p["counts"]["interface"] for p in pairs)}


class ReconcilingEmitter(Emitter):
    """The Emitter, showing each batch to the reconciler first (the batch itself is unchanged)."""

    def __init__(self, route: BatchSink, reconciler: LiveReconciler) -> None:
        super().__init__(route)
        self.reconciler = reconciler

    def emit(self, translations: Sequence[DeviceTranslation]) -> int:
        self.reconciler.observe(translations)
        return super().emit(translations)




def live_reconciler(cfg: ReconcileConfig) -> LiveReconciler | None:
    """The reconciler a config asks for; interface names paired with every platform definition's
    abbreviations that mean one thing across platforms."""
    if not cfg.enabled:
        return None
    from netrosetta.collectors.platforms import platforms

    return LiveReconciler(cfg, InterfaceNames(platforms().interface_names()))
