"""Raw flows out: JSON lines (the normalized record) and OTLP log records (encoded by otlp_wire).

OTLP attribute names follow OpenTelemetry semantic conventions where one exists
(``source.address``, ``source.port``, ``destination.address``, ``destination.port``,
``network.transport``, ``network.type``); every other normalized field is exported under the
``flow.`` namespace with its record name (``flow.bytes``, ``flow.in_if``, ``flow.sampling_rate``...).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import IO, Any

from netrosetta import __version__
from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.rollups import RollupResult
from netrosetta.exporter import otlp_wire as w
from netrosetta.exporter.requests import count_items

log = logging.getLogger(__name__)

NAMESPACE = "flow."
# IANA protocol numbers to the lowercase names OTel's network.transport uses
TRANSPORT = {6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "icmp"}
SEMCONV = {"src_addr": "source.address", "src_port": "source.port", "dst_addr": "destination.address",
           "dst_port": "destination.port"}


_SCOPE = w.scope("netrosetta.flow", __version__, [])
_FIXED = w.log_fixed(w.SEVERITY_INFO, "INFO", "flow", "network.flow")


def otel_attributes(row: dict[str, Any]) -> dict[str, Any]:
    """One normalized record (as from FlowBatch.rows) to OTLP log attributes."""
    attrs: dict[str, Any] = {}
    for k, v in row.items():
        if k in SEMCONV:
            attrs[SEMCONV[k]] = v
        elif isinstance(v, list):
            attrs[NAMESPACE + k] = [int(x) for x in v]
        else:
            attrs[NAMESPACE + k] = v
    proto = row.get("proto")
    if isinstance(proto, int) and proto in TRANSPORT:
        attrs["network.transport"] = TRANSPORT[proto]
    et = row.get("etype")
    if et == 0x0800:
        attrs["network.type"] = "ipv4"
    elif et == 0x86DD:
        attrs["network.type"] = "ipv6"
    return attrs


class JsonLinesOutput:
    """Normalized records as one JSON object per line, to stdout or an appended file."""

    def __init__(self, path: str = "-") -> None:
        self.path = path
        self._fh: IO[str] = sys.stdout if path == "-" else open(path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, batch: FlowBatch) -> int:
        n = 0
        fh = self._fh
        for row in batch.rows():
            fh.write(json.dumps(row, separators=(",", ":")))
            fh.write("\n")
            n += 1
        fh.flush()
        return n

    def write_counters(self, samples: list[Any]) -> None:
        """sFlow counter samples as they were decoded (IF-MIB names), one line each."""
        for c in samples:
            self._fh.write(json.dumps({"counter_sample": c.__dict__}, separators=(",", ":")) + "\n")
        self._fh.flush()

    def write_rollups(self, results: list[RollupResult]) -> None:
        for r in results:
            for row in r.rows:
                self._fh.write(json.dumps({"rollup": r.spec.name, "method": r.spec.method,
                                           "start_ns": r.start_ns, "end_ns": r.end_ns, **row.dims,
                                           "value": row.value}, separators=(",", ":")) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not sys.stdout:
            self._fh.close()


def encode_flow_logs(batch: FlowBatch, resource: dict[str, Any], attrs: w.LogAttrs | None = None) -> bytes:
    """Serialized ExportLogsServiceRequest: one log record per flow, event ``network.flow``, the
    flow's end time (else its receive time) as the record's time."""
    enc = attrs or w.LogAttrs()
    records = []
    for row in batch.rows():
        received = int(row.get("time_received_ns") or 0)
        ts = int(row.get("time_flow_end_ns") or received)
        records.append(w.log_record(ts, received, _FIXED, enc.encode(otel_attributes(row))))
    if not records:
        return b""
    return w.resource_logs(sorted(resource.items()), _SCOPE, b"".join(records))


def build_logs_request(batch: FlowBatch, resource: dict[str, Any], attrs: w.LogAttrs | None = None) -> Any:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    return ExportLogsServiceRequest.FromString(encode_flow_logs(batch, resource, attrs))


class OtlpLogOutput:
    """Raw flows as OTLP log batches, one ExportLogsServiceRequest per decoded batch, handed to
    ``sink`` (an exporter.sinks Sink, or the service's delivery entry)."""

    flows, rollups = True, False

    def __init__(self, sink: Any, resource_attributes: dict[str, str] | None = None) -> None:
        self.sink = sink
        self.resource = {"service.name": "netrosetta-flow", **(resource_attributes or {})}
        self._attrs = w.LogAttrs()
        self.refused = 0        # batches the sink did not accept (standalone: no retry)

    def write(self, batch: FlowBatch) -> int:
        req = build_logs_request(batch, self.resource, self._attrs)
        n = count_items(req)
        if n and not self.sink.export(req):
            self.refused += 1
        return n

    def close(self) -> None:
        shut = getattr(self.sink, "shutdown", None)
        if shut is not None:
            shut()
