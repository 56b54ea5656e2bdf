"""Issue 12 item 9: /readyz (and the status page's checks) tell the truth.

Each case is driven for real: a flow listener whose output blocks (a FIFO nobody reads) and one
whose thread has ended, with real NetFlow datagrams over UDP; more silent SNMP devices than
concurrency slots can serve (polls overdue); a small spill with the backend down (full, dropping).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.service.config import ServiceConfig
from netrosetta.service.http import start_http
from netrosetta.service.lab.netflow_v5 import synthetic_datagrams
from netrosetta.service.runtime import Service
from tests.reliability.harness import (
    LAB_SNMPREC,
    GrpcReceiver,
    ServiceProcess,
    UdpAgent,
    snmp_target,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.live


def readyz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def failing(port: int, name_start: str, reason_part: str) -> dict[str, Any] | None:
    code, body = readyz(port)
    for c in body["failing"]:
        if code == 503 and c["name"].startswith(name_start) and reason_part in c["reason"]:
            return c  # type: ignore[no-any-return]
    return None


async def _readyz(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, Any]]:
    async with session.get(f"http://127.0.0.1:{port}/readyz") as r:
        return r.status, await r.json()


async def _until(cond: Any, what: str, seconds: float = 20) -> Any:
    for _ in range(int(seconds / 0.1)):
        got = await cond()
        if got:
            return got
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _flow_cfg(outputs: list[dict[str, Any]], workers: int = 1) -> ServiceConfig:
    return ServiceConfig.model_validate({
        "flow": [{"port": 0, "bind": "127.0.0.1", "batch_wait_ms": 20, "outputs": outputs, "workers": workers}],
        "outputs": {"from_env": False}, "http": {"listen": "127.0.0.1:0"},
        "self_telemetry": {"enabled": False}, "health": {"flow_stall_seconds": 1.0}})


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_wedged_flow_listener_turns_readyz_red_and_back(tmp_path: Path, workers: int) -> None:
    fifo = tmp_path / "flows.fifo"
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # a reader that does not read: writes block
    svc = Service(_flow_cfg([{"type": "jsonl", "path": str(fifo)}], workers))
    draining = threading.Event()

    def drain() -> None:
        while not draining.is_set():
            with contextlib.suppress(BlockingIOError):
                if not os.read(rfd, 1 << 16):
                    draining.wait(0.01)
            draining.wait(0.001)

    await svc.start()
    runner, port = await start_http(svc, "127.0.0.1:0")
    drainer = threading.Thread(target=drain, daemon=True)
    try:
        async with aiohttp.ClientSession() as session:
            code, body = await _readyz(session, port)
            assert code == 200 and body["ready"], body
            lis_port = svc.flows.listeners[0].port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
                for seq in range(0, 200 * 30, 30):       # ~ 1 MB of JSON lines: far past a pipe's buffer
                    for dg in synthetic_datagrams(seq, flows=30):
                        tx.sendto(dg, ("127.0.0.1", lis_port))

            async def wedged() -> dict[str, Any] | None:
                code, body = await _readyz(session, port)
                hit = [c for c in body["failing"] if c["name"] == f"flow 127.0.0.1:{lis_port}"]
                return hit[0] if code == 503 and hit else None

            check = await _until(wedged, "readyz to see the wedged receive loop")
            assert "receive loop has not turned" in check["reason"]
            drainer.start()                              # the output moves again
            code, body = await _until(lambda: _ready(session, port), "readyz to recover")
            assert code == 200
    finally:
        if not drainer.is_alive():
            drainer.start()
        await runner.cleanup()
        await svc.stop()
        draining.set()
        drainer.join(5)
        os.close(rfd)


async def _ready(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, Any]] | None:
    code, body = await _readyz(session, port)
    return (code, body) if code == 200 else None


async def test_a_dead_flow_listener_thread_turns_readyz_red(tmp_path: Path) -> None:
    svc = Service(_flow_cfg([]))
    await svc.start()
    runner, port = await start_http(svc, "127.0.0.1:0")
    try:
        async with aiohttp.ClientSession() as session:
            assert (await _readyz(session, port))[0] == 200
            lis = svc.flows.listeners[0]
            lis.stop()                                   # its thread ends; the service goes on
            await asyncio.to_thread(svc.flows._threads[0].join, 10)

            async def dead() -> dict[str, Any] | None:
                code, body = await _readyz(session, port)
                return body if code == 503 else None

            body = await _until(dead, "readyz to see the dead listener")
            assert body["failing"] == [{"name": f"flow 127.0.0.1:{lis.port}", "ok": False,
                                        "reason": "listener thread is not running"}]
            async with session.get(f"http://127.0.0.1:{port}/status.json") as r:
                st = await r.json()
            assert not st["ready"]
            assert {"name": f"flow 127.0.0.1:{lis.port}", "ok": False,
                    "reason": "listener thread is not running"} in st["checks"]
    finally:
        await runner.cleanup()
        await svc.stop()


def _mute_targets(tmp_path: Path, agents: list[UdpAgent]) -> Path:
    return write_yaml(tmp_path / "config.yaml", {
        "defaults": {"interval": 1.0, "poll_timeout": 1.0, "concurrency": 1, "jitter": 0.0},
        "targets": {"snmp": [snmp_target(f"mute{i}", a.port, timeout=0.5, retries=1)
                             for i, a in enumerate(agents)]},
        "outputs": {"from_env": False}, "http": {"listen": "127.0.0.1:0"},
        "self_telemetry": {"enabled": False}, "health": {"poll_overdue_intervals": 1.5}})


def test_polls_overdue_turn_readyz_red(tmp_path: Path) -> None:
    """Four devices that never answer and one concurrency slot: each waits ~3 intervals for a slot."""
    agents = [UdpAgent(lambda _d: None) for _ in range(4)]
    svc = ServiceProcess(_mute_targets(tmp_path, agents), tmp_path / "service.log").start()
    try:
        assert svc.http_port is not None
        port = svc.http_port
        check = wait_for(lambda: failing(port, "polls", "poll overdue by"), 30, "polls overdue on /readyz")
        assert "(interval 1s)" in check["reason"]
        st = svc.status()
        assert not st["ready"] and any(c["name"] == "polls" and not c["ok"] for c in st["checks"])
    finally:
        svc.stop()
        for a in agents:
            a.close()


def test_the_status_page_shows_a_failing_check_and_why(tmp_path: Path) -> None:
    from tests.live.test_service_status_page import _browser

    agents = [UdpAgent(lambda _d: None) for _ in range(4)]
    profile = tempfile.mkdtemp(prefix="nr-chromium-")
    svc = ServiceProcess(_mute_targets(tmp_path, agents), tmp_path / "service.log").start()
    driver = None
    try:
        port = svc.http_port
        assert port is not None
        wait_for(lambda: failing(port, "polls", "poll overdue by"), 30, "polls overdue on /readyz")
        driver = _browser(profile)
        driver.set_page_load_timeout(20)
        driver.get(f"http://127.0.0.1:{port}/status")
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By

        def polls_row() -> list[str] | None:
            try:
                for tr in driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr"):
                    cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    if tr.get_attribute("data-check") == "polls" and cells[1] == "failing":
                        return cells
            except StaleElementReferenceException:  # the page re-rendered meanwhile: look again
                pass
            return None

        row = wait_for(polls_row, 20, "the page to show the failing check")
        assert "poll overdue by" in row[2] and "snmp/mute" in row[2]
        assert "not ready" in driver.find_element(By.ID, "summary").text
    finally:
        if driver is not None:
            driver.quit()
        svc.stop()
        for a in agents:
            a.close()
        shutil.rmtree(profile, ignore_errors=True)


def test_a_full_spill_turns_readyz_red_until_the_backend_is_back(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver()                         # down
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 1.0, "poll_timeout": 1.0},
            "targets": {"snmp": [snmp_target("sw1", agent.port, "lab"), snmp_target("sw2", agent.port, "lab2")]},
            "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 1.0}],
                        "from_env": False},
            "delivery": {"spill_dir": str(tmp_path / "spill"), "spill_max_mb": 0.04, "queue_batches": 1,
                         "retry_initial": 0.1, "retry_max": 0.5},
            "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False}})
        svc = ServiceProcess(cfg, tmp_path / "service.log").start()
        try:
            assert svc.http_port is not None
            port = svc.http_port
            check = wait_for(lambda: failing(port, "spill otlp-grpc", "full"), 30, "a full spill on /readyz")
            assert "dropping the oldest batches" in check["reason"]
            backend.start()
            wait_for(lambda: readyz(port)[0] == 200, 30, "readyz green once the backlog moves")
            assert all(c["ok"] for c in svc.status()["checks"])
        finally:
            svc.stop()
            backend.stop()
