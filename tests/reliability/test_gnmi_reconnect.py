"""Kill the gNMI target process mid-stream and start it again: the collector notices, backs off,
reconnects, resubscribes, and the counters continue from the restarted device."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

from netrosetta.collectors.gnmi.config import GnmiTarget
from netrosetta.collectors.gnmi.session import Batch, TargetState, run_target

pytestmark = pytest.mark.reliability


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, started: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "netrosetta.collectors.gnmi.lab", "--port", str(port), "--interfaces", "2",
         "--start", str(started)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)   # bounded wait for the process
    if not ready:
        _kill(proc)
        pytest.fail("gNMI simulator did not start within 30 s")
    line = proc.stdout.readline()        # "listening 127.0.0.1:PORT" once serving
    assert line.startswith("listening"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    for f in (proc.stdout, proc.stderr):
        if f:
            f.close()


async def test_target_killed_and_restarted_mid_stream() -> None:
    port = _free_port()
    started = time.time() - 100          # both processes run the same device clock
    proc = _start(port, started)
    t = GnmiTarget.model_validate({
        "name": "r1", "address": f"127.0.0.1:{port}", "tls": {"enabled": False},
        "subscriptions": [{"path": "/interfaces/interface[name=Ethernet1]/state/counters/in-octets",
                           "sample_interval": 0.2}],
        "keepalive_time": 1, "keepalive_timeout": 1, "rpc_timeout": 2,
        "reconnect": {"initial": 0.1, "maximum": 0.5, "jitter": 0.5}})
    state = TargetState("r1", t.address)
    values: list[tuple[int, int]] = []   # (connects, in-octets)
    stop = asyncio.Event()
    killed = asyncio.Event()

    def on(b: Batch) -> None:
        values.extend((state.connects, lf.value) for lf in b.leaves)
        if len(values) >= 3 and not killed.is_set():
            killed.set()
        if state.connects >= 2 and sum(1 for c, _ in values if c >= 2) >= 3:
            stop.set()

    task = asyncio.ensure_future(run_target(t, on, stop=stop, state=state))
    try:
        await asyncio.wait_for(killed.wait(), 10)
        _kill(proc)
        await asyncio.sleep(0.5)
        assert not state.up, "the collector noticed the dead target"
        assert state.up_point()["value"] == 0
        proc = _start(port, started)
        await asyncio.wait_for(task, 15)
    finally:
        stop.set()
        _kill(proc)
        if not task.done():
            task.cancel()
    before = [v for c, v in values if c == 1]
    after = [v for c, v in values if c >= 2]
    assert before and after and state.connects >= 2 and state.failures >= 1
    # Ethernet1 in-octets = 1_000_000 + 1000/s x seconds since the shared start: continues, no reset
    assert after[-1] >= before[-1]
    assert all((v - 1_000_000) % 1000 == 0 for v in before + after)
