"""The service's Ownership interface, injected: a target is polled only while owned, a target
acquired from nobody is polled at once (not at its next slot), one handed over keeps the previous
owner's phase, and a lost one shows as not-owned. A real UDP SNMP agent, the service's real
scheduler; the ownership is a plain implementation of the interface (what the cluster provides)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from netrosetta.service.config import load_config
from netrosetta.service.ports import OwnershipListener
from netrosetta.service.runtime import Service
from tests.live.test_snmp_absurd_values import table
from tests.reliability.harness import snmp_target, write_yaml
from tests.support.snmp_responder import Responder

pytestmark = pytest.mark.live

KEY = "snmp/absurd1"
INTERVAL = 3600.0   # no slot falls inside the test: every poll after the first slot is a hand-off's


class Handed:
    """Ownership decided by the test, told to the listener as the cluster would."""

    def __init__(self) -> None:
        self.mine: set[str] = set()
        self.listeners: list[OwnershipListener] = []

    def owns(self, key: str) -> bool:
        return key in self.mine

    def subscribe(self, listener: OwnershipListener) -> None:
        self.listeners.append(listener)

    def gain(self, key: str, previous_start: float | None) -> None:
        self.mine.add(key)
        for lis in self.listeners:
            lis.acquired(key, previous_start)

    def lose(self, key: str) -> None:
        self.mine.discard(key)
        for lis in self.listeners:
            lis.lost(key)


async def _until(cond: object, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_injected_ownership_drives_the_schedule(tmp_path: Path) -> None:
    with Responder(table()) as agent:
        cfg = load_config(write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": INTERVAL, "jitter": 0, "poll_timeout": 10},
            "self_telemetry": {"enabled": False}, "outputs": {"from_env": False},
            "targets": {"snmp": [snmp_target("absurd1", agent.port, timeout=2.0)]}}))
        own = Handed()
        svc = Service(cfg, sinks=[], ownership=own)
        await svc.start()
        try:
            st = svc.status[KEY]
            # its first slot comes at once (jitter 0) and is skipped: not ours
            await _until(lambda: st.state == "not-owned", 10, "the first slot skipped as not-owned")
            assert st.polls_ok == st.polls_failed == 0

            own.gain(KEY, None)          # nobody polled it lately: polled now, not in an hour
            await _until(lambda: st.polls_ok == 1, 10, "a poll right after the target was acquired")
            assert st.state == "ok"

            own.lose(KEY)
            assert st.state == "not-owned"

            # handed over by an instance whose last poll started one interval ago, less a second:
            # polled when that owner's next slot comes, about a second from now
            own.gain(KEY, time.time() - INTERVAL + 1.0)
            await _until(lambda: st.polls_ok == 2, 10, "a poll at the previous owner's next slot")
        finally:
            await svc.stop()
