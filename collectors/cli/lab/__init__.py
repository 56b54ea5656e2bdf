"""Lab helper: an IOS device emulator serving NAPALM's IOS recording, described as a service target."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netrosetta.collectors.netconf.lab import LAB_PASSWORD, running
from netrosetta.paths import SHARED


@contextlib.contextmanager
def lab_cli(name: str = "lab-ios1") -> Iterator[dict[str, Any]]:
    from .server import CliSimulator

    rec = SHARED / "corpus" / "napalm" / "ios" / "test_get_interfaces_counters" / "normal"
    sim = CliSimulator("cisco_ios", recording=rec, hostname=name, username="lab", password=LAB_PASSWORD)
    with running(sim), tempfile.TemporaryDirectory(prefix="nr-lab-cli-") as tmp:
        kh = Path(tmp) / "known_hosts"
        kh.write_text(sim.known_hosts_line())
        yield {
            "name": name,
            "host": "127.0.0.1",
            "port": sim.port,
            "username": "lab",
            "password": f"literal:{LAB_PASSWORD}",
            "platform": "cisco_ios",
            "known_hosts": str(kh),
            "timeout": 10,
        }
