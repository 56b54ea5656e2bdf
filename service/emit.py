"""Emit: translations → one OTLP request, counter start times and series identity applied once.

The counter state (StartTimes, the previous poll time per device) lives here, on the event loop's
thread, and survives SIGHUP reloads; a device reboot (sysUpTime back) starts its counters anew.
"""

from __future__ import annotations

from collections.abc import Sequence

from netrosetta.engine.points import DeviceTranslation
from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.sinks import count_points
from netrosetta.exporter.start_times import StartTimes

from .ports import BatchSink


class Emitter:
    def __init__(self, route: BatchSink) -> None:
        self._route = route
        self._start_times = StartTimes()
        self._prev_poll: dict[str, int] = {}

    def emit(self, translations: Sequence[DeviceTranslation]) -> int:
        """One batch to the route; returns its points (an empty batch is not sent)."""
        req = build_request(translations, state=self._start_times, prev_poll_ns=self._prev_poll)
        pts = count_points(req)
        if pts:
            self._route.offer(req, pts)
        return pts
