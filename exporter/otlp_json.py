"""OTLP/JSON: one ExportMetricsServiceRequest per line in the protobuf JSON mapping.

This is what the OpenTelemetry Collector's file exporter writes (lowerCamelCase field names,
64-bit integers as strings, enums as integers), so its files and ours can be read alike.
"""

from __future__ import annotations

import json
from typing import IO

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest


def request_to_dict(req: ExportMetricsServiceRequest) -> dict:
    return MessageToDict(req, use_integers_for_enums=True, preserving_proto_field_name=False)


def request_to_json_line(req: ExportMetricsServiceRequest) -> str:
    return json.dumps(request_to_dict(req), separators=(",", ":"))


def write_json_line(req: ExportMetricsServiceRequest, out: IO[str]) -> None:
    out.write(request_to_json_line(req) + "\n")
    out.flush()
