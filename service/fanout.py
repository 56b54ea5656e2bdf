"""The outputs as one stage: one Delivery per sink (queue, spill, retry), every batch to each.

Also the spill housekeeping at start: folders under ``spill_dir`` that no configured output owns
(a renamed or removed output) are adopted by the only spilling output or reported and kept,
by ``delivery.orphaned_spill``.
"""

from __future__ import annotations

import asyncio
import logging

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.exporter.sinks import Sink

from .config import Delivery as DeliveryConfig
from .delivery import Delivery
from .spill import Orphan, Spill, find_orphans

log = logging.getLogger(__name__)


def spill_folder(sink: Sink) -> str:
    """The output's spill folder name (``otlp-grpc_host_port``): its name, file-system safe."""
    return "".join(c if c.isalnum() or c in "-." else "_" for c in getattr(sink, "name", "sink"))


class Fanout:
    def __init__(self, sinks: list[Sink], cfg: DeliveryConfig) -> None:
        self._cfg = cfg
        self.deliveries = [self._delivery(s) for s in sinks]
        self.orphans: list[Orphan] = self._housekeep_spill()

    def _delivery(self, sink: Sink) -> Delivery:
        d = self._cfg
        spill = None
        if d.spill_dir is not None:
            spill = Spill(d.spill_dir / spill_folder(sink), int(d.spill_max_mb * 1024 * 1024))
        return Delivery(sink, queue_batches=d.queue_batches, spill=spill, retry_initial=d.retry_initial,
                        retry_max=d.retry_max)

    def _housekeep_spill(self) -> list[Orphan]:
        d = self._cfg
        if d.spill_dir is None:
            return []
        spilling = [dv for dv in self.deliveries if dv.spill is not None]
        owned = {dv.spill.dir.name for dv in spilling if dv.spill is not None}
        orphans = find_orphans(d.spill_dir, owned)
        if orphans and d.orphaned_spill == "deliver":
            if len(spilling) == 1:
                for o in orphans:
                    try:
                        spilling[0].adopt(o.folder)
                    except OSError as exc:
                        log.error("spill folder %s: cannot adopt it: %s", o.folder, exc.strerror)
                orphans = find_orphans(d.spill_dir, owned)
            else:
                log.warning("delivery.orphaned_spill=deliver needs exactly one output with a spill (%d have "
                            "one): orphaned spill folders are reported instead", len(spilling))
        for o in orphans:
            log.warning("spill folder %s belongs to no configured output: %d batches (%d points, %d bytes) kept "
                        "on disk, not delivered (delivery.orphaned_spill: deliver, or move or remove the folder)",
                        o.folder, o.batches, o.points, o.bytes)
        return orphans

    # -- BatchSink / Exporter ---------------------------------------------------------------------
    def offer(self, req: ExportMetricsServiceRequest, points: int) -> None:
        for d in self.deliveries:
            if "metrics" in d.signals:      # a logs-only file output takes no metrics
                d.offer(req, points)

    async def export_now(self, req: ExportMetricsServiceRequest, points: int) -> bool:
        ok = True
        for d in self.deliveries:
            if "metrics" in d.signals:
                ok = await d.export_now(req, points) and ok
        return ok

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        for d in self.deliveries:
            d.start()

    async def close(self, flush_seconds: float) -> None:
        await asyncio.gather(*(d.close(flush_seconds) for d in self.deliveries))
