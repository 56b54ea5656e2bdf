"""Delivery with a small disk spill and a real OTLP/gRPC receiver, accounted per batch identity.

Issue 12 item 4: the spill overflows while its oldest batch is being exported. Every batch made
must end up exactly once either at the receiver or in the drop log, never both, never neither.
Identities: the test makes each batch with its own host.name and point time and reads them back
from what the receiver got; drops are read from the service's per-batch drop log lines.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.service.config import OtlpOutput
from netrosetta.service.delivery import Delivery
from netrosetta.service.outputs import grpc_sink
from netrosetta.service.spill import Spill
from tests.support.otlp_receiver import GrpcReceiver

DROP_LINE = re.compile(r"dropped batch #-?\d+ (\S+) \(")


def block_size(d: Path) -> int:
    probe = d / "probe.bin"
    probe.write_bytes(b"x")
    size = probe.stat().st_blocks * 512
    probe.unlink()
    return size


def make_batch(i: int, pad: int) -> ExportMetricsServiceRequest:
    """One device's poll: host ``dev<i>``, one gauge point at time ``1000 + i``, ``pad`` bytes of attribute."""
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    kv = rm.resource.attributes.add()
    kv.key, kv.value.string_value = "host.name", f"dev{i}"
    m = rm.scope_metrics.add().metrics.add()
    m.name = "hw.temperature"
    dp = m.gauge.data_points.add()
    dp.time_unix_nano, dp.as_double = 1000 + i, 20.0 + i
    a = dp.attributes.add()
    a.key, a.value.string_value = "pad", "x" * pad
    return req


def received_ids(rx: GrpcReceiver) -> list[str]:
    out = []
    for req in rx.requests:
        for rm in req.resource_metrics:
            host = next(kv.value.string_value for kv in rm.resource.attributes if kv.key == "host.name")
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    for dp in m.gauge.data_points:
                        out.append(f"{host}@{dp.time_unix_nano}")
    return out


async def until(cond: object, what: str, seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.02)):
        if cond():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("blocks", [1, 3])
async def test_overflow_while_draining_accounts_each_batch(tmp_path: Path, blocks: int,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="netrosetta.service.delivery")
    blk = block_size(tmp_path)
    pad = blk - 300               # each batch fills most of one block: bytes written ~ blocks used
    made = [f"dev{i}@{1000 + i}" for i in range(8)]
    with GrpcReceiver() as rx:
        rx.fail = True                                            # backend down
        sink = grpc_sink(OtlpOutput(endpoint=rx.endpoint, tls={"insecure": True}, timeout=2))  # type: ignore[arg-type]
        d = Delivery(sink, queue_batches=1, spill=Spill(tmp_path / "spill", blocks * blk),
                     retry_initial=0.05, retry_max=0.1)
        d.start()
        d.offer(make_batch(0, pad), 1)
        await until(lambda: d.stats.retrying, "the first export to fail")
        for i in (1, 2):
            d.offer(make_batch(i, pad), 1)
        assert d.spill is not None and len(d.spill) == min(3, blocks)
        rx.gate = threading.Event()                               # back, but holding each export
        rx.entered.clear()
        rx.fail = False
        assert await asyncio.to_thread(rx.entered.wait, 20), "no export reached the receiver"
        for i in range(3, 8):                                     # overflow while the oldest is in flight
            d.offer(make_batch(i, pad), 1)
        rx.gate.set()
        await until(lambda: d.depth() == 0 and not d.stats.retrying, "the backlog to drain")
        await d.close(5)
    got = received_ids(rx)
    dropped = [m.group(1) for r in caplog.records if (m := DROP_LINE.search(r.getMessage()))]
    assert len(got) + d.stats.dropped_batches == len(made)    # the totals (they hid the bug)
    assert len(got) == len(set(got)), "a batch was delivered twice"
    assert set(got) | set(dropped) == set(made), f"lost and never counted: {set(made) - set(got) - set(dropped)}"
    assert not set(got) & set(dropped), "a batch counted dropped was delivered"
    assert len(dropped) == len(set(dropped)) == d.stats.dropped_batches
    assert dropped, "a small spill under overflow must drop something"
