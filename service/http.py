"""HTTP: /healthz, /readyz, /status (HTML page), /status.json, /metrics (Prometheus text).

The status page is static HTML that renders /status.json with a little JavaScript, refreshing
every few seconds; nothing secret is in the JSON (credentials are never part of a status).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from netrosetta import __version__

from . import gc_stats
from .health import ready
from .prometheus import render_prometheus

if TYPE_CHECKING:
    from .runtime import Service


def status_json(svc: Service) -> dict[str, Any]:
    ok, checks = ready(svc)
    return {
        "instance": svc.instance,
        "version": __version__,
        "ready": ok,
        "checks": [c.as_json() for c in checks],
        "uptime_s": round((time.time_ns() - svc.started_ns) / 1e9, 1),
        "rulebooks": sorted(svc.rulebooks.ids()),
        "targets": [st.as_json() for st in sorted(svc.status.values(), key=lambda s: s.key)],
        "outputs": [{
            "name": d.name, "queue": d.depth(), "exported_points": d.stats.exported_points,
            "export_errors": d.stats.export_errors, "dropped_points": d.stats.dropped_points,
            "dropped_batches": d.stats.dropped_batches,
            "retrying": d.stats.retrying, "spill_bytes": d.spill.bytes if d.spill is not None else None,
            "spill_max_bytes": d.spill.max_bytes if d.spill is not None else None,
            "spill_full": d.spill_full,
        } for d in svc.deliveries],
        "orphaned_spill": [o.as_json() for o in svc.orphans],
        "translated_points": svc.translated_points,
        "polls": svc.scheduler.timing.as_json(svc.status.values()),
        "gc": gc_stats.STATS.as_json(),
        "cluster": svc.cluster_status(),
        "flows": svc.flows.status() if svc.flows is not None else None,
        "traps": svc.traps.status_json() if svc.traps is not None else None,
        "reconcile": svc.reconciler.status_json() if svc.reconciler is not None else None,
    }


def make_app(svc: Service) -> web.Application:
    async def readiness() -> tuple[bool, list[dict[str, Any]]]:
        ok, checks = ready(svc)
        return ok, [c.as_json() for c in checks if not c.ok]

    async def status() -> dict[str, Any]:
        return status_json(svc)

    async def metrics() -> str:
        svc.poller.want_latest()   # each device's next poll is kept for the next scrape
        return render_prometheus([st.latest for st in svc.status.values() if st.latest is not None]
                                 + [svc.self_translation()])

    return app_from(status, readiness, metrics)


def app_from(status: Callable[[], Awaitable[dict[str, Any]]],
             readiness: Callable[[], Awaitable[tuple[bool, list[dict[str, Any]]]]],
             metrics: Callable[[], Awaitable[str]]) -> web.Application:
    """The endpoints over three views: one service's, or a supervisor's merge of its workers'."""
    page = resources.files("netrosetta.service").joinpath("status.html").read_text(encoding="utf-8")

    async def healthz(_r: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_r: web.Request) -> web.Response:
        ok, failing = await readiness()
        return web.json_response({"ready": ok, "failing": failing}, status=200 if ok else 503)

    async def status_page(_r: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def status_j(_r: web.Request) -> web.Response:
        return web.json_response(await status())

    async def metrics_text(_r: web.Request) -> web.Response:
        return web.Response(text=await metrics(), content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", status_page)
    app.router.add_get("/status", status_page)
    app.router.add_get("/status.json", status_j)
    app.router.add_get("/metrics", metrics_text)
    return app


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


async def start_http(svc: Service, listen: str) -> tuple[web.AppRunner, int]:
    return await serve(make_app(svc), listen)


async def serve(app: web.Application, listen: str) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on ``listen``; returns the runner and the port bound (port 0: the kernel's)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = split_listen(listen)
    site = web.TCPSite(runner, host, port)
    await site.start()
    server: Any = site._server
    bound = port
    if server is not None and getattr(server, "sockets", None):  # port 0: report the one bound
        bound = int(server.sockets[0].getsockname()[1])
    return runner, bound
