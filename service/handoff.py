"""The one way into the event loop from another thread: a call scheduled on the loop, in order.

Flow listeners run in threads; emitting touches loop-owned state (start times, queues), so a
producer never calls the pipeline directly — it hands the batch over and returns at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from netrosetta.engine.points import DeviceTranslation

log = logging.getLogger(__name__)


class LoopHandoff:
    """A thread-safe ``Producer``: ``submit`` from any thread runs ``emit`` on ``loop``."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 emit: Callable[[Sequence[DeviceTranslation]], object]) -> None:
        self._loop = loop
        self._emit = emit
        self.lost_batches = 0   # submitted after the loop closed (shutdown): logged and counted

    def submit(self, translations: Sequence[DeviceTranslation]) -> None:
        batch = tuple(translations)   # the caller may reuse its list
        try:
            self._loop.call_soon_threadsafe(self._run, batch)
        except RuntimeError:          # the loop is closed: the service has stopped
            self.lost_batches += 1
            log.warning("batch of %d translations submitted after the service stopped: not delivered",
                        len(batch))

    def _run(self, batch: tuple[DeviceTranslation, ...]) -> None:
        try:
            self._emit(batch)
        except Exception:   # a bug in one batch must not reach the loop's exception handler silently
            log.exception("submitted batch could not be emitted")
