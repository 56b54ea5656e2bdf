"""The running service: sources on their schedules → translation → start times → deliveries.

One asyncio task per target: a slow or dead device only ever holds its own task (and, for at
most ``poll_timeout``, one of ``concurrency`` slots), never the others. Counter state
(StartTimes) lives here and survives SIGHUP reloads of rulebooks and targets.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.errors import NetrosettaError
from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.sinks import Sink, count_points
from netrosetta.exporter.start_times import StartTimes
from netrosetta.paths import MAPPINGS

from .config import ServiceConfig, TargetsBase, load_config, load_targets_file, target_key
from .delivery import Delivery
from .health import checks
from .outputs import build_sinks
from .sources import PollError, Source, make_source
from .spill import Orphan, Spill, find_orphans
from .status import TargetStatus
from .telemetry import self_translation

log = logging.getLogger(__name__)


def load_rulebook_set(cfg: ServiceConfig) -> RulebookSet:
    return RulebookSet.from_paths([MAPPINGS, *cfg.rulebooks])


def all_targets(cfg: ServiceConfig) -> dict[str, tuple[str, Any]]:
    """key -> (kind, spec) from the config and the watched targets file."""
    out: dict[str, tuple[str, Any]] = {}
    sets = [cfg.targets]
    if cfg.targets_file is not None and cfg.targets_file.exists():
        sets.append(load_targets_file(cfg.targets_file))
    for targets in sets:
        for kind, spec in targets.items():
            out[target_key(kind, spec)] = (kind, spec)
    return out


class Service:
    def __init__(self, cfg: ServiceConfig, *, config_path: str | Path | None = None,
                 sinks: list[Sink] | None = None) -> None:
        self.cfg = cfg
        self.config_path = Path(config_path) if config_path else None
        self.instance = (cfg.cluster.instance if cfg.cluster and cfg.cluster.instance
                         else f"{socket.gethostname()}-{os.getpid()}")
        self.rulebooks = load_rulebook_set(cfg)
        self.start_times = StartTimes()
        self._prev_poll: dict[str, int] = {}
        self.started_ns = time.time_ns()
        self.translated_points = 0
        self.status: dict[str, TargetStatus] = {}
        self.sources: dict[str, Source] = {}
        self._specs: dict[str, tuple[str, Any]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._kicks: dict[str, asyncio.Event] = {}
        self._not_before: dict[str, float] = {}   # key -> unix time before which a slot is skipped
        self._due: dict[str, float] = {}          # key -> loop time of the slot it is serving or awaiting
        self._bg: list[asyncio.Task[Any]] = []
        self._sem = asyncio.Semaphore(cfg.defaults.concurrency)
        self.deliveries = [self._delivery(s) for s in (sinks if sinks is not None else build_sinks(cfg.outputs))]
        self.orphans: list[Orphan] = self._housekeep_spill()
        self.ready = False
        self.stopping = asyncio.Event()
        # cluster mode replaces these: who polls a target, and where a batch goes
        self.owns: Callable[[str], bool] = lambda key: True
        self.publish: Callable[[ExportMetricsServiceRequest, int], Any] | None = None
        self.on_translation: list[Callable[[str, DeviceTranslation], None]] = []
        self.extra_counters: dict[str, dict[tuple[tuple[str, str], ...], int]] = {}
        self.cluster: Any = None
        self.flows: Any = None

    def _delivery(self, sink: Sink) -> Delivery:
        d = self.cfg.delivery
        spill = None
        if d.spill_dir is not None:
            safe = "".join(c if c.isalnum() or c in "-." else "_" for c in getattr(sink, "name", "sink"))
            spill = Spill(d.spill_dir / safe, int(d.spill_max_mb * 1024 * 1024))
        return Delivery(sink, queue_batches=d.queue_batches, spill=spill, retry_initial=d.retry_initial,
                        retry_max=d.retry_max)

    def _housekeep_spill(self) -> list[Orphan]:
        """Spill folders no configured output owns (a renamed or removed output): by
        ``delivery.orphaned_spill``, adopted by the only spilling output, or reported and kept."""
        d = self.cfg.delivery
        if d.spill_dir is None:
            return []
        spilling = [dv for dv in self.deliveries if dv.spill is not None]
        owned = {dv.spill.dir.name for dv in spilling if dv.spill is not None}
        orphans = find_orphans(d.spill_dir, owned)
        if orphans and d.orphaned_spill == "deliver":
            if len(spilling) == 1 and spilling[0].spill is not None:
                for o in orphans:
                    try:
                        spilling[0]._count_drop(spilling[0].spill.adopt(o.folder), "spill full (adopted batches)")
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

    # -- pipeline --------------------------------------------------------------------------
    def emit(self, t: DeviceTranslation) -> int:
        """Translation → one OTLP request (start times applied here, once) → every output."""
        req = build_request([t], state=self.start_times, prev_poll_ns=self._prev_poll)
        pts = count_points(req)
        if pts == 0:
            return 0
        self.deliver(req, pts)
        return pts

    def deliver(self, req: ExportMetricsServiceRequest, pts: int) -> None:
        if self.publish is not None:
            self.publish(req, pts)
            return
        for d in self.deliveries:
            d.offer(req, pts)

    # -- targets -----------------------------------------------------------------------------
    def apply_targets(self, wanted: dict[str, tuple[str, Any]]) -> None:
        """Start new targets, stop removed ones, restart changed ones; others keep running."""
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
            self._bg.append(asyncio.create_task(src.close()))

    def _interval(self, spec: Any) -> float:
        return float(getattr(spec, "interval", None) or self.cfg.defaults.interval)

    async def _target_loop(self, src: Source, spec: Any) -> None:
        loop = asyncio.get_running_loop()
        interval = self._interval(spec)
        jitter = getattr(spec, "jitter", None)
        jitter = self.cfg.defaults.jitter if jitter is None else jitter
        timeout = float(getattr(spec, "poll_timeout", None) or self.cfg.defaults.poll_timeout)
        timeout = min(timeout, interval)  # a poll never runs into the next one
        first = random.uniform(0, interval * jitter)
        self._due[src.key] = loop.time() + first
        await asyncio.sleep(first)
        due = loop.time()
        while True:
            self._due[src.key] = due  # health: a slot not served in time shows as overdue
            if self.owns(src.key) and time.time() >= self._not_before.get(src.key, 0.0):
                async with self._sem:
                    await self.poll_once(src, timeout)
            elif not self.owns(src.key):
                self.status[src.key].state = "not-owned"
            due += interval
            now = loop.time()
            if due < now:  # overran (slow device): skip the missed slots, keep the phase
                due += ((now - due) // interval + 1) * interval
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

    async def poll_once(self, src: Source, timeout: float) -> None:
        st = self.status[src.key]
        st.started = time.time()
        t0 = time.monotonic()
        try:
            polled = await asyncio.wait_for(src.poll(self.rulebooks), timeout)
        except TimeoutError:
            await src.close()
            st.record_failure(f"{src.address}: poll did not finish within {timeout:g}s", "timeout",
                              time.monotonic() - t0, time.time())
            log.warning("%s: poll timed out after %gs", src.key, timeout)
            return
        except PollError as exc:
            st.record_failure(str(exc), exc.kind, time.monotonic() - t0, time.time())
            log.warning("%s: %s", src.key, exc)
            if exc.translation is not None:
                self._emit(src.key, exc.translation)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in one source must not stop its schedule
            await src.close()
            st.record_failure(f"{src.address}: internal error {type(exc).__name__}", "internal",
                              time.monotonic() - t0, time.time())
            log.exception("%s: poll raised", src.key)
            return
        t = polled.translation
        st.record_ok(t, polled.match, time.monotonic() - t0, time.time())
        self._emit(src.key, t)

    def _emit(self, key: str, t: DeviceTranslation) -> None:
        self.translated_points += t.count()
        try:
            self.emit(t)
            for cb in self.on_translation:
                cb(key, t)
        except Exception as exc:  # a bug past translation must not end this target's schedule
            log.exception("%s: export pipeline raised", key)
            # the poll was fine but its points were lost: not a silent ok on the status page
            st = self.status.get(key)
            if st is not None:
                st.failures["export"] += 1
                st.warning = f"points of this poll not exported: internal error {type(exc).__name__}"

    # -- background loops --------------------------------------------------------------------
    async def _self_telemetry(self) -> None:
        while True:
            await asyncio.sleep(self.cfg.self_telemetry.interval)
            self.emit(self.self_translation())

    def self_translation(self) -> DeviceTranslation:
        extra = dict(self.extra_counters)
        gauges = {}
        if self.flows is not None:
            extra.update(self.flows.counters())
        if self.cluster is not None:
            extra.update(self.cluster.counters())
            gauges = self.cluster.gauges()
        return self_translation(self.instance, self.started_ns, self.status.values(), self.deliveries,
                                self.translated_points, extra, gauges,
                                health=[(c.name, c.ok) for c in checks(self)], orphans=self.orphans)

    async def _watch_targets_file(self) -> None:
        path = self.cfg.targets_file
        assert path is not None
        last = _mtime(path)
        while True:
            await asyncio.sleep(1.0)
            mtime = _mtime(path)
            if mtime == last:
                continue
            last = mtime
            cfg = self.cfg
            try:
                # parsed in a thread: a large or hostile file must not stall polls or the HTTP server
                wanted = await asyncio.to_thread(all_targets, cfg)
            except NetrosettaError as exc:  # a bad edit keeps the current targets
                log.error("targets file not applied: %s", exc)
                continue
            except Exception:  # a loader bug must not end the watch: keep the targets, say why
                log.exception("targets file not applied: %s could not be read", path)
                continue
            if cfg is not self.cfg:
                continue  # a SIGHUP reload replaced the config meanwhile and applied its own targets
            self.apply_targets(wanted)
            log.info("targets file %s changed: targets updated", path)

    def reload(self) -> None:
        """SIGHUP: re-read config and rulebooks; counter state (start times) is kept."""
        if self.config_path is not None:
            self._bg.append(asyncio.create_task(self._reload(self.config_path), name="reload"))

    async def _reload(self, path: Path) -> None:
        def load() -> tuple[ServiceConfig, RulebookSet]:
            cfg = load_config(path)
            return cfg, load_rulebook_set(cfg)

        try:
            # parsing rulebooks takes a second or two: off the event loop, polls go on meanwhile
            cfg, rulebooks = await asyncio.to_thread(load)
        except NetrosettaError as exc:
            log.error("reload refused, keeping the running config: %s", exc)
            return
        if cfg.outputs != self.cfg.outputs or cfg.cluster != self.cfg.cluster:
            log.warning("outputs/cluster changes need a restart; other changes applied")
        self.cfg, self.rulebooks = cfg, rulebooks
        self.apply_targets(all_targets(cfg))
        log.info("reloaded %s: %d rulebooks", self.config_path, len(rulebooks.ids()))

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        for d in self.deliveries:
            d.start()
        if self.cfg.cluster is not None:
            from .cluster import Cluster
            self.cluster = Cluster(self, self.cfg.cluster)
            await self.cluster.start()
        if self.cfg.flow:
            from .flows import FlowRunner
            self.flows = FlowRunner(self, self.cfg.flow)
            await self.flows.start()
        self.apply_targets(all_targets(self.cfg))
        if self.cfg.self_telemetry.enabled:
            self._bg.append(asyncio.create_task(self._self_telemetry(), name="self-telemetry"))
        if self.cfg.targets_file is not None:
            self._bg.append(asyncio.create_task(self._watch_targets_file(), name="targets-file"))
        self.ready = True

    async def stop(self) -> None:
        """Stop polling, flush outputs (bounded), close sources."""
        self.ready = False
        tasks = list(self._tasks.values()) + self._bg
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self.flows is not None:
            await self.flows.stop()
        if self.cfg.self_telemetry.enabled:
            self.emit(self.self_translation())  # final counters
        if self.cluster is not None:
            await self.cluster.stop(self.cfg.delivery.shutdown_flush_seconds)
        await asyncio.gather(*(d.close(self.cfg.delivery.shutdown_flush_seconds) for d in self.deliveries))
        await asyncio.gather(*(s.close() for s in self.sources.values()), return_exceptions=True)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:  # absent (or being replaced): no targets from it until it is back
        return None


def targets_from(targets: TargetsBase) -> dict[str, tuple[str, Any]]:
    return {target_key(k, s): (k, s) for k, s in targets.items()}
