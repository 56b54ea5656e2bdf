"""Scheduler: one asyncio task per target, each on its own interval and phase.

A slow or dead device only ever holds its own task and, for at most ``poll_timeout`` (≤ interval),
one of ``concurrency`` slots. A target is polled only while ``Ownership`` says it is ours; the
scheduler listens to ownership changes (a target taken over keeps its previous owner's phase) and
shows the cluster which targets exist and when each last started (``TargetsView``).

Falling behind is counted, never silent (``PollTiming``): a slot skipped because the target's
previous poll was still running is *missed*; a poll that starts more than ``LATE_FRACTION`` of its
interval after its slot (event loop busy, every concurrency slot taken) is *late*, and how late
goes into a small histogram and the recent maximum (the lag).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from netrosetta.errors import NetrosettaError

from .config import Defaults
from .ports import Ownership
from .sources import Source, make_source
from .status import TargetStatus

log = logging.getLogger(__name__)

Poll = Callable[[Source, float], Awaitable[None]]

# a poll starting later than this fraction of its interval after its slot is counted late
LATE_FRACTION = 0.1
# lateness histogram bucket bounds, seconds (the last bucket is everything above)
LAG_BOUNDS = (0.1, 1.0, 10.0, 60.0)


class PollTiming:
    """Per instance: how late polls start (histogram, largest). The missed and late counts are
    the targets' own (TargetStatus), summed where shown."""

    __slots__ = ("buckets", "lag_max")

    def __init__(self) -> None:
        self.lag_max = 0.0                      # the largest lateness since start, seconds
        self.buckets = [0] * (len(LAG_BOUNDS) + 1)

    def started(self, st: TargetStatus, lateness: float) -> None:
        """A poll of ``st`` started ``lateness`` seconds after its slot."""
        lateness = st.lag = max(0.0, lateness)
        self.buckets[bisect_right(LAG_BOUNDS, lateness)] += 1
        self.lag_max = max(self.lag_max, lateness)
        if lateness > LATE_FRACTION * st.interval:
            st.polls_late += 1

    def as_json(self, targets: Iterable[TargetStatus]) -> dict[str, Any]:
        missed = late = 0
        lag = 0.0
        for t in targets:
            missed, late, lag = missed + t.polls_missed, late + t.polls_late, max(lag, t.lag)
        names = [f"<{b:g}s" for b in LAG_BOUNDS] + [f">={LAG_BOUNDS[-1]:g}s"]
        return {"missed": missed, "late": late, "late_after": f"{LATE_FRACTION:g} x interval",
                "lag_s": round(lag, 3), "lag_max_s": round(self.lag_max, 3),
                "lateness": dict(zip(names, self.buckets, strict=True))}


class Scheduler:
    def __init__(self, defaults: Defaults, ownership: Ownership, poll: Poll,
                 status: dict[str, TargetStatus]) -> None:
        self._defaults = defaults
        self._ownership = ownership
        self._poll = poll
        self.status = status
        self.sources: dict[str, Source] = {}
        self._specs: dict[str, tuple[str, Any]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._kicks: dict[str, asyncio.Event] = {}
        self._not_before: dict[str, float] = {}   # key -> unix time before which a slot is skipped
        self._due: dict[str, float] = {}          # key -> loop time of the slot it is serving or awaiting
        self._closing: list[asyncio.Task[None]] = []   # sources of removed targets, closing
        self._sem = asyncio.Semaphore(defaults.concurrency)
        self.timing = PollTiming()
        ownership.subscribe(self)

    # -- targets -----------------------------------------------------------------------------
    def apply(self, wanted: dict[str, tuple[str, Any]], defaults: Defaults) -> None:
        """Start new targets, stop removed ones, restart changed ones; others keep running."""
        self._defaults = defaults
        for key in list(self._specs):
            if key not in wanted or wanted[key] != self._specs[key]:
                self._stop_target(key)
        for key, (kind, spec) in wanted.items():
            if key in self._tasks:
                continue
            self._specs[key] = (kind, spec)
            try:
                src = make_source(kind, key, spec)
            except NetrosettaError as exc:
                st = self.status[key] = TargetStatus(key, kind, "-", self._interval(spec))
                st.record_failure(str(exc), "unsupported", 0.0, time.time())
                log.warning("%s: %s", key, exc)
                continue
            self.sources[key] = src
            prev = self.status.get(key)
            st = TargetStatus(key, kind, src.address, self._interval(spec))
            if prev is not None:  # keep counts across a change of the same target
                st.polls_ok, st.polls_failed, st.points_total = prev.polls_ok, prev.polls_failed, prev.points_total
                st.polls_missed, st.polls_late = prev.polls_missed, prev.polls_late
            self.status[key] = st
            self._tasks[key] = asyncio.create_task(self._target_loop(src, spec), name=f"poll-{key}")
        log.info("%d targets scheduled", len(self._tasks))

    def _stop_target(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()
        self._specs.pop(key, None)
        self._kicks.pop(key, None)
        self._not_before.pop(key, None)
        self._due.pop(key, None)
        self.status.pop(key, None)
        src = self.sources.pop(key, None)
        if src is not None:
            self._closing = [t for t in self._closing if not t.done()]   # a long run edits targets often
            self._closing.append(asyncio.create_task(src.close(), name=f"close-{key}"))

    def _interval(self, spec: Any) -> float:
        return float(getattr(spec, "interval", None) or self._defaults.interval)

    async def _target_loop(self, src: Source, spec: Any) -> None:
        loop = asyncio.get_running_loop()
        interval = self._interval(spec)
        jitter = getattr(spec, "jitter", None)
        jitter = self._defaults.jitter if jitter is None else jitter
        timeout = float(getattr(spec, "poll_timeout", None) or self._defaults.poll_timeout)
        timeout = min(timeout, interval)  # a poll never runs into the next one
        first = random.uniform(0, interval * jitter)
        self._due[src.key] = loop.time() + first
        await asyncio.sleep(first)
        due = loop.time()
        owns = self._ownership.owns
        while True:
            self._due[src.key] = due  # health: a slot not served in time shows as overdue
            if owns(src.key) and time.time() >= self._not_before.get(src.key, 0.0):
                async with self._sem:
                    self.timing.started(self.status[src.key], loop.time() - due)
                    await self._poll(src, timeout)
            elif not owns(src.key):
                self.status[src.key].state = "not-owned"
            due += interval
            now = loop.time()
            if due < now:  # overran (slow device): skip the missed slots, keep the phase, count them
                missed = int((now - due) // interval + 1)
                due += missed * interval
                self.status[src.key].polls_missed += missed
            self._due[src.key] = due
            kick = self._kicks.setdefault(src.key, asyncio.Event())
            try:
                await asyncio.wait_for(kick.wait(), due - now)
                due = loop.time()  # kicked (e.g. a target taken over from a dead instance): poll now
            except TimeoutError:
                pass
            kick.clear()

    def kick(self, key: str) -> None:
        """Poll ``key`` now instead of at its next slot."""
        ev = self._kicks.get(key)
        if ev is not None:
            ev.set()

    def poll_at(self, key: str, when: float) -> None:
        """Next poll of ``key`` at unix time ``when`` (a taken-over target keeps its old phase)."""
        delay = when - time.time()
        if delay <= 0:
            self.kick(key)
            return
        self._not_before[key] = when - 0.05
        asyncio.get_running_loop().call_later(delay, self.kick, key)

    def schedules(self) -> list[tuple[str, asyncio.Task[None], float | None]]:
        """(target key, its schedule task, loop time of the slot it serves or awaits), for health."""
        return [(key, task, self._due.get(key)) for key, task in self._tasks.items()]

    # -- OwnershipListener -----------------------------------------------------------------------
    def acquired(self, key: str, previous_start: float | None) -> None:
        st = self.status.get(key)
        if previous_start is not None and st is not None:
            self.poll_at(key, previous_start + st.interval)  # no double poll, no gap
        else:
            self.kick(key)   # nobody polled it for up to a lease period: do not wait a slot

    def lost(self, key: str) -> None:
        st = self.status.get(key)
        if st is not None:
            st.state = "not-owned"

    # -- TargetsView ---------------------------------------------------------------------------
    def target_keys(self) -> list[str]:
        return list(self.status)

    def last_start(self, key: str) -> float | None:
        st = self.status.get(key)
        return st.started if st is not None else None

    # -- lifecycle -----------------------------------------------------------------------------
    async def stop(self) -> None:
        """Cancel every schedule (a poll in flight is cut off) and wait for them to end."""
        tasks = [*self._tasks.values(), *self._closing]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    async def close_sources(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sources.values()), return_exceptions=True)
