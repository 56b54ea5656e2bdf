"""A target's last poll is kept whole only while something reads it (issue 13: per-device memory):
not by default, from the first /metrics scrape on, always with a Prometheus output; the traps'
resource lookup needs only the device's resource, kept every poll."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from netrosetta.service.http import start_http
from tests.live.test_snmp_absurd_values import service, table
from tests.support.snmp_responder import Responder

pytestmark = pytest.mark.live


async def test_last_poll_kept_after_a_scrape_asks_for_it(tmp_path: Path) -> None:
    with Responder(table()) as agent:
        svc, src, _got = service(tmp_path, agent.port)
        await svc.poll_once(src, 10)
        st = svc.status[src.key]
        assert st.state == "ok" and st.latest is None, st.error
        assert st.resource is not None and st.resource["host.name"] == "absurd1"
        runner, port = await start_http(svc, "127.0.0.1:0")
        try:
            body = await asyncio.to_thread(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode())
            assert "netrosetta_polls" in body and "hw_network_io" not in body   # nothing kept yet
            await svc.poll_once(src, 10)
            assert st.latest is not None
            body = await asyncio.to_thread(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode())
            assert 'network_interface_name="Et1"' in body
        finally:
            await runner.cleanup()
            await src.close()
