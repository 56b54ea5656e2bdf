"""Lab helpers shared by the three simulators: run one on its own event-loop thread (for the
synchronous lab runner) and describe it as a service target."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netrosetta.paths import SHARED

LAB_PASSWORD = "lab"  # the lab simulators' login (targets say password: literal:lab, as service configs do)


class LoopThread:
    """An asyncio loop on a daemon thread; ``run(coro)`` waits for a coroutine from sync code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="nr-lab-sim", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@contextlib.contextmanager
def running(sim: Any) -> Iterator[Any]:
    """Start ``sim`` (start()/stop() coroutines) on its own loop thread for the with-block."""
    lt = LoopThread()
    try:
        lt.run(sim.start())
        yield sim
    finally:
        with contextlib.suppress(Exception):
            lt.run(sim.stop(), timeout=10)
        lt.close()


@contextlib.contextmanager
def lab_netconf(name: str = "lab-mx1") -> Iterator[dict[str, Any]]:
    """A Junos NETCONF simulator serving NAPALM's mx10003 recording; yields its target config."""
    from .server import NetconfSimulator

    rec = SHARED / "corpus" / "napalm" / "junos" / "test_get_environment" / "mx10003"
    sim = NetconfSimulator(rec, username="lab", password=LAB_PASSWORD, platform="juniper_junos")
    with running(sim), tempfile.TemporaryDirectory(prefix="nr-lab-netconf-") as tmp:
        kh = Path(tmp) / "known_hosts"
        kh.write_text(sim.known_hosts_line())
        yield {
            "name": name,
            "host": "127.0.0.1",
            "port": sim.port,
            "username": "lab",
            "password": f"literal:{LAB_PASSWORD}",
            "platform": "juniper_junos",
            "known_hosts": str(kh),
            "timeout": 5,
        }
