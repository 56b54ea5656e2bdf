"""Source → Translate: one poll of one target, bounded in time, its outcome on the target's status.

The source polls and translates with the rulebooks current at that moment (a SIGHUP reload swaps
them between polls); the translation goes to Emit. Whatever fails is a counted failure of this
poll with its reason, never the end of the target's schedule.

A target's last poll is kept whole on its status (``latest``) only while something reads it: a
Prometheus output (``keep_latest``), or /metrics and the live table asking for it
(``want_latest``) - at thousands of devices it would be most of the memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from netrosetta.collectors import target_options
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet

from .emit import Emitter
from .sources import PollError, Source
from .status import TargetStatus

log = logging.getLogger(__name__)

# after a read of the last polls (/metrics, the live table), they are kept this long
LATEST_WANTED_S = 900.0


class Poller:
    def __init__(self, status: Mapping[str, TargetStatus], rulebooks: Callable[[], RulebookSet],
                 emitter: Emitter) -> None:
        self._status = status
        self._rulebooks = rulebooks
        self._emitter = emitter
        self.translated_points = 0
        self.keep_latest = False
        self._wanted_until = 0.0

    def want_latest(self, seconds: float = LATEST_WANTED_S) -> None:
        """Someone reads the targets' last polls: keep them for the next ``seconds``."""
        self._wanted_until = max(self._wanted_until, time.monotonic() + seconds)

    async def poll_once(self, src: Source, timeout: float) -> None:
        st = self._status[src.key]
        st.started = time.time()
        t0 = time.monotonic()
        try:
            polled = await asyncio.wait_for(src.poll(self._rulebooks()), timeout)
        except TimeoutError:
            await src.close()
            st.record_failure(f"{src.address}: poll did not finish within {timeout:g}s", "timeout",
                              time.monotonic() - t0, time.time())
            log.warning("%s: poll timed out after %gs", src.key, timeout)
            return
        except PollError as exc:
            st.record_failure(str(exc), exc.kind, time.monotonic() - t0, time.time())
            log.warning("%s: %s", src.key, exc)
            if exc.translation is not None:
                # a down stream's target.up=0 carries the target's tags too
                self._emit(src.key, target_options.apply(exc.translation, getattr(src, "spec", None)))
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in one source must not stop its schedule
            await src.close()
            st.record_failure(f"{src.address}: internal error {type(exc).__name__}", "internal",
                              time.monotonic() - t0, time.time())
            log.exception("%s: poll raised", src.key)
            return
        t = target_options.apply(polled.translation, getattr(src, "spec", None))   # tags, interface filter
        keep = self.keep_latest or time.monotonic() < self._wanted_until
        st.record_ok(t, polled.match, time.monotonic() - t0, time.time(), keep)
        self._emit(src.key, t)

    def _emit(self, key: str, t: DeviceTranslation) -> None:
        self.translated_points += t.count()
        try:
            self._emitter.emit([t])
        except Exception as exc:  # a bug past translation must not end this target's schedule
            log.exception("%s: export pipeline raised", key)
            # the poll was fine but its points were lost: not a silent ok on the status page
            st = self._status.get(key)
            if st is not None:
                st.failures["export"] += 1
                st.warning = f"points of this poll not exported: internal error {type(exc).__name__}"
