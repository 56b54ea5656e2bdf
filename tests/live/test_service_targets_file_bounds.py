"""Issue 12 item 7: a watched targets file is parsed off the event loop, within bounds.

A real `netrosetta run` polls a real snmpsim agent while its targets file is replaced by a large
file (seconds of parsing) and then by an alias bomb: every status request during the bad reloads
answers within a bounded wait, the error names file:line, the running target keeps polling."""

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

ANSWER_WITHIN = 2.0   # seconds one status request may wait: a blocked event loop misses it


def _big_bad_targets(n: int = 30_000) -> tuple[str, int]:
    """n valid SNMP targets (seconds to parse and validate), then one with a misspelt key."""
    lines = ["targets:", "  snmp:"]
    lines += [f"    - {{name: t{i}, host: 192.0.2.{i % 250 + 1}, port: {1024 + i % 60000}, version: 2c, "
              f"credentials: {{community: 'literal:x'}}}}" for i in range(n)]
    lines.append("    - {name: last, hots: 192.0.2.1}")
    return "\n".join(lines) + "\n", len(lines)


def _answers_while_loading(svc: ServiceProcess, log: Path, needle: str, probes: int = 600) -> str:
    """Ask /status.json until the log reports `needle`; each answer must come within ANSWER_WITHIN."""
    start = log.stat().st_size
    for _ in range(probes):
        with urllib.request.urlopen(f"http://127.0.0.1:{svc.http_port}/status.json", timeout=ANSWER_WITHIN) as r:
            assert r.status == 200 and json.loads(r.read())["targets"]
        with open(log, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        hits = [line for line in text.splitlines() if needle in line]
        if hits:
            return hits[0]
        time.sleep(0.1)
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
            line = _answers_while_loading(svc, log, "targets file not applied")
            assert f"{tf}:{last_line}:" in line and "'host'" in line, line

            before = svc.target("snmp/a")["polls_ok"]
            tf.write_text("targets:\n  snmp: []\n" + bomb())
            line = _answers_while_loading(svc, log, "alias bomb")
            assert f"{tf}:" in line and "targets file not applied" in line, line
            assert "Traceback" not in log.read_text()

            assert [t["key"] for t in svc.status()["targets"]] == ["snmp/a"]   # the old targets are kept
            wait_for(lambda: svc.target("snmp/a")["polls_ok"] > before, 20, "target a still polled")
        finally:
            assert svc.stop() == 0
