"""The running service, assembled from its stages (service/README.md draws the pipeline):

Scheduler → Poller (Source → Translate) → Emitter (start times, series identity) → Router (local
outputs or the cluster's stream) → Fanout (one Delivery per output: queue, spill, retry) → sinks.

Each stage is handed the narrow interface it calls (service/ports.py); the cluster is injected as
``Ownership`` and ``Publisher``. Everything runs on the event loop's thread; producers on other
threads (flow listeners) enter through ``submit``, a thread-safe handoff. This module owns what
spans the stages: config and rulebook reloads (SIGHUP), the targets-file watch, self-telemetry,
start and stop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.errors import NetrosettaError
from netrosetta.exporter.sinks import JsonLinesSink, Sink
from netrosetta.paths import MAPPINGS

from .config import ServiceConfig, TargetsBase, load_config, load_targets_file, target_key
from .delivery import Delivery
from .emit import Emitter
from .fanout import Fanout
from .handoff import LoopHandoff
from .health import checks
from .outputs import build_sinks
from .poller import Poller
from .ports import EveryTarget, Ownership, Publisher, Series
from .reconcile_live import ReconcilingEmitter, live_reconciler
from .route import Router
from .scheduler import Scheduler
from .sources import Source
from .spill import Orphan
from .status import TargetStatus
from .targets_read import read_targets_file
from .telemetry import self_translation

if TYPE_CHECKING:
    from .cluster import Cluster
    from .flows import FlowRunner
    from .traps import TrapListener

log = logging.getLogger(__name__)


def load_rulebook_set(cfg: ServiceConfig) -> RulebookSet:
    return RulebookSet.from_paths([MAPPINGS, *cfg.rulebooks])


def instance_name(cfg: ServiceConfig) -> str:
    """The configured instance id, else the cluster's, else hostname-pid."""
    return cfg.instance or (cfg.cluster.instance if cfg.cluster else None) or f"{socket.gethostname()}-{os.getpid()}"


def all_targets(cfg: ServiceConfig, from_file: TargetsBase | None = None) -> dict[str, tuple[str, Any]]:
    """key -> (kind, spec) from the config and the watched targets file (``from_file``: its
    targets already read, else read here)."""
    out: dict[str, tuple[str, Any]] = {}
    sets = [cfg.targets]
    if from_file is not None:
        sets.append(from_file)
    elif cfg.targets_file is not None and cfg.targets_file.exists():
        sets.append(load_targets_file(cfg.targets_file))
    for targets in sets:
        for kind, spec in targets.items():
            out[target_key(kind, spec)] = (kind, spec)
    return out


class Service:
    """``ownership``/``publisher``: the cluster's two interfaces (default: built from ``cfg.cluster``,
    or a single instance). ``record``: a sink that sees every batch made, before delivery (default:
    ``cluster.record_file``). ``instance``: this process's member name (a worker's
    ``<instance>/w<k>``; default from the config). ``loader``: reads the config on SIGHUP (a worker
    derives its own from the file)."""

    def __init__(self, cfg: ServiceConfig, *, config_path: str | Path | None = None,
                 sinks: list[Sink] | None = None, ownership: Ownership | None = None,
                 publisher: Publisher | None = None, record: Sink | None = None,
                 instance: str | None = None,
                 loader: Callable[[Path], ServiceConfig] = load_config) -> None:
        self.cfg = cfg
        self.config_path = Path(config_path) if config_path else None
        self.instance = instance or instance_name(cfg)
        self._loader = loader
        self.rulebooks = load_rulebook_set(cfg)
        self.started_ns = time.time_ns()
        self.ready = False
        self.outputs = Fanout(sinks if sinks is not None else build_sinks(cfg.outputs), cfg.delivery)
        self.cluster: Cluster | None = None
        if cfg.cluster is not None:
            from .cluster import Cluster  # imports nats: only in cluster mode
            self.cluster = Cluster(self.instance, cfg.cluster, self.outputs)
            if record is None and cfg.cluster.record_file is not None:
                record = JsonLinesSink(cfg.cluster.record_file)
        if ownership is None:
            ownership = self.cluster if self.cluster is not None else EveryTarget()
        if publisher is None:
            publisher = self.cluster   # None: single instance, batches go straight to the outputs
        self.router = Router(self.outputs, publisher, record)
        self.reconciler = live_reconciler(cfg.reconcile)   # None unless enabled
        self.emitter = (Emitter(self.router) if self.reconciler is None
                        else ReconcilingEmitter(self.router, self.reconciler))
        status: dict[str, TargetStatus] = {}
        self.poller = Poller(status, lambda: self.rulebooks, self.emitter)
        self.scheduler = Scheduler(cfg.defaults, ownership, self.poller.poll_once, status)
        self.flows: FlowRunner | None = None
        self.traps: TrapListener | None = None
        self._handoff: LoopHandoff | None = None
        self._bg: list[asyncio.Task[Any]] = []
        self.own_counters: Series = {}   # set by whoever runs the service (a worker: its restarts)

    # -- views for the status page, health and self-telemetry --------------------------------
    @property
    def status(self) -> dict[str, TargetStatus]:
        return self.scheduler.status

    @property
    def sources(self) -> dict[str, Source]:
        return self.scheduler.sources

    @property
    def deliveries(self) -> list[Delivery]:
        return self.outputs.deliveries

    @property
    def orphans(self) -> list[Orphan]:
        return self.outputs.orphans

    @property
    def translated_points(self) -> int:
        return self.poller.translated_points

    def schedules(self) -> list[tuple[str, asyncio.Task[None], float | None]]:
        """(target key, its schedule task, loop time of the slot it serves or awaits), for health."""
        return self.scheduler.schedules()

    def cluster_status(self) -> dict[str, Any] | None:
        if self.cluster is None:
            return None
        return {**self.cluster.status(), "publish_fallbacks": self.router.fallbacks}

    # -- entries into the pipeline -------------------------------------------------------------
    async def poll_once(self, src: Source, timeout: float) -> None:
        """One poll of ``src`` through the whole pipeline, now (its status must exist)."""
        await self.poller.poll_once(src, timeout)

    def emit(self, t: DeviceTranslation) -> int:
        """One translation → Emit → Route (event loop thread only)."""
        return self.emitter.emit([t])

    def deliver(self, req: ExportMetricsServiceRequest, pts: int) -> None:
        """An already built request → Route (event loop thread only; other threads: ``submit``)."""
        self.router.offer(req, pts)

    def submit(self, translations: Sequence[DeviceTranslation]) -> None:
        """``Producer``: one batch from any thread → Emit → Route → Delivery, in order, non-blocking."""
        if self._handoff is None:
            raise RuntimeError("Service.submit before Service.start")
        self._handoff.submit(translations)

    # -- targets -----------------------------------------------------------------------------
    def apply_targets(self, wanted: dict[str, tuple[str, Any]]) -> None:
        """Start new targets, stop removed ones, restart changed ones; others keep running."""
        self.scheduler.apply(wanted, self.cfg.defaults)

    # -- background loops --------------------------------------------------------------------
    async def _self_telemetry(self) -> None:
        while True:
            await asyncio.sleep(self.cfg.self_telemetry.interval)
            self.emit(self.self_translation())

    def self_translation(self) -> DeviceTranslation:
        extra: Series = dict(self.own_counters)
        gauges: Series = {}
        if self.flows is not None:
            extra.update(self.flows.counters())
        if self.cluster is not None:
            extra.update(self.cluster.counters())
            extra["netrosetta.cluster.publish.fallbacks"] = {(): self.router.fallbacks}
            gauges = self.cluster.gauges()
        if self.reconciler is not None:
            extra.update(self.reconciler.counters())
            gauges = {**gauges, **self.reconciler.gauges()}
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
            log.info("targets file %s changed: reading it", path)
            try:
                # parsed in a child process, validated in a thread: a large or hostile file must
                # not stall polls or the HTTP server
                wanted = all_targets(cfg, await read_targets_file(path))
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
            cfg = self._loader(path)
            return cfg, load_rulebook_set(cfg)

        try:
            # parsing rulebooks takes a second or two: off the event loop, polls go on meanwhile
            cfg, rulebooks = await asyncio.to_thread(load)
            wanted = all_targets(cfg, await read_targets_file(cfg.targets_file) if cfg.targets_file else None)
        except NetrosettaError as exc:
            log.error("reload refused, keeping the running config: %s", exc)
            return
        if cfg.outputs != self.cfg.outputs or cfg.cluster != self.cfg.cluster:
            log.warning("outputs/cluster changes need a restart; other changes applied")
        self.cfg, self.rulebooks = cfg, rulebooks
        self.apply_targets(wanted)
        log.info("reloaded %s: %d rulebooks", self.config_path, len(rulebooks.ids()))

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._handoff = LoopHandoff(loop, self.emitter.emit)
        self.outputs.start()
        self.router.start()
        if self.cluster is not None:
            await self.cluster.start(self.scheduler)
        if self.cfg.flow:
            from .flows import FlowRunner
            self.flows = FlowRunner(self, self.cfg.flow)
            await self.flows.start()
        if self.cfg.traps is not None:
            from .traps import TrapListener
            self.traps = TrapListener(self.cfg.traps, self.status, self.deliveries)
            await self.traps.start()
        self.apply_targets(all_targets(self.cfg))
        if self.cfg.self_telemetry.enabled:
            self._bg.append(asyncio.create_task(self._self_telemetry(), name="self-telemetry"))
        if self.cfg.targets_file is not None:
            self._bg.append(asyncio.create_task(self._watch_targets_file(), name="targets-file"))
        self.ready = True

    async def stop(self) -> None:
        """Stop polling, release leases, flush the route and the outputs (bounded), close sources."""
        self.ready = False
        for t in self._bg:
            t.cancel()
        await asyncio.gather(self.scheduler.stop(), *self._bg, return_exceptions=True)
        if self.flows is not None:
            await self.flows.stop()
        if self.traps is not None:
            self.traps.close()
        if self.cfg.self_telemetry.enabled:
            self.emit(self.self_translation())  # final counters
        flush = self.cfg.delivery.shutdown_flush_seconds
        if self.cluster is not None:
            await self.cluster.leave()
        deadline = time.monotonic() + flush   # shared by the route's publishing and the stream's drain
        await self.router.close(deadline)
        if self.cluster is not None:
            await self.cluster.stop(deadline)
        await self.outputs.close(flush)
        await self.scheduler.close_sources()


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:  # absent (or being replaced): no targets from it until it is back
        return None


def targets_from(targets: TargetsBase) -> dict[str, tuple[str, Any]]:
    return {target_key(k, s): (k, s) for k, s in targets.items()}
