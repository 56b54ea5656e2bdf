"""`netrosetta flow listen`: builds a FlowListenerConfig from a YAML file and flags, then serves."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from pydantic import ValidationError

from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)


def _outputs(specs: list[str]) -> list[dict[str, Any]]:
    outs: list[dict[str, Any]] = []
    for s in specs:
        kind, _, rest = s.partition(":")
        if kind == "jsonl":
            outs.append({"type": "jsonl", "path": rest or "-"})
        elif kind in ("otlp-grpc", "otlp-http") and rest:
            outs.append({"type": "otlp", "endpoint": rest, "protocol": kind.split("-")[1]})
        else:
            raise NetrosettaError(f"--output {s!r}: expected jsonl:-, jsonl:PATH, otlp-grpc:HOST:PORT "
                                  "or otlp-http:URL")
    return outs


def build_config(args: argparse.Namespace) -> Any:
    from netrosetta.collectors.flow.config import FlowListenerConfig

    data: dict[str, Any] = {}
    if args.config:
        from ruamel.yaml import YAML, YAMLError
        try:
            loaded = YAML(typ="safe").load(args.config.read_text())
        except (OSError, YAMLError) as exc:
            raise NetrosettaError(f"cannot read config: {exc}", file=str(args.config)) from None
        if not isinstance(loaded, dict):
            raise NetrosettaError("expected a mapping of listener settings", file=str(args.config))
        data.update(loaded)
    for flag, key in (("port", "port"), ("bind", "bind"), ("workers", "workers"),
                      ("rollup_interval", "rollup_interval"), ("template_cache", "template_cache_path")):
        v = getattr(args, flag, None)
        if v is not None:
            data[key] = str(v) if key == "template_cache_path" else v
    if getattr(args, "geo", None):
        from netrosetta.collectors.flow.geo import GeoConfig
        from netrosetta.engine.yaml_source import load_yaml, validate
        data["geo"] = validate(load_yaml(args.geo), GeoConfig).model_dump(exclude_none=True)
    if args.filters:
        data["filters"] = [*data.get("filters", []), *args.filters]
    if args.rollups:
        data["rollups"] = [*data.get("rollups", []), *args.rollups]
    if args.columns or args.drop_columns:
        data["columns"] = {"include": [c for c in (args.columns or "").split(",") if c],
                           "exclude": [c for c in (args.drop_columns or "").split(",") if c]}
    if args.output:
        data["outputs"] = _outputs(args.output)
    sampling = dict(data.get("sampling", {}))
    if args.sampling_default:
        sampling["default_rate"] = args.sampling_default
    for ov in args.sampling_override:
        addr, _, rate = ov.partition("=")
        if not rate.isdigit():
            raise NetrosettaError(f"--sampling-override {ov!r}: expected ADDR=RATE")
        sampling.setdefault("overrides", {})[addr] = int(rate)
    if sampling:
        data["sampling"] = sampling
    try:
        return FlowListenerConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise NetrosettaError(f"listener config: {where}: {first['msg']}",
                              file=str(args.config) if args.config else None) from None


def run_listen(args: argparse.Namespace) -> int:
    from netrosetta.collectors.flow.listener import FlowListener
    from netrosetta.collectors.flow.pipeline import FlowPipeline

    cfg = build_config(args)
    pipeline = FlowPipeline(cfg)
    try:
        listener = FlowListener(cfg, pipeline.process)
    except OSError as exc:
        pipeline.close()  # stops its rollup timer, closes the outputs it opened
        raise NetrosettaError(f"cannot listen on {cfg.bind}:{cfg.port}: {exc.strerror}") from None
    signal.signal(signal.SIGTERM, lambda *_: listener.stop())
    print(f"flow listen: {cfg.bind}:{listener.port} ({cfg.workers} worker(s))", file=sys.stderr, flush=True)
    try:
        listener.serve(args.duration)
    except KeyboardInterrupt:
        listener.stop()
    finally:
        pipeline.close()
        st = listener.stats().as_dict()
        print("flow listen: " + ", ".join(f"{k}={v}" for k, v in st.items() if v), file=sys.stderr)
    return 0
