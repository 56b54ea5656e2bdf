"""Raw flows to OTLP log requests, flows per CPU-second: netrosetta's wire encoder vs the same
request built with the protobuf message API (opentelemetry-proto's generated classes, C upb).

Both read the same decoded batches (pmacct's IOS XR NetFlow v9 capture, its data datagrams
repeated ``--repeats`` times, decoded in chunks of 256 datagrams as a listener batches them) and
produce serialized ExportLogsServiceRequest bytes; the first batch's two requests are checked
equal before timing. Decoding is not timed.

    python -m bench.flow_export [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.flow_decode import CAPTURE, ROOT, capture_file

RESULTS = Path(__file__).resolve().parent / "results" / "flow_export.json"
RESOURCE = {"service.name": "netrosetta-flow", "host.name": "collector-1"}


def _batches(path: Path) -> list[Any]:
    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.sources import decode_capture

    return [r.flows for r in decode_capture(FlowDecoder(), path, 256) if len(r.flows)]


def _any(v: Any) -> Any:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue

    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    if isinstance(v, list):
        return AnyValue(array_value=ArrayValue(values=[_any(x) for x in v]))
    return AnyValue(string_value=str(v))


def protobuf_api(batch: Any) -> bytes:
    """The peer: the same request through message objects."""
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope, KeyValue
    from opentelemetry.proto.logs.v1.logs_pb2 import SEVERITY_NUMBER_INFO

    from netrosetta import __version__
    from netrosetta.collectors.flow.otlp_logs import otel_attributes

    req = ExportLogsServiceRequest()
    rl = req.resource_logs.add()
    rl.resource.attributes.extend([KeyValue(key=k, value=_any(v)) for k, v in sorted(RESOURCE.items())])
    sl = rl.scope_logs.add()
    sl.scope.CopyFrom(InstrumentationScope(name="netrosetta.flow", version=__version__))
    body = _any("flow")
    for row in batch.rows():
        received = int(row.get("time_received_ns") or 0)
        lr = sl.log_records.add(time_unix_nano=int(row.get("time_flow_end_ns") or received),
                                observed_time_unix_nano=received, severity_number=SEVERITY_NUMBER_INFO,
                                severity_text="INFO", event_name="network.flow")
        lr.body.CopyFrom(body)
        lr.attributes.extend([KeyValue(key=k, value=_any(v)) for k, v in otel_attributes(row).items()])
    return req.SerializeToString()


def main(argv: Sequence[str] | None = None) -> int:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    from netrosetta.collectors.flow.otlp_logs import encode_flow_logs
    from netrosetta.exporter.otlp_wire import LogAttrs

    ap = argparse.ArgumentParser(prog="python -m bench.flow_export")
    ap.add_argument("--repeats", type=int, default=300)
    args = ap.parse_args(list(argv) if argv is not None else None)
    if not CAPTURE.exists():
        print(f"bench.flow_export: {CAPTURE} is absent; skipped")
        return 0
    with capture_file(args.repeats) as (cap, _, _):
        batches = _batches(cap)
    flows = sum(len(b) for b in batches)
    attrs = LogAttrs()
    assert ExportLogsServiceRequest.FromString(encode_flow_logs(batches[0], RESOURCE, attrs)) == \
        ExportLogsServiceRequest.FromString(protobuf_api(batches[0]))
    peers: dict[str, dict[str, Any]] = {}
    for name, fn in (("netrosetta", lambda b: encode_flow_logs(b, RESOURCE, attrs)), ("protobuf_api", protobuf_api)):
        t0 = time.process_time()
        size = sum(len(fn(b)) for b in batches)
        cpu = time.process_time() - t0
        peers[name] = {"flows": flows, "bytes": size, "cpu_s": round(cpu, 3), "flows_per_cpu_s": round(flows / cpu)}
    ours = peers["netrosetta"]["flows_per_cpu_s"]
    for p in peers.values():
        p["netrosetta_ratio"] = round(ours / p["flows_per_cpu_s"], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"capture": str(CAPTURE.relative_to(ROOT.parent)), "repeats": args.repeats,
                                   "batches": len(batches), "peers": peers}, indent=2) + "\n")
    print(f"raw flows -> OTLP log requests: {flows} flows in {len(batches)} batches")
    print(f"{'peer':<14} {'cpu s':>8} {'flows/cpu-s':>12} {'netrosetta x':>13}")
    for name, p in peers.items():
        print(f"{name:<14} {p['cpu_s']:>8.3f} {p['flows_per_cpu_s']:>12,} {p['netrosetta_ratio']:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
