"""Raw flows out: JSON lines (the normalized record) and OTLP log records.

OTLP attribute names follow OpenTelemetry semantic conventions where one exists
(``source.address``, ``source.port``, ``destination.address``, ``destination.port``,
``network.transport``, ``network.type``); every other normalized field is exported under the
``flow.`` namespace with its record name (``flow.bytes``, ``flow.in_if``, ``flow.sampling_rate``...).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import IO, Any

from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.rollups import RollupResult

log = logging.getLogger(__name__)

NAMESPACE = "flow."
# IANA protocol numbers to the lowercase names OTel's network.transport uses
TRANSPORT = {6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "icmp"}
SEMCONV = {"src_addr": "source.address", "src_port": "source.port", "dst_addr": "destination.address",
           "dst_port": "destination.port"}


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


class OtlpLogOutput:
    """Raw flows as OTLP log records through the OpenTelemetry SDK exporters (gRPC or HTTP).

    One LoggerProvider of our own (never the global one), with the collector's service resource.
    """

    def __init__(self, endpoint: str, protocol: str = "grpc", insecure: bool = True,
                 resource_attributes: dict[str, str] | None = None, batch: bool = True) -> None:
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
        from opentelemetry.sdk.resources import Resource

        exporter: Any
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcExp
            exporter = GrpcExp(endpoint=endpoint, insecure=insecure)
        elif protocol in ("http", "http/protobuf"):
            from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpExp
            exporter = HttpExp(endpoint=endpoint)
        else:
            raise ValueError(f"unknown OTLP protocol {protocol!r} (grpc or http)")
        attrs = {"service.name": "netrosetta-flow", **(resource_attributes or {})}
        self.provider = LoggerProvider(resource=Resource.create(attrs))
        proc = BatchLogRecordProcessor(exporter) if batch else SimpleLogRecordProcessor(exporter)
        self.provider.add_log_record_processor(proc)
        self.logger = self.provider.get_logger("netrosetta.flow")

    def records(self, batch: FlowBatch) -> Iterator[tuple[int, dict[str, Any]]]:
        for row in batch.rows():
            ts = int(row.get("time_flow_end_ns") or row.get("time_received_ns") or 0)
            yield ts, otel_attributes(row)

    def write(self, batch: FlowBatch) -> int:
        from opentelemetry._logs import LogRecord, SeverityNumber

        n = 0
        for ts, attrs in self.records(batch):
            self.logger.emit(LogRecord(timestamp=ts or None, observed_timestamp=int(attrs.get(
                "flow.time_received_ns") or 0) or None, severity_number=SeverityNumber.INFO,
                severity_text="INFO", body="flow", attributes=attrs, event_name="network.flow"))
            n += 1
        return n

    def flush(self) -> None:
        self.provider.force_flush()

    def close(self) -> None:
        self.provider.shutdown()
