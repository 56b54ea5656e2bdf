"""``workers: N``: one instance as N worker processes that share nothing, under a supervisor.

Each worker (worker.py) is ``netrosetta run --config FILE --worker K/N --instance NAME``: a whole
service that polls its shard — the targets member ``<instance>/w<K>`` wins by rendezvous, the
ownership model the NATS scale-out uses between instances (with NATS configured the workers are
cluster members). The supervisor (this module) holds no targets: it starts the workers, restarts
one that dies (counted, with backoff), forwards SIGHUP and SIGTERM, and serves the instance's
/status, /status.json, /readyz and /metrics by merging the workers' (merge.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from netrosetta import __version__

from .config import ServiceConfig
from .http import app_from, serve
from .merge import WorkerView, merge_prometheus, merge_status, worker_checks
from .runtime import instance_name
from .shard import worker_name
from .worker import BANNER

log = logging.getLogger(__name__)

RESTART_BACKOFF = (0.5, 30.0)     # first and longest wait before restarting a dead worker
STEADY_SECONDS = 30.0             # a worker up this long restarts after the first wait again
FETCH_TIMEOUT = 3.0               # seconds per worker view


@dataclass
class _Worker:
    index: int
    name: str
    proc: asyncio.subprocess.Process | None = None
    http_port: int | None = None
    restarts: int = 0
    last_exit: int | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None and self.http_port is not None


class Supervisor:
    def __init__(self, cfg: ServiceConfig, config_path: Path, count: int, verbose: int = 0) -> None:
        self.cfg = cfg
        self.config_path = config_path
        self.instance = instance_name(cfg)
        self.verbose = verbose
        self.workers = [_Worker(k, worker_name(self.instance, k)) for k in range(count)]
        self.started = time.monotonic()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    # -- worker processes -------------------------------------------------------------------------
    def _argv(self, w: _Worker) -> list[str]:
        v = ["-" + "v" * self.verbose] if self.verbose else []
        return [sys.executable, "-m", "netrosetta", *v, "run", "--config", str(self.config_path),
                "--worker", f"{w.index}/{len(self.workers)}", "--instance", self.instance,
                "--worker-restarts", str(w.restarts)]

    async def _keep(self, w: _Worker) -> None:
        """Run worker ``w`` until the instance stops; restart it whenever it exits meanwhile."""
        wait = RESTART_BACKOFF[0]
        while not self._stop.is_set():
            w.http_port = None
            # stdin stays open while we live: the worker stops itself when it reads EOF
            w.proc = await asyncio.create_subprocess_exec(
                *self._argv(w), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
            if self._stop.is_set():   # stopped while this one was being spawned
                w.proc.send_signal(signal.SIGTERM)
            began = time.monotonic()
            await self._read_stdout(w, w.proc)
            rc = await w.proc.wait()
            if self._stop.is_set():
                return
            w.last_exit, w.restarts = rc, w.restarts + 1
            wait = RESTART_BACKOFF[0] if time.monotonic() - began > STEADY_SECONDS else min(wait * 2, RESTART_BACKOFF[1])
            log.warning("worker %s (pid %d) exited with %s; restarting it in %.1fs (restart %d)",
                        w.name, w.proc.pid, rc, wait, w.restarts)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)

    async def _read_stdout(self, w: _Worker, proc: asyncio.subprocess.Process) -> None:
        """The worker's start line gives its HTTP port; every other line is passed on whole."""
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace")
            if line.startswith(BANNER) and "http_port=" in line:
                w.http_port = int(line.rsplit("http_port=", 1)[1].split()[0])
                log.info("worker %s running (pid %d)", w.name, proc.pid)
                continue
            with contextlib.suppress(OSError):   # our stdout gone: the worker runs on regardless
                sys.stdout.write(line)
                sys.stdout.flush()

    def _signal_all(self, sig: int) -> None:
        for w in self.workers:
            if w.proc is not None and w.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.send_signal(sig)

    def reload(self) -> None:
        """SIGHUP: every worker reloads config and rulebooks (a changed ``workers:`` needs a restart)."""
        self._signal_all(signal.SIGHUP)

    async def _stop_workers(self) -> None:
        self._stop.set()
        self._signal_all(signal.SIGTERM)
        grace = self.cfg.delivery.shutdown_flush_seconds + 15   # their own flush, then a margin
        procs = [w.proc for w in self.workers if w.proc is not None]
        try:
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), grace)
        except TimeoutError:
            for p in procs:
                if p.returncode is None:
                    log.error("worker pid %d did not stop within %.0fs: killed", p.pid, grace)
                    with contextlib.suppress(ProcessLookupError):
                        p.kill()
            await asyncio.gather(*(p.wait() for p in procs))
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- merged views -----------------------------------------------------------------------------
    async def _get(self, w: _Worker, path: str) -> Any:
        if not w.alive or self._session is None:
            return None
        try:
            async with self._session.get(f"http://127.0.0.1:{w.http_port}{path}") as r:
                return await (r.json() if path.endswith(".json") else r.text())
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None

    async def views(self) -> list[WorkerView]:
        got = await asyncio.gather(*(self._get(w, "/status.json") for w in self.workers))
        return [WorkerView(w.name, w.proc.pid if w.proc else None, w.alive, w.restarts, w.last_exit,
                           w.http_port, st) for w, st in zip(self.workers, got, strict=True)]

    async def status(self) -> dict[str, Any]:
        return merge_status(self.instance, __version__, round(time.monotonic() - self.started, 1),
                            await self.views())

    async def readiness(self) -> tuple[bool, list[dict[str, Any]]]:
        failing = [c for c in worker_checks(await self.views()) if not c["ok"]]
        return not failing, failing

    async def metrics(self) -> str:
        texts = await asyncio.gather(*(self._get(w, "/metrics") for w in self.workers))
        up = ["# HELP netrosetta_worker_up 1 while the worker process runs and serves",
              "# TYPE netrosetta_worker_up gauge"]
        up += [f'netrosetta_worker_up{{service_instance_id="{self.instance}",netrosetta_worker="{w.name}"}} '
               f"{int(w.alive)}" for w in self.workers]
        return merge_prometheus([*(t for t in texts if t), "\n".join(up)])

    # -- run --------------------------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT))
        self._tasks = [asyncio.create_task(self._keep(w), name=f"worker-{w.index}") for w in self.workers]
        runners: list[web.AppRunner] = []
        try:
            while not all(w.http_port for w in self.workers) and not self._stop.is_set():
                await asyncio.sleep(0.1)
            port = 0
            app = app_from(self.status, self.readiness, self.metrics)
            if self.cfg.http.listen and not self._stop.is_set():
                runner, port = await serve(app, self.cfg.http.listen)
                runners.append(runner)
            if self.cfg.outputs.prometheus is not None and not self._stop.is_set():
                runner, pport = await serve(app_from(self.status, self.readiness, self.metrics),
                                            self.cfg.outputs.prometheus.listen)
                runners.append(runner)
                log.info("Prometheus scrape endpoint on port %d /metrics", pport)
            if not self._stop.is_set():
                print(f"netrosetta: running instance={self.instance} http_port={port} "
                      f"workers={len(self.workers)}", flush=True)
            await self._stop.wait()
            log.info("stopping: %d workers", len(self.workers))
        finally:
            await self._stop_workers()
            for r in runners:
                await r.cleanup()
            await self._session.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
