"""Producers on other threads enter the pipeline through Service.submit: each batch reaches the
outputs once, in each thread's order, with counter start times applied (Emit), through a real
Delivery worker. The service runs on its own event loop; the producers are real threads."""

from __future__ import annotations

import asyncio
import threading

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.service.config import ServiceConfig
from netrosetta.service.runtime import Service

T0 = 1_700_000_000_000_000_000


class Received:
    """A sink: what the Delivery worker exported (it calls from a worker thread)."""

    name = "received"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reqs: list[ExportMetricsServiceRequest] = []

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        with self.lock:
            self.reqs.append(req)
        return True

    def shutdown(self) -> None:
        return None

    def points(self) -> list[tuple[str, int, int, int]]:
        """(host.name, value, time, start time) of every data point, in arrival order."""
        out = []
        with self.lock:
            for req in self.reqs:
                for rm in req.resource_metrics:
                    host = {kv.key: kv.value.string_value for kv in rm.resource.attributes}["host.name"]
                    for sm in rm.scope_metrics:
                        for m in sm.metrics:
                            for dp in m.sum.data_points:
                                out.append((host, dp.as_int, dp.time_unix_nano, dp.start_time_unix_nano))
        return out


def counter(host: str, value: int, n: int) -> DeviceTranslation:
    mp = MetricPoints("x.packets", "counter", "{packet}", "packets")
    mp.points.append(((("side", "a"),), value))
    scope = ScopeBatch("producer", "1", "flow", {mp.name: mp})
    return DeviceTranslation({"host.name": host}, [scope], T0 + n * 1_000_000_000)


def config() -> ServiceConfig:
    return ServiceConfig.model_validate({"self_telemetry": {"enabled": False}})


async def _wait(cond: object, seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        if cond():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_submit_from_threads_delivers_each_batch_once_in_order_with_start_times() -> None:
    got = Received()
    svc = Service(config(), sinks=[got])
    with pytest.raises(RuntimeError, match=r"before Service\.start"):
        svc.submit([counter("early", 1, 0)])
    await svc.start()
    try:
        # values rise, then fall at n=20 (a counter reset): a new start time from there on
        def produce(host: str) -> None:
            for n in range(30):
                svc.submit([counter(host, 100 + n if n < 20 else n - 20, n)])

        threads = [threading.Thread(target=produce, args=(f"dev{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        await _wait(lambda: len(got.points()) >= 120, 10)
    finally:
        await svc.stop()
    pts = got.points()
    assert len(pts) == 120
    for i in range(4):
        mine = [p for p in pts if p[0] == f"dev{i}"]
        assert [v for _h, v, _t, _s in mine] == [100 + n for n in range(20)] + list(range(10))
        assert [t for _h, _v, t, _s in mine] == [T0 + n * 1_000_000_000 for n in range(30)]
        starts = {s for _h, _v, _t, s in mine[:20]}
        after = {s for _h, _v, _t, s in mine[20:]}
        assert len(starts) == 1 and len(after) == 1, (starts, after)   # one series each side of the reset
        assert 0 < starts.pop() < after.pop()
    assert svc.deliveries[0].stats.exported_batches == 120 and svc.deliveries[0].stats.dropped_batches == 0
