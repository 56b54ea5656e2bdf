"""`netrosetta lab [--run]`: simulated devices on loopback, and (with --run) the service polling them.

`make run` is `netrosetta lab --run`: a live terminal table, OTLP/JSON lines in a file, and export
to OTEL_EXPORTER_OTLP_ENDPOINT when it is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError


def _print_lab(lab: Any, out: Any = sys.stderr) -> None:
    for d in lab.devices:
        print(f"lab: {d.kind:8} {d.name:18} {d.address}", file=out)
    for name, why in sorted(lab.missing.items()):
        print(f"lab: {name:8} not running — {why}", file=out)


def cmd_lab(args: argparse.Namespace) -> int:
    import json

    from netrosetta.collectors import registry
    from netrosetta.service.lab import lab_config, simulators, start_lab

    known = sorted({*simulators(), *registry.names(), "flow"})
    unknown = [k for k in args.only or [] if k not in known]
    if unknown:
        raise NetrosettaError(f"unknown simulator kind {', '.join(map(repr, unknown))} (known: {', '.join(known)})")

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt      # unwinds the lab's ExitStack: simulators are stopped, not orphaned

    signal.signal(signal.SIGTERM, _stop)
    out_dir = Path(args.out or "var/lab").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "metrics.jsonl"
    with start_lab(args.only) as lab:
        _print_lab(lab)
        cfg = lab_config(lab, json_path=json_path, spill_dir=out_dir / "spill", interval=args.interval,
                         http_listen=args.http)
        if not args.run:
            cfg_path = out_dir / "lab-config.json"
            cfg_path.write_text(json.dumps(cfg, indent=2))
            print(f"lab: config for `netrosetta run --config {cfg_path}` written; Ctrl-C stops the lab",
                  file=sys.stderr)
            with contextlib.suppress(KeyboardInterrupt):
                _wait(args.duration)
            return 0
        return asyncio.run(_run(cfg, json_path, args))


def _wait(duration: float | None) -> None:
    end = time.monotonic() + duration if duration else None
    while end is None or time.monotonic() < end:
        time.sleep(0.5)


async def _run(cfg_data: dict[str, Any], json_path: Path, args: argparse.Namespace) -> int:
    from netrosetta.service.config import ServiceConfig
    from netrosetta.service.main import run_service
    from netrosetta.service.runtime import Service

    cfg = ServiceConfig.model_validate(cfg_data)
    stop = asyncio.Event()
    live_task: list[asyncio.Task[None]] = []

    async def started(svc: Service, port: int | None) -> None:
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        print(f"lab: status page http://127.0.0.1:{port}/status", file=sys.stderr)
        print(f"lab: OTLP/JSON lines -> {json_path}", file=sys.stderr)
        if cfg.flow:
            print(f"lab: raw flows -> {json_path.parent / 'flows.jsonl'} and, as OTLP logs, every output above",
                  file=sys.stderr)
        print(f"lab: OTLP export -> {endpoint}" if endpoint else
              "lab: set OTEL_EXPORTER_OTLP_ENDPOINT to export to your own backend too", file=sys.stderr)
        live_task.append(asyncio.create_task(_live(svc, port, json_path, args, stop)))

    await run_service(cfg, on_started=started, until=stop, keep_latest=True)
    for t in live_task:
        t.cancel()
    return 0


async def _live(svc: Any, port: int | None, json_path: Path, args: argparse.Namespace,
                stop: asyncio.Event) -> None:
    from netrosetta.service.live import render

    end = time.monotonic() + args.duration if args.duration else None
    if sys.stdout.isatty() and not args.plain:
        from rich.live import Live

        with Live(render(svc, port, json_path), refresh_per_second=2, screen=False) as live:
            while end is None or time.monotonic() < end:
                await asyncio.sleep(1.0)
                live.update(render(svc, port, json_path, live.console.width))   # follows a resize
    else:
        last: dict[str, float | None] = {}
        while end is None or time.monotonic() < end:
            await asyncio.sleep(1.0)
            for st in sorted(svc.status.values(), key=lambda s: s.key):
                if st.last_poll != last.get(st.key):
                    last[st.key] = st.last_poll
                    extra = f"{st.points} points via {st.rulebook}@{st.rulebook_version}" if st.state == "ok" \
                        else f"{st.error_kind}: {st.error}"
                    print(f"{time.strftime('%H:%M:%S')} {st.key:24} {st.state:7} "
                          f"{(st.duration or 0) * 1000:7.1f} ms  {extra}", flush=True)
    stop.set()


def register(sub: Any) -> None:
    p = sub.add_parser("lab", help="start simulated devices on loopback (--run: and the service against them)")
    p.add_argument("--run", action="store_true", help="also run the service: live table, OTLP/JSON, OTLP export")
    p.add_argument("--only", action="append", metavar="KIND", help="only these simulators (snmp, gnmi, ...)")
    p.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds (default 5)")
    p.add_argument("--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    p.add_argument("--out", metavar="DIR", help="where OTLP/JSON (metrics.jsonl), flows and the spill go (default: var/lab)")
    p.add_argument("--http", default="127.0.0.1:0", metavar="HOST:PORT", help="status page address")
    p.add_argument("--plain", action="store_true", help="line per poll instead of the live table")
    p.set_defaults(func=cmd_lab)
