"""The OTLP requests that leave: metrics (polls, self-telemetry, flow rollups, sFlow counters) and
logs (raw flow records). What every sink, the delivery queue and the spill need to know of them.

A spilled metrics request is its protobuf bytes as they are (files written by earlier versions
read back unchanged); a logs request is ``LOGS_MARK`` then its bytes. No protobuf message starts
with a zero byte (field number 0 does not exist), so the two cannot be confused.
"""

from __future__ import annotations

from typing import Literal

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

Request = ExportMetricsServiceRequest | ExportLogsServiceRequest
Signal = Literal["metrics", "logs"]
LOGS_MARK = b"\x00"


def signal_of(req: Request) -> Signal:
    return "logs" if isinstance(req, ExportLogsServiceRequest) else "metrics"


def count_items(req: Request) -> int:
    """Data points of a metrics request, log records of a logs request."""
    n = 0
    if isinstance(req, ExportLogsServiceRequest):
        for rl in req.resource_logs:
            for sl in rl.scope_logs:
                n += len(sl.log_records)
        return n
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind:
                    n += len(getattr(m, kind).data_points)
    return n


def batch_label(req: Request) -> str:
    """``<host.name>@<time_unix_nano of the first point or record>``: one poll of one device (or
    one self-telemetry, flow-rollup or flow batch) is one batch, and its points share that time."""
    host = "?"
    resources = req.resource_logs if isinstance(req, ExportLogsServiceRequest) else req.resource_metrics
    for r in resources:
        attrs = {kv.key: kv.value.string_value for kv in r.resource.attributes}
        host = (attrs.get("host.name") or attrs.get("service.name") or "?").replace(" ", "_")
        if isinstance(req, ExportLogsServiceRequest):
            for sl in r.scope_logs:  # type: ignore[union-attr]
                for lr in sl.log_records:
                    return f"{host}@{lr.time_unix_nano or lr.observed_time_unix_nano}"
            continue
        for sm in r.scope_metrics:  # type: ignore[union-attr]
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind:
                    for dp in getattr(m, kind).data_points:
                        return f"{host}@{dp.time_unix_nano}"
    return f"{host}@0"


def to_spill(req: Request) -> bytes:
    data = req.SerializeToString()
    return LOGS_MARK + data if isinstance(req, ExportLogsServiceRequest) else data


def from_spill(data: bytes) -> Request:
    """The request a spill file holds (raises protobuf's DecodeError on damaged bytes)."""
    if data[:1] == LOGS_MARK:
        return ExportLogsServiceRequest.FromString(data[1:])
    return ExportMetricsServiceRequest.FromString(data)
