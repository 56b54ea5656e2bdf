"""Issue 12 item 7 / issue 15: a watched targets file is parsed off the event loop, within bounds.

A real `netrosetta run` polls a real snmpsim agent while its targets file is replaced by a large
file (seconds of parsing) and then by an alias bomb: status requests are answered while each bad
file is being read (between the service's "reading" and "not applied" log lines - no timing
threshold), the error names file:line, the running target keeps polling."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from tests.reliability.harness import LAB_SNMPREC, ServiceProcess, snmp_target, wait_for, write_yaml
from tests.unit.test_yaml_alias_bomb import bomb

pytestmark = pytest.mark.live

# generous: the test asserts that answers come *during* a reload, not how fast they come
REQUEST_TIMEOUT = 30.0
READING = "changed: reading it"


def _big_bad_targets(n: int = 30_000) -> tuple[str, int]:
    """n valid SNMP targets (seconds to parse and validate), then one with a misspelt key."""
    lines = ["targets:", "  snmp:"]
    lines += [f"    - {{name: t{i}, host: 192.0.2.{i % 250 + 1}, port: {1024 + i % 60000}, version: 2c, "
              f"credentials: {{community: 'literal:x'}}}}" for i in range(n)]
    lines.append("    - {name: last, hots: 192.0.2.1}")
    return "\n".join(lines) + "\n", len(lines)


def _answers_while_loading(svc: ServiceProcess, log: Path, needle: str, at_least: int, probes: int = 600) -> str:
    """Ask /status.json until the log reports `needle`. At least `at_least` requests must have been sent
    after the service logged that it started reading the file and answered before it logged the
    outcome: the event loop kept serving while the file was read and validated."""
    start = log.stat().st_size

    def logged() -> str:
        with open(log, "rb") as f:
            f.seek(start)
            return f.read().decode(errors="replace")
    during = 0
    for _ in range(probes):
        reading = READING in logged()
        with urllib.request.urlopen(f"http://127.0.0.1:{svc.http_port}/status.json", timeout=REQUEST_TIMEOUT) as r:
            assert r.status == 200 and json.loads(r.read())["targets"]
        hits = [line for line in logged().splitlines() if needle in line]
        if hits:
            assert during >= at_least, f"only {during} status answers while the file was read"
            return hits[0]
        during += reading
        time.sleep(0.05)
    raise AssertionError(f"no {needle!r} in the log after {probes} status requests")


def test_bad_targets_files_do_not_stall_the_service(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
        tf = write_yaml(tmp_path / "targets.yaml", {"targets": {"snmp": [snmp_target("a", agent.port)]}})
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 1.0}, "targets_file": str(tf), "outputs": {"from_env": False},
            "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False}})
        svc = ServiceProcess(cfg, log).start()
        try:
            wait_for(lambda: svc.target("snmp/a")["polls_ok"] >= 1, 20, "target a polled")

            text, last_line = _big_bad_targets()
            tf.write_text(text)
            line = _answers_while_loading(svc, log, "targets file not applied", at_least=2)
            assert f"{tf}:{last_line}:" in line and "'host'" in line, line

            before = svc.target("snmp/a")["polls_ok"]
            tf.write_text("targets:\n  snmp: []\n" + bomb())
            line = _answers_while_loading(svc, log, "alias bomb", at_least=0)   # refused quickly
            assert f"{tf}:" in line and "targets file not applied" in line, line
            assert "Traceback" not in log.read_text()

            assert [t["key"] for t in svc.status()["targets"]] == ["snmp/a"]   # the old targets are kept
            wait_for(lambda: svc.target("snmp/a")["polls_ok"] > before, 20, "target a still polled")
        finally:
            assert svc.stop() == 0
