"""Recorded SubscribeResponses: the protobuf-JSON list format of ../shared/corpus/gnmi."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from netrosetta.errors import NetrosettaError

from .proto import gnmi_pb2


def load_responses(path: str | Path) -> list[gnmi_pb2.SubscribeResponse]:
    """Parse a JSON list of SubscribeResponse objects; errors name the file and the entry."""
    p = Path(path)
    try:
        data: Any = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(p)) from None
    except json.JSONDecodeError as exc:
        raise NetrosettaError(f"not JSON: {exc.msg}", file=str(p), line=exc.lineno) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise NetrosettaError("expected a JSON list of SubscribeResponse objects", file=str(p))
    out = []
    for i, item in enumerate(data):
        try:
            out.append(json_format.ParseDict(item, gnmi_pb2.SubscribeResponse()))
        except json_format.ParseError as exc:
            reason = str(exc).splitlines()[0]
            raise NetrosettaError(f"entry {i} is not a gNMI SubscribeResponse: {reason}", file=str(p)) from None
    return out


def dump_responses(responses: list[gnmi_pb2.SubscribeResponse]) -> str:
    return json.dumps([json_format.MessageToDict(r) for r in responses], indent=1)
