"""A source collected by one round of requests per poll (NETCONF RPCs, API calls, CLI commands).

The kind supplies three hooks: ``collect(target)`` (its client: a SourceDataset, or TargetError),
``to_engine`` (SourceDataset -> the engine dataset of its selector) and, optionally, ``plan``
(the target as it should be polled given the rulebooks, e.g. CLI commands read from its rulebook).
``request_kind`` builds the SourceKind of such a collector from its package.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netrosetta.errors import NetrosettaError

from .recording import Recording, SourceDataset, TargetError, engine_facts
from .registry import Recorded, SourceKind
from .source import Polled, PollError, matched, translated

if TYPE_CHECKING:
    from netrosetta.engine.rulebooks import RulebookSet


@dataclass
class RequestSource:
    key: str
    kind: str
    spec: Any
    selector: str
    collect: Callable[[Any], Awaitable[SourceDataset]]
    to_engine: Callable[[SourceDataset], Any]
    plan: Callable[[Any, RulebookSet], Any] | None = None
    closer: Callable[[Any], Awaitable[None]] | None = None
    health: Callable[[Any], list[Any]] | None = None    # session metrics beside the data
    request_errors: int = 0

    @property
    def address(self) -> str:
        port = getattr(self.spec, "port", None)
        return f"{self.spec.host}:{port}" if port else str(self.spec.host)

    async def poll(self, rulebooks: RulebookSet) -> Polled:
        spec = self.plan(self.spec, rulebooks) if self.plan is not None else self.spec
        try:
            src = await self.collect(spec)
        except TargetError as exc:
            raise PollError(str(exc), getattr(exc, "reason", "error")) from None
        except NetrosettaError as exc:
            raise PollError(str(exc), "error") from None
        self.request_errors += len(src.errors)
        facts = engine_facts(src, name=spec.name, address=spec.host)
        m = matched(rulebooks, facts, self.selector, self.address, getattr(spec, "rulebook", None))
        polled = translated(rulebooks, self.to_engine(src), facts, m)
        if self.health is not None:
            _health_scope(polled, spec, self.health(spec))
        return polled

    async def close(self) -> None:
        if self.closer is not None:
            await self.closer(self.spec)     # the kept SSH session / HTTP connections


def _health_scope(polled: Polled, spec: Any, points: list[Any]) -> None:
    """Session health beside the data (up, logins, reconnects), as gNMI's stream health."""
    from netrosetta.engine.points import ScopeBatch

    if points:
        scope = ScopeBatch("netrosetta.session", "1", spec.kind)
        scope.metrics.update({mp.name: mp for mp in points})
        polled.translation.scopes.append(scope)


def request_kind(name: str, selector: str, package: str, model: str, *, order: int,
                 extensions: tuple[str, ...], recognise: Callable[[list[str]], bool],
                 replay: Callable[[Recording, str | None, RulebookSet, str | None], SourceDataset] | None = None,
                 plan: Callable[[Any, RulebookSet], Any] | None = None,
                 health: Callable[[Any], list[Any]] | None = None) -> SourceKind:
    """The SourceKind of a request-round collector laid out as NETCONF, API and CLI are:
    ``<package>.config.<model>``, ``client.poll(target, record=DIR)``, ``dataset.to_engine`` and
    ``dataset.from_recording(rec, platform)`` (unless ``replay`` is given). Modules load on first use."""
    def module(sub: str) -> Any:
        return importlib.import_module(f"{package}.{sub}")

    async def collect(spec: Any, record: Path | None = None) -> SourceDataset:
        src: SourceDataset = await module("client").poll(spec, record=record)
        return src

    async def close(spec: Any) -> None:
        closer = getattr(module("client"), "close", None)
        if closer is not None:
            await closer(spec)

    async def record_once(spec: Any, record: Path | None = None) -> SourceDataset:
        try:
            return await collect(spec, record)
        finally:
            await close(spec)           # one poll to record: log out / close the kept session

    def to_engine(src: SourceDataset) -> Any:
        return module("dataset").to_engine(src)

    def from_recording(rec: Recording, platform: str | None, rulebooks: RulebookSet, forced: str | None
                       ) -> SourceDataset:
        src: SourceDataset = module("dataset").from_recording(rec, platform)
        return src

    def open_source(key: str, spec: Any) -> RequestSource:
        return RequestSource(key, name, spec, selector, collect, to_engine, plan, close, health)

    return SourceKind(name=name, selector=selector, target_model=lambda: getattr(module("config"), model),
                      open=open_source, order=order,
                      recording=Recorded(extensions=extensions, recognise=recognise, record=record_once,
                                         replay=replay or from_recording, to_engine=to_engine))
