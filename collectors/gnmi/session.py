"""One target's life: connect, subscribe, hand batches on, reconnect with backoff + jitter.

Entry point for ``netrosetta run``: :func:`run_target`. The per-target up/down state is kept in a
:class:`TargetState` and exported as the gauge ``netrosetta.gnmi.target.up`` (1/0) by
:meth:`TargetState.up_point`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .client import GnmiClient, GnmiError
from .config import Backoff, GnmiTarget
from .flatten import Delete, Flat, Leaf
from .values import LeafTypes
from .wire import flatten_bytes

log = logging.getLogger(__name__)

UP_METRIC = "netrosetta.gnmi.target.up"
# Not worth retrying quickly: configuration or credentials must change first.
_SLOW_CODES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT", "UNIMPLEMENTED"})


@dataclass
class Batch:
    """What one SubscribeResponse became (a Dataset takes ``flat`` as it is)."""

    target: str
    flat: Flat

    @property
    def leaves(self) -> list[Leaf]:
        return self.flat.leaves

    @property
    def deletes(self) -> list[Delete]:
        return self.flat.deletes

    @property
    def sync(self) -> bool:
        return self.flat.sync

    @property
    def errors(self) -> list[str]:
        return self.flat.errors


@dataclass
class TargetState:
    name: str
    address: str = ""
    up: bool = False
    changed_ns: int = field(default_factory=time.time_ns)
    connects: int = 0
    failures: int = 0
    responses: int = 0
    leaves: int = 0
    malformed: int = 0
    synced: bool = False
    last_error: str | None = None
    models: list[tuple[str, str, str]] = field(default_factory=list)   # (name, organization, version)
    encodings: list[str] = field(default_factory=list)

    def mark_up(self) -> None:
        if not self.up:
            self.up, self.changed_ns = True, time.time_ns()
        self.connects += 1
        self.last_error = None

    def mark_down(self, reason: str) -> None:
        if self.up:
            self.changed_ns = time.time_ns()
        self.up, self.synced = False, False
        self.failures += 1
        self.last_error = reason

    def up_point(self) -> dict[str, Any]:
        return {"metric": UP_METRIC, "instrument": "gauge", "unit": "1", "value": 1 if self.up else 0,
                "time_unix_nano": time.time_ns(),
                "attributes": {"netrosetta.target": self.name, "server.address": self.address}}


def backoff_delay(cfg: Backoff, attempt: int, rng: random.Random | None = None) -> float:
    """Exponential backoff, capped, with ``jitter`` of it randomised away (spreads reconnect storms)."""
    base = min(cfg.maximum, cfg.initial * cfg.multiplier ** attempt)
    r = (rng or random).random()
    return base * (1 - cfg.jitter * r)


OnBatch = Callable[[Batch], Awaitable[None] | None]


async def _deliver(on_batch: OnBatch, batch: Batch) -> None:
    res = on_batch(batch)
    if inspect.isawaitable(res):
        await res


async def _one_session(target: GnmiTarget, on_batch: OnBatch, state: TargetState,
                       types: LeafTypes | None, stop: asyncio.Event) -> None:
    async with GnmiClient(target) as client:
        try:
            caps = await client.capabilities()
        except GnmiError as exc:
            if exc.code != "UNIMPLEMENTED":
                raise
            # some targets only stream: match by configured platform then
            log.info("gnmi %s: no Capabilities RPC; subscribing anyway", target.name)
        else:
            state.models = [(m.name, m.organization, m.version) for m in caps.supported_models]
            state.encodings = [str(e) for e in caps.supported_encodings]
        call = await client.subscribe()
        idle = target.effective_stall_timeout()
        # every mode starts with the initial state (then a sync): silence there is a dead target
        first = max(target.rpc_timeout, idle or 0)
        try:
            async for resp in call.responses(idle, first_timeout=first):
                if not state.up:
                    state.mark_up()
                    log.info("gnmi %s: subscribed (%s, %s)", target.name, target.mode, target.encoding)
                try:
                    flat = flatten_bytes(resp, types)
                except Exception as exc:   # a decoder bug must cost one response, not the session
                    log.error("gnmi %s: response not decoded", target.name, exc_info=exc)
                    flat = Flat(errors=[f"undecodable SubscribeResponse ({len(resp)} bytes): "
                                        f"{type(exc).__name__}"])
                state.responses += 1
                state.leaves += flat.count()
                if flat.errors:
                    state.malformed += len(flat.errors)
                    for e in flat.errors[:3]:
                        log.warning("gnmi %s: skipped malformed %s", target.name, e)
                if flat.sync:
                    state.synced = True
                batch = Batch(target.name, flat)
                await _deliver(on_batch, batch)
                if stop.is_set():
                    return
                if flat.sync and target.mode == "poll":
                    asyncio.get_running_loop().call_later(target.poll_interval, _poll_soon, call)
        finally:
            call.cancel()


def _poll_soon(call: Any) -> None:
    task = asyncio.ensure_future(call.poll())
    task.add_done_callback(lambda t: t.cancelled() or t.exception())   # a dead call ends via read()


async def run_target(target: GnmiTarget, on_batch: OnBatch, *, state: TargetState | None = None,
                     stop: asyncio.Event | None = None, types: LeafTypes | None = None,
                     rng: random.Random | None = None) -> TargetState:
    """Collect from one target until ``stop`` is set (STREAM/POLL) or one ONCE round is done.

    ``on_batch`` (sync or async) receives every response as a :class:`Batch`. ``types`` is the
    YANG catalog used for value normalisation (default: the committed one).
    """
    if types is None:
        from netrosetta.yang_catalog import default_catalog
        types = default_catalog()
    state = state or TargetState(target.name, target.address)
    stop = stop or asyncio.Event()
    attempt = 0
    while not stop.is_set():
        session = asyncio.ensure_future(_one_session(target, on_batch, state, types, stop))
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({session, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if session not in done:
            session.cancel()
            await asyncio.wait({session}, timeout=5)   # bounded: never hang on a stuck channel
            break
        stopper.cancel()
        exc = session.exception()
        if stop.is_set():
            break
        if exc is None:
            if target.mode == "once":
                state.up = False
                return state
            reason = f"{target.name} ({target.address}): stream ended by the target"
            code = None
        elif isinstance(exc, GnmiError):
            reason, code = str(exc), exc.code
        else:
            # a bug (ours or the on_batch callback's) must not end collection for good:
            # logged with its traceback once per occurrence, then the usual backoff
            log.error("gnmi %s: unexpected %s", target.name, type(exc).__name__, exc_info=exc)
            reason, code = f"{target.name}: internal error {type(exc).__name__}: {exc}", None
        if target.mode == "once":
            state.mark_down(reason)
            return state
        if state.up:
            attempt = 0   # it was working: start the backoff from the beginning
        state.mark_down(reason)
        if code in _SLOW_CODES:
            attempt = max(attempt, 16)   # jump to the capped delay
        delay = backoff_delay(target.reconnect, attempt, rng)
        attempt += 1
        log.warning("gnmi %s: down (%s); reconnecting in %.1fs", target.name, reason, delay)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await stop.wait()
    state.up = False
    return state


def state_metrics(states: list[TargetState]) -> list[Any]:
    """The targets' session state as MetricPoints, for the service's self-telemetry scope:
    ``netrosetta.gnmi.target.up`` (gauge 1/0), ``netrosetta.gnmi.reconnects`` and
    ``netrosetta.gnmi.malformed`` (counters), attributes ``netrosetta.target`` + ``server.address``."""
    from netrosetta.engine.points import MetricPoints

    up = MetricPoints(UP_METRIC, "gauge", "1", "gNMI session state: 1 subscribed, 0 down")
    failures = MetricPoints("netrosetta.gnmi.reconnects", "counter", "{reconnect}",
                            "gNMI sessions lost (each followed by a reconnect with backoff)")
    bad = MetricPoints("netrosetta.gnmi.malformed", "counter", "{update}",
                       "gNMI updates skipped because they could not be decoded")
    for s in states:
        attrs = (("netrosetta.target", s.name), ("server.address", s.address))
        up.points.append((attrs, 1 if s.up else 0))
        failures.points.append((attrs, s.failures))
        bad.points.append((attrs, s.malformed))
    return [up, failures, bad]
