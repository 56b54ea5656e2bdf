"""gNMI / NETCONF / API / CLI targets behind the same Source interface as SNMP.

NETCONF, API and CLI are polled (their collectors' ``poll(target)``); gNMI streams: the session
runs in its own task from the first poll on, and each scheduled "poll" translates what the
stream has delivered and exports the samples newer than the last export (device timestamps kept).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from netrosetta.collectors.gnmi.fresh import FreshFilter
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import MatchResult, match_rulebook
from netrosetta.engine.points import ScopeBatch
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translator_for
from netrosetta.errors import NetrosettaError

from .sources import Polled, PollError, Source

# source kind -> the engine's dataset kind used for matching
ENGINE_KIND = {"netconf": "xpath", "api": "json", "cli": "cli", "gnmi": "gnmi"}


def _translate(rulebooks: RulebookSet, ds: Any, facts: DeviceFacts, m: MatchResult) -> Polled:
    assert m.chosen is not None
    t = translator_for(rulebooks, m.chosen).translate(ds, facts, time_ns=time.time_ns(), match=m)
    return Polled(t, m)


def _match(rulebooks: RulebookSet, facts: DeviceFacts, kind: str, address: str) -> MatchResult:
    m = match_rulebook(rulebooks, facts, ENGINE_KIND[kind])
    if m.chosen is None:
        raise PollError(f"{address}: no rulebook matches ({m.reason})", "no-rulebook")
    return m


@dataclass
class PolledSource:
    """NETCONF, API or CLI: one request round per poll."""

    key: str
    kind: str
    spec: Any
    request_errors: int = 0

    @property
    def address(self) -> str:
        port = getattr(self.spec, "port", None)
        return f"{self.spec.host}:{port}" if port else str(self.spec.host)

    async def poll(self, rulebooks: RulebookSet) -> Polled:
        from netrosetta.collectors.recording import TargetError, engine_facts

        mod = __import__(f"netrosetta.collectors.{self.kind}.client", fromlist=["poll"])
        dmod = __import__(f"netrosetta.collectors.{self.kind}.dataset", fromlist=["to_engine"])
        spec = self.spec
        if self.kind == "cli" and spec.commands is None:
            # CLI runs exactly the commands (and templates) the platform's rulebook reads
            _match(rulebooks, DeviceFacts(name=spec.name, platform=spec.platform), "cli", self.address)
            spec = spec.model_copy(update={"commands": dmod.commands_for_platform(spec.platform, rulebooks)})
        try:
            src = await mod.poll(spec)
        except TargetError as exc:
            raise PollError(str(exc), getattr(exc, "reason", "error")) from None
        except NetrosettaError as exc:
            raise PollError(str(exc), "error") from None
        self.request_errors += len(src.errors)
        facts = engine_facts(src, name=spec.name, address=spec.host)
        ds = dmod.to_engine(src)
        polled = _translate(rulebooks, ds, facts, _match(rulebooks, facts, self.kind, self.address))
        _session_scope(polled, spec)
        return polled

    async def close(self) -> None:
        mod = __import__(f"netrosetta.collectors.{self.kind}.client", fromlist=["close"])
        await mod.close(self.spec)     # the kept SSH session / HTTP connections


def _session_scope(polled: Polled, spec: Any) -> None:
    """Session health beside the data (logins, reconnects), as gNMI's stream health."""
    from netrosetta.collectors.sessions import session_metrics

    points = session_metrics(spec)
    if points:
        scope = ScopeBatch("netrosetta.session", "1", spec.kind)
        scope.metrics.update({mp.name: mp for mp in points})
        polled.translation.scopes.append(scope)


@dataclass
class GnmiSource:
    key: str
    spec: Any
    kind: str = "gnmi"
    _dev: Any = None
    _task: asyncio.Task[Any] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _fresh: FreshFilter = field(default_factory=FreshFilter)
    _responses: int = 0       # the stream's response count at the last export

    @property
    def address(self) -> str:
        return str(self.spec.address)

    async def poll(self, rulebooks: RulebookSet) -> Polled:
        if self._dev is None:
            from netrosetta.collectors.gnmi.device import GnmiDevice

            self._dev = GnmiDevice(self.spec)
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._dev.run(self._stop), name=f"gnmi-{self.key}")
            for _ in range(30):  # first poll: give the stream a moment to connect and sync
                if self._dev.state.synced or len(self._dev.dataset):
                    break
                await asyncio.sleep(0.1)
        dev = self._dev
        state = dev.state
        if not state.up and not len(dev.dataset):
            raise PollError(f"{self.address}: not connected ({state.last_error or 'connecting'})", "connect")
        facts = dev.facts()
        m = _match(rulebooks, facts, "gnmi", self.address)
        # responses counted before translating: one arriving meanwhile is fresh next time too
        responses = state.responses
        new_data, self._responses = responses != self._responses, responses
        polled = _translate(rulebooks, dev.dataset, facts, m)
        if polled.translation.count() == 0:
            err = state.last_error
            raise PollError(f"{self.address}: no data streamed yet{f' ({err})' if err else ''}", "no-data")
        # the Dataset is a cache: only samples newer than their series' last export go out
        self._fresh.take(polled.translation, new_data)
        dev.take_ended()  # deleted leaves are already gone from the dataset: nothing more to export
        # stream health beside the data: netrosetta.gnmi.target.up (1 while the stream is up),
        # .reconnects (sessions lost) and .malformed (updates skipped), per target
        from netrosetta.collectors.gnmi.session import state_metrics

        scope = ScopeBatch("netrosetta.gnmi", "1", "gnmi")
        for mp in state_metrics([state]):
            scope.metrics[mp.name] = mp
        polled.translation.scopes.append(scope)
        if not state.up:
            # the cache outlives the stream: never reported as ok, never re-sent; what arrived
            # before the stream died and up=0 still go out with the failure
            raise PollError(f"{self.address}: stream down ({state.last_error or 'reconnecting'})", "down",
                            polled.translation)
        return polled

    async def close(self) -> None:
        if self._task is not None:
            self._stop.set()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task, self._dev, self._responses = None, None, 0


def make_other_source(kind: str, key: str, spec: Any) -> Source:
    if kind == "gnmi":
        return GnmiSource(key, spec)
    if kind in ("netconf", "api", "cli"):
        return PolledSource(key, kind, spec)
    raise NetrosettaError(f"{key}: unknown source kind {kind}")
