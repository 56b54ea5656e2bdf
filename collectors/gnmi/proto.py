"""The gNMI protobuf and gRPC modules, imported from one place.

Decision: use the generated modules pygnmi ships (gNMI 0.8.0: gnmi_pb2, gnmi_ext_pb2,
gnmi_pb2_grpc) as a dependency instead of vendoring .proto files and running protoc at build time.
pygnmi's *client* is not used: it consumes subscriptions in a background thread whose exceptions
never reach the caller, so reconnect and error reporting would be invisible. We talk grpc.aio.
"""

from __future__ import annotations

from pygnmi.spec.v080 import gnmi_ext_pb2, gnmi_pb2, gnmi_pb2_grpc

GNMI_VERSION = "0.8.0"

Encoding = gnmi_pb2.Encoding
SubscriptionMode = gnmi_pb2.SubscriptionMode
ListMode = gnmi_pb2.SubscriptionList.Mode

ENCODINGS = {"json": gnmi_pb2.JSON, "bytes": gnmi_pb2.BYTES, "proto": gnmi_pb2.PROTO,
             "ascii": gnmi_pb2.ASCII, "json_ietf": gnmi_pb2.JSON_IETF}
SUB_MODES = {"target_defined": gnmi_pb2.TARGET_DEFINED, "on_change": gnmi_pb2.ON_CHANGE,
             "sample": gnmi_pb2.SAMPLE}
LIST_MODES = {"stream": gnmi_pb2.SubscriptionList.STREAM, "once": gnmi_pb2.SubscriptionList.ONCE,
              "poll": gnmi_pb2.SubscriptionList.POLL}

__all__ = ["ENCODINGS", "GNMI_VERSION", "LIST_MODES", "SUB_MODES", "gnmi_ext_pb2", "gnmi_pb2",
           "gnmi_pb2_grpc"]
