"""Delivery to one output: bounded memory queue → export with retry/backoff → bounded disk spill.

Order is kept: everything in the spill is older than everything in the memory queue, and the
worker always sends the oldest batch first. While the backend is down batches move to disk; when
the disk bound is reached the oldest are dropped and counted. Nothing else ever drops data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.exporter.sinks import Sink

from .spill import Dropped, Spill

log = logging.getLogger(__name__)


@dataclass
class DeliveryStats:
    exported_points: int = 0
    exported_batches: int = 0
    export_errors: int = 0
    dropped_points: int = 0
    dropped_batches: int = 0
    retrying: bool = False
    last_error: str | None = None
    last_success: float | None = None


class Delivery:
    def __init__(self, sink: Sink, *, queue_batches: int = 256, spill: Spill | None = None,
                 retry_initial: float = 0.5, retry_max: float = 30.0) -> None:
        self.sink = sink
        self.name = getattr(sink, "name", type(sink).__name__)
        self.queue_batches = queue_batches
        self.spill = spill
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.stats = DeliveryStats()
        self._mem: deque[tuple[ExportMetricsServiceRequest, int]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- producer side -----------------------------------------------------------------------
    def offer(self, req: ExportMetricsServiceRequest, points: int) -> None:
        if self.stats.retrying and self.spill is not None:
            # backend down: straight to disk, so a crash (kill -9) now loses nothing already polled
            self._to_spill()
            self._spill_one(req, points)
            self._wake.set()
            return
        if len(self._mem) >= self.queue_batches:
            if self.spill is not None:
                self._to_spill()
            else:
                _req, pts = self._mem.popleft()
                self._count_drop(Dropped(1, pts), "memory queue full and no spill_dir")
        self._mem.append((req, points))
        self._wake.set()

    def depth(self) -> int:
        return len(self._mem) + (len(self.spill) if self.spill is not None else 0)

    def pending_points(self) -> int:
        return sum(p for _r, p in self._mem) + (self.spill.points if self.spill is not None else 0)

    def _to_spill(self) -> None:
        while self._mem:
            req, pts = self._mem.popleft()
            self._spill_one(req, pts)

    def _spill_one(self, req: ExportMetricsServiceRequest, pts: int) -> None:
        assert self.spill is not None
        try:
            self._count_drop(self.spill.push(req.SerializeToString(), pts), "spill full")
        except OSError as exc:  # disk full or gone: the batch is lost, and counted
            self._count_drop(Dropped(1, pts), f"cannot write the spill: {exc.strerror}")

    def _count_drop(self, d: Dropped, why: str) -> None:
        if d.batches:
            self.stats.dropped_batches += d.batches
            self.stats.dropped_points += d.points
            log.warning("%s: dropped %d oldest batch(es), %d points (%s)", self.name, d.batches, d.points, why)

    # -- worker --------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"delivery-{self.name}")

    def _next(self) -> tuple[ExportMetricsServiceRequest, int, bool] | None:
        if self.spill is not None and len(self.spill):
            got = self.spill.peek()
            if got is not None:
                data, pts = got
                return ExportMetricsServiceRequest.FromString(data), pts, True
        if self._mem:
            req, pts = self._mem.popleft()
            return req, pts, False
        return None

    async def _export(self, req: ExportMetricsServiceRequest) -> bool:
        try:
            return bool(await asyncio.to_thread(self.sink.export, req))
        except Exception as exc:  # a sink bug must not kill delivery; the batch is retried
            self.stats.last_error = type(exc).__name__
            log.warning("%s: export raised %s", self.name, type(exc).__name__)
            return False

    async def _run(self) -> None:
        delay = self.retry_initial
        while True:
            item = self._next()
            if item is None:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            req, pts, from_spill = item
            try:
                ok = await self._export(req)
            except asyncio.CancelledError:
                if not from_spill:  # at-least-once: a batch cut off mid-export is kept
                    self._mem.appendleft((req, pts))
                raise
            if ok:
                if from_spill:
                    assert self.spill is not None
                    self.spill.pop()
                self.stats.exported_points += pts
                self.stats.exported_batches += 1
                self.stats.last_success = time.time()
                if self.stats.retrying:
                    log.info("%s: backend accepts again; delivering the backlog", self.name)
                self.stats.retrying = False
                delay = self.retry_initial
                continue
            self.stats.export_errors += 1
            if not self.stats.retrying:
                log.warning("%s: export failed; retrying with backoff%s", self.name,
                            " and spilling to disk" if self.spill is not None else "")
            self.stats.retrying = True
            if not from_spill:
                if self.spill is not None:
                    self._spill_one(req, pts)
                    self._to_spill()
                else:
                    self._mem.appendleft((req, pts))
            if self._closing:
                return
            # full jitter: many instances hitting one recovering backend do not sync up
            await asyncio.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, self.retry_max)

    async def close(self, flush_seconds: float) -> None:
        """Deliver what we can within ``flush_seconds``; keep the rest on disk (or count it dropped)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), flush_seconds)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._mem:
            if self.spill is not None:
                self._to_spill()
                log.info("%s: %d batches kept on disk for the next start", self.name, len(self.spill))
            else:
                lost = sum(p for _r, p in self._mem)
                self._count_drop(Dropped(len(self._mem), lost), "shutdown with backend down and no spill_dir")
                self._mem.clear()
        await asyncio.to_thread(self.sink.shutdown)
