"""Agents that time out or answer garbage, and a device that reboots — against the real service process.

A bad agent fails its own polls (counted by kind) and never delays a good one; a reboot (sysUpTime
going back) gives the device's counters a new start time.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent

from .harness import LAB_SNMPREC, GrpcReceiver, ServiceProcess, UdpAgent, snmp_target, wait_for, write_yaml

pytestmark = pytest.mark.reliability

SECRET = "s3cret-Community-7f2e"


def _echo_nulls(data: bytes) -> bytes:
    """The request sent back as a response PDU: well-formed SNMP, every value Null — no identity."""
    i = data.find(b"\xa0")  # GET PDU tag → GetResponse
    return data[:i] + b"\xa2" + data[i + 1:] if i >= 0 else data


def test_timeouts_and_garbage_do_not_delay_good_targets(tmp_path: Path) -> None:
    silent = UdpAgent(lambda _d: None)
    noise = UdpAgent(lambda d: bytes((b * 7 + 3) & 0xFF for b in d))
    nulls = UdpAgent(_echo_nulls)
    with snmpsim_agent({SECRET: LAB_SNMPREC}) as agent:
        good = snmp_target("good", agent.port)
        good["credentials"] = {"community": "env:LAB_COMMUNITY"}
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 2.0, "jitter": 0.2, "poll_timeout": 2.0, "concurrency": 2},
            "targets": {"snmp": [good, snmp_target("silent", silent.port), snmp_target("noise", noise.port),
                                 snmp_target("nulls", nulls.port)]},
            "outputs": {"otlp_json": [{"path": str(tmp_path / "out.jsonl")}], "from_env": False},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"interval": 2.0},
        })
        svc = ServiceProcess(cfg, tmp_path / "service.log", env={"LAB_COMMUNITY": SECRET}).start()
        try:
            time.sleep(1)
            t0 = svc.target("snmp/good")["polls_ok"] + svc.target("snmp/good")["polls_failed"]
            time.sleep(10)
            st = {t["key"]: t for t in svc.status()["targets"]}
            good_st = st["snmp/good"]
            # ~5 slots in 10 s with only 2 concurrency slots and 3 bad agents holding them: still on time
            assert good_st["polls_ok"] + good_st["polls_failed"] - t0 >= 4
            assert good_st["state"] == "ok" and good_st["rulebook"] == "generic/snmp"
            assert st["snmp/silent"]["state"] == "failed" and st["snmp/silent"]["failures"].get("timeout", 0) >= 2
            assert st["snmp/noise"]["polls_ok"] == 0 and st["snmp/noise"]["polls_failed"] >= 2
            assert st["snmp/nulls"]["polls_ok"] == 0 and st["snmp/nulls"]["failures"].get("garbage", 0) >= 2
            assert silent.requests and noise.requests and nulls.requests
            # the secret is nowhere: status JSON, status page, scrape output, logs, exported data
            port = svc.http_port
            pages = [json.dumps(svc.status())]
            for path in ("/status", "/metrics"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                    pages.append(r.read().decode())
            assert 'netrosetta_polls_total{' in pages[2]
        finally:
            svc.stop()
            silent.close()
            noise.close()
            nulls.close()
        pages += [(tmp_path / "service.log").read_text(), (tmp_path / "out.jsonl").read_text()]
        assert all(SECRET not in p for p in pages)
        # self-telemetry counted the failures per target
        assert '"netrosetta.polls"' in pages[-1]


def test_reboot_gives_counters_a_new_start_time(tmp_path: Path) -> None:
    backend = GrpcReceiver().start()
    with snmpsim_agent({"lab": LAB_SNMPREC}) as first:
        port = first.port
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 1.0, "jitter": 0.0, "poll_timeout": 1.0},
            "targets": {"snmp": [snmp_target("sw1", port)]},
            "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}],
                        "from_env": False},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"enabled": False},
        })
        svc = ServiceProcess(cfg, tmp_path / "service.log").start()
        # the agent must have been up longer than the reboot-detection jitter (5 s)
        wait_for(lambda: svc.target("snmp/sw1")["polls_ok"] >= 3, 20, "polls before the reboot")
        time.sleep(max(0.0, 7 - (time.monotonic() % 1)))
    try:
        with snmpsim_agent({"lab": LAB_SNMPREC}, port=port):   # the same device, restarted
            before = svc.target("snmp/sw1")["polls_ok"]
            wait_for(lambda: svc.target("snmp/sw1")["polls_ok"] >= before + 3, 30, "polls after the reboot")
    finally:
        svc.stop()
        backend.stop()
    rx = sorted((ts, start, v) for dev, m, attrs, start, ts, v in backend.received.points()
                if m == "hw.network.io" and "Ethernet1" in attrs and "receive" in attrs)
    starts = sorted({start for _ts, start, _v in rx})
    assert len(starts) == 2, f"expected one start time per boot, got {len(starts)}"
    old = [v for _ts, s, v in rx if s == starts[0]]
    new = [v for _ts, s, v in rx if s == starts[1]]
    assert new[0] < old[-1], "counters restarted from their base after the reboot"
    assert starts[1] - starts[0] > 5e9
    assert "restarted" in (tmp_path / "service.log").read_text()
