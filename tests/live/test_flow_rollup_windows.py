"""Rollup windows over real UDP: closed on a timer at aligned boundaries, not by the next datagram.

A NetFlow v5 exporter (our own datagrams, known byte counts) sends to the listener on 127.0.0.1;
one datagram, then - after its window has been emitted with no further traffic - another. Each
window must come out on its own with its own sum; the last window is emitted at shutdown.
"""

from __future__ import annotations

import ipaddress
import struct
import threading
import time
from typing import Any

import pytest

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.listener import FlowListener
from netrosetta.collectors.flow.pipeline import FlowPipeline
from netrosetta.collectors.flow.rollups import RollupResult
from netrosetta.collectors.flow.simulator import FlowReplayer

pytestmark = pytest.mark.live

INTERVAL = 1.0
WAIT = 15.0  # upper bound on any wait; never an assertion on speed


def v5_datagram(seq: int, flows: list[tuple[str, str, int]]) -> bytes:
    """NetFlow v5: header + one record per (src, dst, bytes)."""
    now = time.time()
    out = [struct.pack("!HHIIIIBBH", 5, len(flows), 100_000, int(now), 0, seq, 0, 0, 0)]
    for src, dst, nbytes in flows:
        out.append(struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH", ipaddress.IPv4Address(src).packed,
                               ipaddress.IPv4Address(dst).packed, bytes(4), 1, 2, 1, nbytes, 99_000, 99_500,
                               40000, 443, 0, 0x18, 6, 0, 0, 0, 24, 24, 0))
    return b"".join(out)


class Recorder:
    """An output keeping what the pipeline sends (rollups only)."""

    flows = False
    rollups = True

    def __init__(self) -> None:
        self.results: list[RollupResult] = []
        self.closed = False

    def write(self, batch: Any) -> int:
        return 0

    def write_rollups(self, results: list[RollupResult]) -> None:
        self.results.extend(results)

    def close(self) -> None:
        self.closed = True


def _wait_for(cond: Any) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def _sums(r: RollupResult) -> dict[str, float]:
    return {row.dims["dst_addr"]: row.value for row in r.rows}


def test_rollup_windows_close_on_timer_with_their_own_sums() -> None:
    cfg = FlowListenerConfig.model_validate({
        "port": 0, "batch_wait_ms": 20, "rollup_interval": INTERVAL,
        "rollups": ["sum,bytes_by_dst,bytes,dst_addr"],
    })
    rec = Recorder()
    pipe = FlowPipeline(cfg, [rec])
    lst = FlowListener(cfg, pipe.process)
    t = threading.Thread(target=lst.serve, kwargs={"duration": 60}, daemon=True)
    t.start()
    rep = FlowReplayer(lst.port)
    try:
        assert lst.ready.wait(WAIT)
        rep.send([v5_datagram(1, [("10.0.0.1", "192.0.2.1", 1000), ("10.0.0.2", "192.0.2.1", 500),
                                  ("10.0.0.3", "192.0.2.2", 70)])])
        # the exporter goes quiet: its window is still emitted, by the timer, with only its data
        assert _wait_for(lambda: len(rec.results) >= 1), "first window never emitted without more traffic"
        assert len(rec.results) == 1 and pipe.flows_in == 3
        rep.send([v5_datagram(2, [("10.0.0.1", "192.0.2.1", 7), ("10.0.0.4", "192.0.2.3", 11)])])
        assert _wait_for(lambda: len(rec.results) >= 2), "second window never emitted"
        # a third datagram stays in the open window until shutdown
        rep.send([v5_datagram(3, [("10.0.0.5", "192.0.2.9", 3)])])
        assert _wait_for(lambda: pipe.flows_in >= 6)
    finally:
        rep.close()
        lst.stop()
        t.join(WAIT)
        pipe.close()
    first, second = rec.results[0], rec.results[1]
    assert _sums(first) == {"192.0.2.1": 1500.0, "192.0.2.2": 70.0}
    assert _sums(second) == {"192.0.2.1": 7.0, "192.0.2.3": 11.0}
    interval_ns = int(INTERVAL * 1e9)
    for r in (first, second):  # timer-closed windows: aligned, one interval long
        assert r.end_ns % interval_ns == 0 and r.end_ns - r.start_ns == interval_ns
    assert second.start_ns >= first.end_ns
    # the last window came out at close(), partial (ends at shutdown), with the third datagram only
    last = rec.results[-1]
    assert len(rec.results) == 3 and _sums(last) == {"192.0.2.9": 3.0}
    assert sum(sum(_sums(r).values()) for r in rec.results) == 1591.0 and rec.closed
