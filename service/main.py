"""Run the service until SIGTERM/SIGINT; SIGHUP reloads config and rulebooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from . import gc_stats
from .config import ServiceConfig
from .http import start_http
from .runtime import Service

log = logging.getLogger(__name__)


async def run_service(cfg: ServiceConfig, config_path: str | Path | None = None, *,
                      on_started: Callable[[Service, int | None], Awaitable[None] | None] | None = None,
                      until: asyncio.Event | None = None, keep_latest: bool = False,
                      banner: str = "netrosetta: running", **service_kw: Any) -> Service:
    """``keep_latest``: keep every target's last poll from the start (a live table reads them);
    ``banner``: the start line's prefix; ``service_kw``: passed to ``Service`` (a worker's instance
    name, ownership and config loader)."""
    if cfg.worker_count() > 1:   # the supervisor (workers.py) is `netrosetta run`'s, not this entry's
        log.warning("workers: %d is applied by `netrosetta run`; running as one process", cfg.worker_count())
    gc_stats.watch()
    gc_stats.tune()
    _raise_fd_limit()
    svc = Service(cfg, config_path=config_path, **service_kw)
    # a Prometheus output serves the last polls at any scrape, the first one too
    svc.poller.keep_latest = keep_latest or cfg.outputs.prometheus is not None
    loop = asyncio.get_running_loop()
    stop = until or asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGHUP, svc.reload)
    runner: web.AppRunner | None = None
    port: int | None = None
    prom: web.AppRunner | None = None
    try:
        await svc.start()
        if cfg.http.listen:
            runner, port = await start_http(svc, cfg.http.listen)
            log.info("status page on http://%s:%d/status", cfg.http.listen.rpartition(":")[0], port)
        if cfg.outputs.prometheus is not None:
            prom, pport = await start_http(svc, cfg.outputs.prometheus.listen)
            log.info("Prometheus scrape endpoint on port %d /metrics", pport)
        # machine-readable start line: tests and scripts wait for it
        print(f"{banner} instance={svc.instance} http_port={port or 0}", flush=True)
        if on_started is not None:
            res = on_started(svc, port)
            if res is not None:
                await res
        await stop.wait()
        log.info("stopping: flushing outputs")
    finally:
        await svc.stop()
        for r in (runner, prom):
            if r is not None:
                await r.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return svc


def _raise_fd_limit() -> None:
    """One socket per polled target: thousands of targets need more descriptors than the usual soft
    limit (1024), so take the hard limit the system allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:   # e.g. a hard limit above the kernel's nr_open
            log.warning("could not raise the open-files limit from %d: %s", soft, exc)
