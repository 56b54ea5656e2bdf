"""Juniper's gNMI header extension (registered extension id 1).

Junos streams per-line-card partial updates; the header names the producing component so that
updates can be told apart and aggregated. Decoded with a tiny protobuf wire reader rather than a
generated module. Field numbers (facts from Juniper's published proto): 1 system_id, 2
component_id, 3 sub_component_id, 4 sensor_name, 5 subscribed_path, 6 streamed_path, 7 component,
8 sequence_number, 9 payload_get_timestamp, 10 stream_creation_timestamp, 11 event_timestamp,
12 export_timestamp.
"""

from __future__ import annotations

from typing import Any

from netrosetta import varint

JUNIPER_HEADER_ID = 1
_FIELDS = {1: "system_id", 2: "component_id", 3: "sub_component_id", 4: "sensor_name",
           5: "subscribed_path", 6: "streamed_path", 7: "component", 8: "sequence_number",
           9: "payload_get_timestamp", 10: "stream_creation_timestamp", 11: "event_timestamp",
           12: "export_timestamp"}


class WireError(ValueError):
    pass


def _varint(data: bytes, i: int) -> tuple[int, int]:
    try:
        return varint.decode(data, i)
    except varint.VarintError as exc:
        raise WireError(str(exc)) from None


def decode_header(msg: bytes) -> dict[str, Any]:
    """Decode the header; component ids default to 0 as proto3 does for absent fields."""
    out: dict[str, Any] = {"component_id": 0, "sub_component_id": 0}
    i = 0
    while i < len(msg):
        tag, i = _varint(msg, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value: Any
            value, i = _varint(msg, i)
        elif wire == 2:
            length, i = _varint(msg, i)
            if i + length > len(msg):
                raise WireError("truncated field")
            value = msg[i:i + length].decode("utf-8", "replace")
            i += length
        elif wire == 1:
            value, i = int.from_bytes(msg[i:i + 8], "little"), i + 8
        elif wire == 5:
            value, i = int.from_bytes(msg[i:i + 4], "little"), i + 4
        else:
            raise WireError(f"unsupported wire type {wire}")
        name = _FIELDS.get(field)
        if name:
            out[name] = value
    return out
