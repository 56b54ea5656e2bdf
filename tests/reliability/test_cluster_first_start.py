"""Members starting together on a fresh nats-server race to create the lease bucket and the batch
stream: every one of them must start (the loser of a create finds the winner's object), none may
fail with JetStream's refusal. Seen once in CI: two instances started together on a fresh server,
and one died on create_key_value's "subjects overlap with an existing stream" (err 10065) while
the other's bucket was being made. This test did not make that refusal happen on an idle machine
(32 members x 6 fresh servers, with and without the fix); it keeps the behaviour checked, the fix
(a refused create looks the object up again) is what the CI log asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from netrosetta.service.cluster import Cluster
from netrosetta.service.config import Cluster as ClusterConfig

from .harness import NatsServer

pytestmark = pytest.mark.reliability


class _NoOutputs:
    async def export_now(self, *_a: Any, **_k: Any) -> bool:
        return True


async def _create_together(url: str, n: int) -> list[BaseException | None]:
    cfg = ClusterConfig(nats=[url], lease_seconds=3.0)
    members = [Cluster(f"m{i}", cfg, _NoOutputs()) for i in range(n)]  # type: ignore[arg-type]
    import nats

    async def one(c: Cluster) -> BaseException | None:
        c.nc = await nats.connect(servers=[url], connect_timeout=2)
        c.js = c.nc.jetstream(timeout=5)
        try:
            await c._ensure_objects()
            return None
        except Exception as exc:
            return exc
        finally:
            await c.nc.close()

    return await asyncio.gather(*(one(c) for c in members))


def test_members_created_together_all_start(tmp_path: Path) -> None:
    for round_ in range(3):                      # a fresh server each round: the race is at creation
        nats = NatsServer(tmp_path / f"nats-{round_}").start()
        try:
            errors = asyncio.run(_create_together(nats.url, 16))
        finally:
            nats.stop()
        assert errors == [None] * 16, [repr(e) for e in errors if e is not None]
