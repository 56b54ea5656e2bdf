"""Traps inside `netrosetta run`: Debian's snmptrap sends a linkDown from the address of a device
the service polls (snmpsim); the OTLP backend receives the trap as a log record on the same
Resource as the device's metrics, and the status page counts it. A wrong community is refused
and counted, never delivered."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.service.lab import LAB_SNMPREC
from tests.reliability.harness import GrpcReceiver, ServiceProcess, snmp_target, wait_for, write_yaml

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not shutil.which("snmptrap"), reason="net-snmp tools (Debian: snmp) not installed")]
COMMUNITY = "svc-tr4p"
LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"


def _free_udp() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in kvs}


def test_a_trap_reaches_the_backend_on_its_devices_resource(tmp_path: Path) -> None:
    port = _free_udp()
    backend = GrpcReceiver().start()
    try:
        with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
            cfg = write_yaml(tmp_path / "config.yaml", {
                "defaults": {"interval": 60, "jitter": 0},
                "targets": {"snmp": [snmp_target("lab-switch-1", agent.port)]},
                "traps": {"listen": f"127.0.0.1:{port}", "communities": ["env:NR_TRAP_COMMUNITY"]},
                "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}],
                            "from_env": False},
                "http": {"listen": "127.0.0.1:0"},
                "self_telemetry": {"enabled": False},
            })
            svc = ServiceProcess(cfg, tmp_path / "service.log", env={"NR_TRAP_COMMUNITY": COMMUNITY}).start()
            try:
                wait_for(lambda: svc.target("snmp/lab-switch-1")["state"] == "ok", 30, "the device polled")
                for community in ("wrong-one", COMMUNITY):
                    sent = subprocess.run(["snmptrap", "-v", "2c", "-c", community, f"127.0.0.1:{port}", "",
                                           LINK_DOWN, "1.3.6.1.2.1.2.2.1.1.2", "i", "2",
                                           "1.3.6.1.2.1.2.2.1.8.2", "i", "2"], capture_output=True, timeout=30)
                    assert sent.returncode == 0
                records = wait_for(lambda: backend.received.log_records(), 20, "the trap at the backend")
                traps = wait_for(lambda: svc.status()["traps"] if svc.status()["traps"]["refused"] else None,
                                 10, "the refusal counted")
            finally:
                svc.stop()
            log_text = (tmp_path / "service.log").read_text()
    finally:
        backend.stop()

    assert len(records) == 1, "the wrong community's trap was not delivered"
    lr = records[0]
    assert lr.body.string_value == "IF-MIB::linkDown"
    attrs = _attrs(lr.attributes)
    assert attrs["snmp.varbind.IF-MIB::ifOperStatus"] == "down" and attrs["snmp.varbind.IF-MIB::ifIndex"] == "2"
    trap_resource = _attrs(backend.received.logs[0].resource_logs[0].resource.attributes)
    metric_resource = _attrs(backend.received.requests[0].resource_metrics[0].resource.attributes)
    assert trap_resource == metric_resource and "host.name" in trap_resource, (trap_resource, metric_resource)
    assert traps["accepted"] == 1 and traps["delivered"] == 1 and traps["refused"] == {"bad_community": 1}
    assert COMMUNITY not in log_text and os.environ.get("NR_TRAP_COMMUNITY") is None
