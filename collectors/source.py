"""What every source kind hands the service: a ``Source`` that polls one target into a translation.

A source keeps what survives between polls (a socket, a stream, the matched rulebook), so the
scheduler only ever calls ``poll(rulebooks)`` on its slot and ``close()`` when the target goes.
A streaming kind (gNMI) runs its stream in the background from the first poll on; each poll then
translates what the stream delivered since the last one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from netrosetta.errors import NetrosettaError

if TYPE_CHECKING:
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.matching import MatchResult
    from netrosetta.engine.points import DeviceTranslation
    from netrosetta.engine.rulebooks import RulebookSet


class PollError(NetrosettaError):
    """A poll failed; ``kind`` is a short reason for counting (timeout, auth, garbage, no-rulebook...).
    ``translation``: what is still worth exporting (a dead gNMI stream's last unsent samples and
    its ``target.up`` = 0), exported while the status records the failure."""

    def __init__(self, message: str, kind: str, translation: DeviceTranslation | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.translation = translation


@dataclass
class Polled:
    translation: DeviceTranslation
    match: MatchResult


class Source(Protocol):
    key: str        # kind/name
    kind: str
    spec: Any

    @property
    def address(self) -> str: ...

    async def poll(self, rulebooks: RulebookSet) -> Polled: ...

    async def close(self) -> None: ...


def matched(rulebooks: RulebookSet, facts: DeviceFacts, selector: str, address: str,
            pinned: str | None = None) -> MatchResult:
    """The rulebook for this device and selector kind (remembered by the set per device identity),
    or the one the target pins (``rulebook:``); no match is a failed poll, counted."""
    if pinned is not None:
        from netrosetta.engine.matching import MatchResult

        if pinned not in rulebooks:
            raise PollError(f"{address}: the target pins rulebook {pinned!r}, which is not loaded", "no-rulebook")
        return MatchResult(rulebooks.resolve(pinned), [], False, [], f"{pinned}: pinned by the target")
    m = rulebooks.match(facts, selector)
    if m.chosen is None:
        raise PollError(f"{address}: no rulebook matches ({m.reason})", "no-rulebook")
    return m


def translated(rulebooks: RulebookSet, ds: Any, facts: DeviceFacts, m: MatchResult) -> Polled:
    """One poll's dataset through the matched rulebook's compiled translator (owned by the set)."""
    assert m.chosen is not None
    t = rulebooks.translator(m.chosen).translate(ds, facts, time_ns=time.time_ns(), match=m)
    return Polled(t, m)
