"""sFlow interface counters inside the service: translated by the service's own rulebook set
(the config's `rulebooks:` folders, swapped by a SIGHUP reload) and emitted like a poll.

Real parts: the service in-process with a real OTLP/gRPC backend, sFlow v5 from Telegraf's
example datagram sent over real UDP, a rulebook folder on disk that the test edits.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from netrosetta.service.runtime import Service
from tests.conftest import need_shared
from tests.support.otlp_receiver import GrpcReceiver

pytestmark = pytest.mark.live

RULEBOOK = """id: lab/sflow-counters
version: {version}
schema: unified/v1
description: IF-MIB only, for sFlow counter samples (a test rulebook from a config folder)
extends: [mixins/if-mib]
rules: []
"""


def _write_config(tmp: Path, backend: GrpcReceiver, rulebook_id: str) -> Path:
    cfg = tmp / "config.yaml"
    cfg.write_text(json.dumps({
        "rulebooks": [str(tmp / "books")],
        "flow": [{"port": 0, "bind": "127.0.0.1", "batch_wait_ms": 20, "outputs": [],
                  "counters_rulebook": rulebook_id}],
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 2.0}],
                    "from_env": False},
        "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False}}))
    return cfg


def _io_points(backend: GrpcReceiver) -> list[tuple[str, str, str, int, int]]:
    """(scope name, scope version, direction, start ns, value) of every hw.network.io point for eno1."""
    out = []
    for req in list(backend.requests):
        for rm in req.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name != "hw.network.io":
                        continue
                    for dp in m.sum.data_points:
                        a = {kv.key: kv.value.string_value for kv in dp.attributes}
                        if a.get("network.interface.name") == "eno1":
                            out.append((sm.scope.name, sm.scope.version, a["network.io.direction"],
                                        dp.start_time_unix_nano, dp.as_int))
    return out


async def _until(cond: Any, what: str, seconds: float = 20) -> Any:
    for _ in range(int(seconds / 0.1)):
        got = cond()
        if got:
            return got
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_sflow_counters_follow_the_configured_rulebook_folder_and_its_reload(tmp_path: Path) -> None:
    datagram = need_shared("corpus", "flow", "telegraf", "sflow_v5_example", "sflow_v5.bin").read_bytes()
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "sflow.yaml").write_text(RULEBOOK.format(version="3.1.0"))
    with GrpcReceiver() as backend:
        path = _write_config(tmp_path, backend, "lab/sflow-counters")
        from netrosetta.service.config import load_config
        svc = Service(load_config(path), config_path=path, sinks=None)
        await svc.start()
        try:
            port = svc.flows.listeners[0].port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
                tx.sendto(datagram, ("127.0.0.1", port))
                got = await _until(lambda: _io_points(backend), "sFlow counters at the backend")
                # Telegraf's decode of this datagram: port eno1, in_bytes 3910, out_bytes 3946
                assert {(p[0], p[1], p[2], p[4]) for p in got} == {
                    ("lab/sflow-counters", "3.1.0", "receive", 3910), ("lab/sflow-counters", "3.1.0", "transmit", 3946)}
                assert all(p[3] > 0 for p in got), "counters carry a start time (the agent's boot)"
                # a new version of the folder's rulebook, picked up by a reload (SIGHUP's path)
                (tmp_path / "books" / "sflow.yaml").write_text(RULEBOOK.format(version="3.2.0"))
                before = svc.rulebooks
                svc.reload()
                await _until(lambda: svc.rulebooks is not before, "the reload")
                tx.sendto(datagram, ("127.0.0.1", port))
                await _until(lambda: any(p[1] == "3.2.0" for p in _io_points(backend)), "counters by the reloaded rulebook")
        finally:
            await svc.stop()


async def test_an_unknown_counters_rulebook_is_a_clear_start_error(tmp_path: Path) -> None:
    from netrosetta.errors import NetrosettaError
    from netrosetta.service.config import load_config

    (tmp_path / "books").mkdir()
    with GrpcReceiver() as backend:
        path = _write_config(tmp_path, backend, "nowhere/none")
        svc = Service(load_config(path), config_path=path)
        with pytest.raises(NetrosettaError, match="counters_rulebook 'nowhere/none'"):
            await svc.start()
        await svc.stop()
