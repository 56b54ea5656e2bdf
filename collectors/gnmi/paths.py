"""gNMI paths as protobuf: the text grammar (engine/pathgrammar.py) -> gnmi.Path."""

from __future__ import annotations

from netrosetta.engine.pathgrammar import parse_path

from .proto import gnmi_pb2


def to_proto(text: str) -> gnmi_pb2.Path:
    origin, elems = parse_path(text)
    path = gnmi_pb2.Path(origin=origin)
    for name, keys in elems:
        path.elem.add(name=name, key=keys)
    return path
