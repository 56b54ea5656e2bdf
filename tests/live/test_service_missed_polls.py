"""Falling behind is counted and shown, never silent (issue 13 goal 1): a `netrosetta run` process
polling two targets of a slow UDP agent (every answer delayed) at an interval shorter than a poll,
with one concurrency slot. Each poll runs into its next slot (missed) and the second target waits
for the slot (late); the status JSON and the self-telemetry on /metrics both show it."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from tests.live.test_snmp_absurd_values import table
from tests.reliability.harness import ServiceProcess, snmp_target, wait_for, write_yaml
from tests.support.snmp_responder import Responder

pytestmark = pytest.mark.live


def _metric(body: str, name: str) -> float:
    """The value of the one sample of ``name`` (labelled with the instance only)."""
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} absent from /metrics")


def test_overrunning_polls_are_counted_missed_and_late(tmp_path: Path) -> None:
    with Responder(table(), community=b"lab") as agent:
        agent.delay = 0.3                       # a poll is several requests: well over 1 s
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 1, "jitter": 0, "concurrency": 1},
            "targets": {"snmp": [snmp_target(n, agent.port, timeout=3.0) for n in ("slow1", "slow2")]},
            "outputs": {"from_env": False}, "http": {"listen": "127.0.0.1:0"},
        })
        svc = ServiceProcess(cfg, tmp_path / "service.log").start()
        try:
            def behind() -> dict[str, object] | None:
                polls = svc.status()["polls"]
                return polls if polls["missed"] >= 3 and polls["late"] >= 1 else None

            polls = wait_for(behind, 30, "missed and late polls on the status JSON")
            targets = svc.status()["targets"]
            assert sum(t["polls_missed"] for t in targets) >= polls["missed"]     # counts only grow
            assert all(t["polls_missed"] > 0 for t in targets)
            assert any(t["polls_late"] > 0 for t in targets)
            # the second target waited for the first one's whole poll (the timeout, 1 s)
            assert polls["lag_max_s"] >= 0.5 and polls["lateness"]["<0.1s"] < sum(polls["lateness"].values())
            gc = svc.status()["gc"]                 # the collector's own cost, counted by gc.callbacks
            assert gc["collections"][0] > 0 and gc["seconds"][0] > 0
            # the same counts go out as self-telemetry
            time.sleep(0.5)
            with urllib.request.urlopen(f"http://127.0.0.1:{svc.http_port}/metrics", timeout=5) as r:
                body = r.read().decode()
            assert _metric(body, "netrosetta_poll_missed_total") >= polls["missed"]
            assert _metric(body, "netrosetta_poll_late_total") >= polls["late"]
            assert _metric(body, "netrosetta_poll_lag_seconds") >= 0
            assert 'netrosetta_gc_collections_total{' in body
        finally:
            svc.stop()
