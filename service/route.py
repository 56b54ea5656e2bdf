"""Route: where a batch goes — straight to the local outputs, or through a shared stream.

Single instance (no publisher): every batch is offered to the local outputs at once. Cluster mode:
batches queue here and one task publishes them in order; a batch the stream does not take (NATS
down, no quorum, stream full, shutdown) is delivered locally instead, so nothing is lost and drops
stay counted in one place (the outputs' deliveries). The optional record is an audit trail of every
batch this instance made, written before any delivery (``cluster.record_file``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.exporter.sinks import Sink

from .ports import BatchSink, Publisher

log = logging.getLogger(__name__)


class Router:
    def __init__(self, local: BatchSink, publisher: Publisher | None = None, record: Sink | None = None) -> None:
        self._local = local
        self._publisher = publisher
        self._record = record
        self._queue: asyncio.Queue[tuple[ExportMetricsServiceRequest, int]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.fallbacks = 0   # batches meant for the shared stream that went to the local outputs

    def offer(self, req: ExportMetricsServiceRequest, points: int) -> None:
        if self._record is not None:
            self._record.export(req)
        if self._publisher is None:
            self._local.offer(req, points)
        else:
            self._queue.put_nowait((req, points))

    def start(self) -> None:
        if self._publisher is not None:
            self._task = asyncio.create_task(self._publish(self._publisher), name="publisher")

    def _fallback(self, req: ExportMetricsServiceRequest, points: int) -> None:
        self.fallbacks += 1
        self._local.offer(req, points)

    async def _publish(self, publisher: Publisher) -> None:
        while True:
            req, pts = await self._queue.get()
            try:
                acked = await publisher.publish(req, pts)
            except asyncio.CancelledError:   # cut off mid-publish: the batch stays ours
                self._fallback(req, pts)
                raise
            except Exception:   # a publisher bug must not end routing: this batch goes local
                log.exception("publish raised")
                acked = False
            finally:
                self._queue.task_done()
            if not acked:
                self._fallback(req, pts)

    async def close(self, deadline: float) -> None:
        """Publish what is queued until ``deadline`` (monotonic); the rest goes to the local outputs."""
        if self._task is not None:
            # join, not empty(): the batch being published gets its ack (or its refusal) too
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), max(0.0, deadline - time.monotonic()))
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            self._fallback(*self._queue.get_nowait())
        if self._record is not None:
            self._record.shutdown()
