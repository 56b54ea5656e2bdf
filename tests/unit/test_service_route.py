"""The Router with an injected Publisher (the cluster's interface): a batch the stream acks is not
delivered locally, a refused one is, and at shutdown what the stream has not taken by the flush
deadline goes to the local outputs — each batch in exactly one place, fallbacks counted."""

from __future__ import annotations

import asyncio

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.service.config import ServiceConfig
from netrosetta.service.runtime import Service
from tests.unit.test_service_handoff import Received, _wait, counter


class Stream:
    """A shared stream that takes the even-valued batches and refuses the others; with ``stall``
    set it stops answering (a stream that does not ack before shutdown)."""

    def __init__(self) -> None:
        self.taken: list[ExportMetricsServiceRequest] = []
        self.stall = asyncio.Event()

    async def publish(self, req: ExportMetricsServiceRequest, points: int) -> bool:
        if self.stall.is_set():
            await asyncio.Event().wait()   # never answers; cancelled at the flush deadline
        value = req.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0].as_int
        if value % 2:
            return False
        self.taken.append(req)
        return True


def values(reqs: list[ExportMetricsServiceRequest]) -> list[int]:
    return [r.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0].as_int for r in reqs]


async def test_acked_batches_stay_in_the_stream_refused_and_unacked_ones_go_local() -> None:
    got, stream = Received(), Stream()
    cfg = ServiceConfig.model_validate({"self_telemetry": {"enabled": False},
                                        "delivery": {"shutdown_flush_seconds": 2.0}})
    svc = Service(cfg, sinks=[got], publisher=stream)
    await svc.start()
    stopped = False
    try:
        for n in range(10):
            svc.submit([counter("dev", n, n)])
        await _wait(lambda: len(stream.taken) + len(got.reqs) == 10, 10)
        assert values(stream.taken) == [0, 2, 4, 6, 8]
        assert values(got.reqs) == [1, 3, 5, 7, 9]
        assert svc.router.fallbacks == 5
        stream.stall.set()
        for n in range(10, 14):
            svc.submit([counter("dev", n, n)])
        await asyncio.sleep(0.1)
        assert len(stream.taken) == 5 and len(got.reqs) == 5   # held by the stalled publish
        await svc.stop()
        stopped = True
    finally:
        if not stopped:
            await svc.stop()
    assert values(got.reqs) == [1, 3, 5, 7, 9, 10, 11, 12, 13]
    assert svc.router.fallbacks == 9
    assert svc.cluster_status() is None   # an injected publisher is not a cluster
