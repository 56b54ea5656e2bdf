"""The gNMI source: a subscription stream kept open between scheduled polls.

The session runs in its own task from the first poll on; each scheduled poll translates what the
stream has delivered and exports only the samples newer than their series' last export (device
timestamps kept). A down stream is a failed poll of kind ``down`` that still exports what arrived
before it died and ``netrosetta.gnmi.target.up`` = 0.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netrosetta.collectors.source import Polled, PollError, matched, translated

from .fresh import FreshFilter

if TYPE_CHECKING:
    from netrosetta.engine.rulebooks import RulebookSet


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
            from .device import GnmiDevice

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
        m = matched(rulebooks, facts, "gnmi", self.address, getattr(self.spec, "rulebook", None))
        # responses counted before translating: one arriving meanwhile is fresh next time too
        responses = state.responses
        new_data, self._responses = responses != self._responses, responses
        polled = translated(rulebooks, dev.dataset, facts, m)
        if polled.translation.count() == 0:
            err = state.last_error
            raise PollError(f"{self.address}: no data streamed yet{f' ({err})' if err else ''}", "no-data")
        # the Dataset is a cache: only samples newer than their series' last export go out
        self._fresh.take(polled.translation, new_data)
        dev.take_ended()  # deleted leaves are already gone from the dataset: nothing more to export
        # stream health beside the data: netrosetta.gnmi.target.up (1 while the stream is up),
        # .reconnects (sessions lost) and .malformed (updates skipped), per target
        from netrosetta.engine.points import ScopeBatch

        from .session import state_metrics

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
