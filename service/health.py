"""Readiness checks: what /readyz, /status.json, the status page and self-telemetry report.

Each check is named and says why it fails. The service is ready when it has started, holds its
cluster connection (cluster mode), and every check passes:
- ``flow <bind:port>``: the listener's thread is alive and its receive loop turned within
  ``health.flow_stall_seconds`` (the loop turns at least every ``batch_wait_ms``, idle or not);
- ``polls``: no target's next poll is overdue by more than ``health.poll_overdue_intervals``
  intervals, and no target's schedule task has ended (a stalled scheduler, or more slow devices
  than ``concurrency`` slots can serve);
- ``spill <output>``: the output's disk spill is not at its bound and dropping (``health.spill_full``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .cluster import Cluster
    from .config import ServiceConfig
    from .delivery import Delivery
    from .flows import FlowRunner
    from .status import TargetStatus


class Service(Protocol):
    """What the checks read of the service (runtime.Service is one), so this module does not
    import the runtime that calls it."""

    cfg: ServiceConfig
    ready: bool

    @property
    def cluster(self) -> Cluster | None: ...

    @property
    def flows(self) -> FlowRunner | None: ...

    @property
    def status(self) -> Mapping[str, TargetStatus]: ...

    @property
    def deliveries(self) -> Sequence[Delivery]: ...

    def schedules(self) -> list[tuple[str, asyncio.Task[None], float | None]]: ...


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "reason": self.reason}


def _flows(svc: Service) -> list[Check]:
    if svc.flows is None:
        return []
    bound = svc.cfg.health.flow_stall_seconds
    out = []
    now = time.monotonic()
    for lis, thread in svc.flows.liveness():
        name = f"flow {lis.cfg.bind}:{lis.port}"
        if not thread.is_alive():
            out.append(Check(name, False, "listener thread is not running"))
        elif now - lis.heartbeat > bound:
            out.append(Check(name, False, f"receive loop has not turned for {now - lis.heartbeat:.1f}s "
                                          f"(bound {bound:g}s)"))
        else:
            out.append(Check(name, True))
    return out


def _polls(svc: Service) -> Check:
    n = svc.cfg.health.poll_overdue_intervals
    try:
        now = asyncio.get_running_loop().time()   # the clock the schedules use
    except RuntimeError:                            # not on the service's loop: nothing to compare
        return Check("polls", True)
    late: list[str] = []
    for key, task, due in svc.schedules():
        if task.done():
            why = "cancelled" if task.cancelled() else type(task.exception()).__name__
            late.append(f"{key}: schedule ended ({why})")
            continue
        interval = svc.status[key].interval if key in svc.status else svc.cfg.defaults.interval
        if due is not None and now - due > n * interval:
            late.append(f"{key}: poll overdue by {now - due:.1f}s (interval {interval:g}s)")
    if not late:
        return Check("polls", True)
    more = f" and {len(late) - 3} more" if len(late) > 3 else ""
    return Check("polls", False, "; ".join(late[:3]) + more)


def _spills(svc: Service) -> list[Check]:
    out = []
    for d in svc.deliveries:
        if d.spill is None:
            continue
        name = f"spill {d.name}"
        if svc.cfg.health.spill_full and d.spill_full:
            out.append(Check(name, False, f"full: {d.spill.bytes} of {d.spill.max_bytes} bytes on disk, "
                                          f"dropping the oldest batches ({d.stats.dropped_batches} so far)"))
        else:
            out.append(Check(name, True))
    return out


def checks(svc: Service) -> list[Check]:
    out = [Check("started", svc.ready, "" if svc.ready else "starting or stopping")]
    if svc.cluster is not None:
        out.append(Check("cluster", bool(svc.cluster.connected),
                         "" if svc.cluster.connected else "not connected to NATS"))
    out += [*_flows(svc), _polls(svc), *_spills(svc)]
    return out


def ready(svc: Service) -> tuple[bool, list[Check]]:
    cs = checks(svc)
    return all(c.ok for c in cs), cs
