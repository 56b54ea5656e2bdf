"""Protocol-side polling: identify a device, walk the tables its rulebook needs, many devices at once.

Which tables to walk is the rulebook's business: ``poll_targets`` takes a ``roots_for(facts)``
callback, so vendor knowledge stays in YAML.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from netrosetta.collectors.snmp.client import Prefer, SnmpClient, SnmpError, make_client
from netrosetta.collectors.snmp.target import SnmpTarget
from netrosetta.errors import NetrosettaError

from .varbind import TAG_OCTET_STRING, TAG_OID, TAG_TIMETICKS, VarBind, oid_key

log = logging.getLogger(__name__)

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"


@dataclass(frozen=True)
class DeviceFacts:
    """What rulebook matching needs. Missing or mistyped objects become None, never an exception."""

    sys_object_id: str | None
    sys_descr: str | None
    sys_uptime: int | None  # TimeTicks, hundredths of a second since the agent (re)started
    sys_name: str | None


def _text(vb: VarBind | None) -> str | None:
    if vb is None or vb[1] != TAG_OCTET_STRING or not isinstance(vb[2], bytes):
        return None
    return vb[2].decode("utf-8", "replace")


async def identify(client: SnmpClient) -> DeviceFacts:
    """One GET for sysObjectID, sysDescr, sysUpTime and sysName."""
    got = {vb[0]: vb for vb in await client.get([SYS_OBJECT_ID, SYS_DESCR, SYS_UPTIME, SYS_NAME])}
    oid_vb = got.get(SYS_OBJECT_ID)
    up_vb = got.get(SYS_UPTIME)
    return DeviceFacts(
        sys_object_id=oid_vb[2] if oid_vb and oid_vb[1] == TAG_OID and isinstance(oid_vb[2], str) else None,
        sys_descr=_text(got.get(SYS_DESCR)),
        sys_uptime=up_vb[2] if up_vb and up_vb[1] == TAG_TIMETICKS and isinstance(up_vb[2], int) else None,
        sys_name=_text(got.get(SYS_NAME)),
    )


def minimal_roots(roots: Sequence[str]) -> list[str]:
    """Drop duplicates and roots inside another root (walking 1.3.6.1.2.1.2 covers .2.2)."""
    cleaned = sorted({r.strip().lstrip(".") for r in roots if r.strip()}, key=lambda r: (len(r), r))
    kept: list[str] = []
    for r in cleaned:
        if not any(r == k or r.startswith(k + ".") for k in kept):
            kept.append(r)
    return sorted(kept, key=oid_key)


async def walk_roots(client: SnmpClient, roots: list[str]) -> list[VarBind]:
    """Walk each (minimal) root in OID order; one request stream, agents are often single-threaded."""
    minimal = minimal_roots(roots)
    walk_many = getattr(client, "walk_many", None)
    if walk_many is not None:
        # the native client walks several subtrees per request: fewer round trips, less CPU
        many: list[VarBind] = await walk_many(minimal)
        return many
    out: list[VarBind] = []
    for root in minimal:
        out.extend(await client.walk(root))
    return out


class StartTimeTracker:
    """Start time of cumulative counters per device: reset when sysUpTime goes back.

    sysUpTime going back means the agent restarted (or the 32-bit TimeTicks wrapped after ~497
    days): counters may have restarted from zero, so the series must get a new start time.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, int]] = {}  # key -> (uptime ticks, start ns)
        self.resets = 0

    def observe(self, key: str, uptime_ticks: int | None, now_ns: int | None = None) -> tuple[int, bool]:
        """Return (start_time_unix_ns, reset) for this poll of ``key``."""
        now = time.time_ns() if now_ns is None else now_ns
        prev = self._last.get(key)
        if uptime_ticks is None:
            # no uptime: keep the old start, or start now
            start = prev[1] if prev else now
            self._last[key] = (prev[0] if prev else 0, start)
            return start, False
        if prev is not None and uptime_ticks >= prev[0]:
            self._last[key] = (uptime_ticks, prev[1])
            return prev[1], False
        start = now - uptime_ticks * 10_000_000
        reset = prev is not None
        if prev is not None:
            self.resets += 1
            log.info("%s: sysUpTime went back (%d -> %d): counters get a new start time", key, prev[0],
                     uptime_ticks)
        self._last[key] = (uptime_ticks, start)
        return start, reset


@dataclass
class PollResult:
    target: str  # host:port
    facts: DeviceFacts | None = None
    varbinds: list[VarBind] = field(default_factory=list)
    start_time_ns: int = 0
    counters_reset: bool = False
    error: str | None = None  # one clear line, names the target, no secret
    error_kind: str | None = None  # SnmpTimeout / SnmpAuthError / SnmpError / NoRulebook


@dataclass
class PollStats:
    polled: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


async def poll_one(client: SnmpClient, target: SnmpTarget,
                   roots_for: Callable[[DeviceFacts], list[str] | None],
                   tracker: StartTimeTracker | None = None) -> PollResult:
    res = PollResult(target.address)
    try:
        res.facts = await identify(client)
        roots = roots_for(res.facts)
        if not roots:
            res.error, res.error_kind = f"{target.address}: no rulebook matches this device", "NoRulebook"
            return res
        res.varbinds = await walk_roots(client, roots)
        if tracker is not None:
            res.start_time_ns, res.counters_reset = tracker.observe(target.address, res.facts.sys_uptime)
    except NetrosettaError as exc:
        res.error, res.error_kind = str(exc), type(exc).__name__
    return res


async def poll_targets(targets: Sequence[SnmpTarget], roots_for: Callable[[DeviceFacts], list[str] | None],
                       *, concurrency: int = 64, prefer: Prefer = "auto",
                       tracker: StartTimeTracker | None = None,
                       stats: PollStats | None = None) -> list[PollResult]:
    """Poll many devices at once; one device's failure is its own PollResult, counted and logged."""
    sem = asyncio.Semaphore(concurrency)

    async def one(t: SnmpTarget) -> PollResult:
        async with sem:
            try:
                client = make_client(t, prefer)
            except SnmpError as exc:
                return PollResult(t.address, error=str(exc), error_kind=type(exc).__name__)
            try:
                return await poll_one(client, t, roots_for, tracker)
            finally:
                await client.close()

    results = await asyncio.gather(*(one(t) for t in targets))
    for r in results:
        if stats is not None:
            stats.polled += 1
        if r.error:
            log.warning("snmp poll failed: %s", r.error)
            if stats is not None:
                stats.failed += 1
                kind = r.error_kind or "SnmpError"
                stats.by_kind[kind] = stats.by_kind.get(kind, 0) + 1
    return list(results)
