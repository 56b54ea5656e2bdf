"""OTLP/JSON: one export request (metrics or logs) per line in the protobuf JSON mapping.

This is what the OpenTelemetry Collector's file exporter writes (lowerCamelCase field names,
64-bit integers as strings, enums as integers), so its files and ours can be read alike.
"""

from __future__ import annotations

import json
from typing import IO, Any

from google.protobuf.json_format import MessageToDict


def request_to_dict(req: Any) -> dict[str, Any]:
    return MessageToDict(req, use_integers_for_enums=True, preserving_proto_field_name=False)


def request_to_json_line(req: Any) -> str:
    return json.dumps(request_to_dict(req), separators=(",", ":"))


def write_json_line(req: Any, out: IO[str]) -> None:
    out.write(request_to_json_line(req) + "\n")
    out.flush()
