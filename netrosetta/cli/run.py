"""`netrosetta run --config FILE`, `netrosetta config check FILE`, `netrosetta config schema`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any


def cmd_run(args: argparse.Namespace) -> int:
    from netrosetta.service.config import load_config
    from netrosetta.service.main import run_service

    if args.worker:   # one of an instance's worker processes, started by its supervisor
        from netrosetta.service.worker import run_worker
        index, count = _worker_spec(args.worker)
        asyncio.run(run_worker(Path(args.config), index, count, args.instance, args.worker_restarts))
        return 0
    cfg = load_config(args.config)
    if cfg.worker_count() > 1:
        from netrosetta.service.workers import Supervisor
        asyncio.run(Supervisor(cfg, Path(args.config), cfg.worker_count(), args.verbose).run())
        return 0
    asyncio.run(run_service(cfg, args.config))
    return 0


def _worker_spec(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise SystemExit(f"netrosetta run: --worker takes K/N with K < N, not {text!r}")
    return int(index), int(count)


def cmd_check(args: argparse.Namespace) -> int:
    from netrosetta.collectors import registry
    from netrosetta.service.config import load_config
    from netrosetta.service.runtime import all_targets, load_rulebook_set

    cfg = load_config(args.file)
    rulebooks = load_rulebook_set(cfg)
    targets = all_targets(cfg)
    by_kind = {k: sum(1 for kind, _s in targets.values() if kind == k) for k in registry.names()}
    kinds = ", ".join(f"{n} {k}" for k, n in by_kind.items() if n) or "no targets"
    outs = cfg.outputs
    n_out = len(outs.otlp_grpc) + len(outs.otlp_http) + len(outs.otlp_json) + (outs.prometheus is not None)
    for warning in _missing_files(cfg):
        print(f"{args.file}: warning: {warning}", file=sys.stderr)
    print(f"{args.file}: ok — {kinds}, {len(cfg.flow)} flow listener(s), {n_out} output(s), "
          f"{len(rulebooks.ids())} rulebooks")
    return 0


def _missing_files(cfg: Any) -> list[str]:
    """Files the config names that are not there now (they may appear before `run`: warnings)."""
    out = []
    outs = cfg.outputs
    for kind, items in (("otlp_grpc", outs.otlp_grpc), ("otlp_http", outs.otlp_http)):
        for o in items:
            for field in ("ca_file", "cert_file", "key_file"):
                path = getattr(o.tls, field)
                if path is not None and not Path(path).is_file():
                    out.append(f"outputs.{kind} {o.endpoint}: tls.{field} {path} does not exist")
    if cfg.targets_file is not None and not Path(cfg.targets_file).exists():
        out.append(f"targets_file {cfg.targets_file} does not exist (no extra targets until it does)")
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    from netrosetta.service.config import json_schema

    json.dump(json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run the collector service (polling, translation, export)")
    p.add_argument("--config", "-c", required=True, metavar="FILE", help="service config (YAML)")
    # set by the supervisor of an instance with `workers: N` for each worker process it starts
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--instance", help=argparse.SUPPRESS)
    p.add_argument("--worker-restarts", type=int, default=0, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    c = sub.add_parser("config", help="check a service config or print its JSON Schema")
    csub = c.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    ck = csub.add_parser("check", help="validate a config file (errors as file:line:col)")
    ck.add_argument("file", metavar="FILE")
    ck.set_defaults(func=cmd_check)
    sc = csub.add_parser("schema", help="print the config's JSON Schema")
    sc.set_defaults(func=cmd_schema)
