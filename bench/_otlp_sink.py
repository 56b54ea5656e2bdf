"""A bare OTLP/gRPC metrics receiver run as its own process by benchmarks, so its CPU is not
counted against the collector being measured. Prints its port, then serves until killed."""

from __future__ import annotations

import sys
import time
from concurrent import futures

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as svc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc as svc_grpc


class _Servicer(svc_grpc.MetricsServiceServicer):
    def Export(self, request: svc.ExportMetricsServiceRequest, context: object) -> svc.ExportMetricsServiceResponse:
        return svc.ExportMetricsServiceResponse()


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    svc_grpc.add_MetricsServiceServicer_to_server(_Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop(None)


if __name__ == "__main__":
    sys.exit(main())
