"""softflowd (Debian) exports NetFlow v9 and IPFIX from a capture to our listener on loopback.

The capture is our own synthetic traffic (collectors/flow/synth.py), so the expected packets,
bytes, ports and times per flow are known from how it was written, not from our decoder.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoding import DecodeResult
from netrosetta.collectors.flow.listener import FlowListener
from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.synth import SynthFlow, write_pcap

pytestmark = pytest.mark.live
SOFTFLOWD = shutil.which("softflowd") or "/usr/sbin/softflowd"
SOFTFLOWCTL = shutil.which("softflowctl") or "/usr/sbin/softflowctl"
START = 1_700_000_000.0
GAP = 0.01

FLOWS = [
    SynthFlow("10.1.0.1", "10.2.0.2", 40000, 443, 6, 5, 100),
    SynthFlow("10.1.0.3", "10.2.0.4", 5353, 53, 17, 3, 60),
    SynthFlow("2001:db8::1", "2001:db8::2", 50000, 8080, 6, 4, 200),
]


@pytest.fixture
def listener() -> tuple[FlowListener, list[DecodeResult]]:
    got: list[DecodeResult] = []
    lst = FlowListener(FlowListenerConfig(port=0, bind="127.0.0.1", batch_wait_ms=20), got.append)
    t = threading.Thread(target=lst.serve, kwargs={"duration": 60}, daemon=True)
    t.start()
    yield lst, got
    lst.stop()
    t.join(5)


def export(tmp: Path, port: int, version: str) -> None:
    if not Path(SOFTFLOWD).exists():
        pytest.skip("softflowd is not installed")
    pcap = tmp / "traffic.pcap"
    write_pcap(pcap, FLOWS, START, GAP)
    ctl = tmp / "sf.ctl"
    proc = subprocess.Popen([SOFTFLOWD, "-r", str(pcap), "-n", f"127.0.0.1:{port}", "-v", version, "-6", "-a", "-d",
                             "-p", str(tmp / "sf.pid"), "-c", str(ctl)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # -a: stamp exports with the capture's clock (else header time is wall clock while flow
        # times are capture-relative, and no collector can make them absolute).
        # softflowd 1.1 in -r mode blocks on its control socket between steps: one command lets
        # it read the file and export everything at end of file, a second one lets it exit
        deadline = time.monotonic() + 10
        while not ctl.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run([SOFTFLOWCTL, "-c", str(ctl), "statistics"], capture_output=True, timeout=10)
        subprocess.run([SOFTFLOWCTL, "-c", str(ctl), "shutdown"], capture_output=True, timeout=10)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def collected(got: list[DecodeResult], n: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(len(r.flows) for r in got) < n:
        time.sleep(0.05)
    return list(FlowBatch.concat([r.flows for r in got]).rows())


@pytest.mark.parametrize(("version", "ftype"), [("9", "NETFLOW_V9"), ("10", "IPFIX")])
def test_softflowd_export(tmp_path: Path, listener: tuple[FlowListener, list[DecodeResult]], version: str,
                          ftype: str) -> None:
    lst, got = listener
    export(tmp_path, lst.port, version)
    rows = collected(got, len(FLOWS))
    assert len(rows) == len(FLOWS)
    by_key = {(r["src_addr"], r["dst_addr"], r["src_port"], r["dst_port"], r["proto"]): r for r in rows}
    for i, f in enumerate(FLOWS):
        r = by_key[(f.src, f.dst, f.sport, f.dport, f.proto)]
        assert r["type"] == ftype
        assert r["packets"] == f.packets
        assert r["bytes"] == f.packets * f.ip_bytes_per_packet  # NetFlow counts IP bytes
        assert r["sampler_address"] == "127.0.0.1"
        assert r["etype"] == (0x86DD if f.v6 else 0x0800)
        if f.proto == 6:
            assert r["tcp_flags"] == 0x18 | 0x11  # PSH|ACK on data, FIN|ACK on the last one
        # written round-robin, GAP apart: first packet of flow i at START + i*GAP
        first = START + i * GAP
        assert abs(r["time_flow_start_ns"] / 1e9 - first) < 0.5, (r["time_flow_start_ns"], first)
        assert r["time_flow_end_ns"] >= r["time_flow_start_ns"]
    st = lst.decoder.stats
    assert st.malformed == 0 and st.template_missing == 0
