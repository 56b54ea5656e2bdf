"""Delivery to one output: bounded memory queue → export with retry/backoff → bounded disk spill.

Order is kept: everything in the spill is older than everything in the memory queue, and the
worker always sends the oldest batch first. While the backend is down batches move to disk; when
the disk bound is reached the oldest are dropped and counted. Nothing else ever drops data.

Each batch is accounted by identity: its label ``<host.name>@<time of its first point>`` (made
from its content, so a receiver can tell it too, without anything added to the exported data),
and on disk its spill sequence number. Each drop is logged with both (``dropped batch #<seq>
<label> (<n> points): <why>``); at debug level each batch made is logged too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from netrosetta.exporter.requests import Request, batch_label, from_spill, to_spill
from netrosetta.exporter.sinks import Sink

from .spill import Batch, Spill, SpillWriteError

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
        # which signals the output takes (a metrics file may refuse logs); sinks say, default both
        self.signals: frozenset[str] = getattr(sink, "signals", frozenset({"metrics", "logs"}))
        self.queue_batches = queue_batches
        self.spill = spill
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.stats = DeliveryStats()
        self._mem: deque[tuple[Request, int, str]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- producer side -----------------------------------------------------------------------
    def offer(self, req: Request, points: int) -> None:
        label = batch_label(req)
        log.debug("%s: batch %s made (%d points)", self.name, label, points)
        if self.stats.retrying and self.spill is not None:
            # backend down: straight to disk, so a crash (kill -9) now loses nothing already polled
            self._to_spill()
            self._spill_one(req, points, label)
            self._wake.set()
            return
        if len(self._mem) >= self.queue_batches:
            if self.spill is not None:
                self._to_spill()
            else:
                _req, pts, old = self._mem.popleft()
                self._count_drop([Batch(-1, pts, "-", 0, old)], "memory queue full and no spill_dir")
        self._mem.append((req, points, label))
        self._wake.set()

    def depth(self) -> int:
        return len(self._mem) + (len(self.spill) if self.spill is not None else 0)

    def pending_points(self) -> int:
        return sum(p for _r, p, _l in self._mem) + (self.spill.points if self.spill is not None else 0)

    @property
    def spill_full(self) -> bool:
        """At the disk bound and dropping (the last batch written had to push others out)."""
        return self.spill is not None and self.spill.full

    def _to_spill(self) -> None:
        while self._mem:
            self._spill_one(*self._mem.popleft())

    def _spill_one(self, req: Request, pts: int, label: str) -> None:
        assert self.spill is not None
        try:
            self._count_drop(self.spill.push(to_spill(req), pts, label), "spill full")
        except SpillWriteError as exc:  # disk full or gone: the batch is lost, and counted
            self._count_drop(exc.dropped, "spill full")
            self._count_drop([exc.batch], f"cannot write the spill: {exc.strerror}")
        except OSError as exc:
            self._count_drop([Batch(-1, pts, "-", 0, label)], f"cannot write the spill: {exc.strerror}")

    def adopt(self, folder: Path) -> None:
        """Take an orphaned spill folder's batches into this output's spill (bound applied, drops counted)."""
        assert self.spill is not None
        self._count_drop(self.spill.adopt(folder), "spill full (adopted batches)")

    def _count_drop(self, batches: list[Batch], why: str) -> None:
        for b in batches:
            self.stats.dropped_batches += 1
            self.stats.dropped_points += b.points
            log.warning("%s: dropped batch %s (%d points): %s", self.name, b.ident, b.points, why)

    # -- worker --------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"delivery-{self.name}")

    def _next(self) -> tuple[Request, int, str, int | None] | None:
        """The oldest batch: (request, points, label, its spill seq or None from memory)."""
        while self.spill is not None and len(self.spill):
            got = self.spill.peek()
            if got is None:
                break
            b, data = got
            try:
                return from_spill(data), b.points, b.label or b.key, b.seq
            except Exception:  # a damaged file (disk error, edited by hand) never blocks the rest
                self.spill.pop(b.seq)
                self._count_drop([b], "unreadable spill file")
        if self._mem:
            req, pts, label = self._mem.popleft()
            return req, pts, label, None
        return None

    def _failed_from_spill(self, seq: int) -> None:
        assert self.spill is not None
        gone = self.spill.release(seq)
        if gone is not None:  # evicted while in flight, and not delivered: only now a drop
            self._count_drop([gone], "spill full (evicted during its export)")

    async def _export(self, req: Request) -> bool:
        try:
            return bool(await asyncio.to_thread(self.sink.export, req))
        except Exception as exc:  # a sink bug must not kill delivery; the batch is retried
            self.stats.last_error = type(exc).__name__
            log.warning("%s: export raised %s", self.name, type(exc).__name__)
            return False

    async def export_now(self, req: Request, points: int) -> bool:
        """One export attempt outside the queue (the cluster's stream consumer retries by nak)."""
        if await self._export(req):
            self.stats.exported_points += points
            self.stats.exported_batches += 1
            return True
        self.stats.export_errors += 1
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
            req, pts, label, seq = item
            try:
                ok = await self._export(req)
            except asyncio.CancelledError:
                # at-least-once: a batch cut off mid-export is kept
                if seq is None:
                    self._mem.appendleft((req, pts, label))
                else:
                    self._failed_from_spill(seq)
                raise
            if ok:
                if seq is not None:
                    assert self.spill is not None
                    self.spill.pop(seq)  # delivered, even if it was evicted meanwhile: not a drop
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
            if seq is not None:
                self._failed_from_spill(seq)
            elif self.spill is not None:
                self._spill_one(req, pts, label)
                self._to_spill()
            else:
                self._mem.appendleft((req, pts, label))
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
                self._count_drop([Batch(-1, p, "-", 0, lb) for _r, p, lb in self._mem],
                                 "shutdown with backend down and no spill_dir")
                self._mem.clear()
        await asyncio.to_thread(self.sink.shutdown)
