"""Lab helper: an eAPI simulator serving NAPALM's EOS recording, described as a service target."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from netrosetta.collectors.netconf.lab import LAB_PASSWORD, running
from netrosetta.paths import SHARED


@contextlib.contextmanager
def lab_api(name: str = "lab-eos1") -> Iterator[dict[str, Any]]:
    from .server import ApiSimulator

    rec = SHARED / "corpus" / "napalm" / "eos" / "test_get_environment" / "normal"
    sim = ApiSimulator(rec, username="lab", password=LAB_PASSWORD)
    with running(sim):
        yield {
            "name": name,
            "host": "127.0.0.1",
            "port": sim.port,
            "username": "lab",
            "password": f"literal:{LAB_PASSWORD}",
            "platform": "arista_eos",
            "api": "eapi",
            "ca_file": str(sim.cert),
            "timeout": 5,
        }
