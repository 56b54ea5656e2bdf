"""Start times for cumulative counters, and counter discontinuities.

OpenTelemetry cumulative sums need the time the count started. For a device counter that is the
device's boot (sysUpTime going back means a reboot: every series restarts then), or the poll
before a counter went backwards without a reboot (cleared counters). A counter known to be 32 bits
wide (Counter32 by its MIB, counter32 by its YANG type) that goes backwards while the device
stayed up has wrapped: we keep counting past 2^32 instead of pretending the value fell. Any other
counter that goes backwards (64-bit, or of unknown width: NETCONF, APIs, CLI) was reset: a new
series. The width is never guessed from the value: a cleared Counter64 going from 1500 to 3 is 3.
A start time is never after the point's own time.

The state is kept per device and counter metric as parallel arrays in the order of the last poll
(a series is known by the hash of its attribute tuple): ~24 bytes a series instead of an object,
a key tuple and a dict entry each, so a device of 800 counter series costs ~20 KiB, not ~170.
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Collection, Sequence
from itertools import compress
from operator import lt
from typing import Any

log = logging.getLogger(__name__)

WRAP32 = 1 << 32
# a device whose computed boot time moves later by more than this has restarted
BOOT_JITTER_NS = 5_000_000_000


def _raws(values: Sequence[Any]) -> array[int] | list[Any]:
    """Unsigned 64-bit ints packed (the usual counter); floats or negatives kept as they are."""
    try:
        return array("Q", values)
    except (OverflowError, TypeError):
        return list(values)


class MetricSeries:
    """One device's series of one counter metric: attribute hash, last raw value, start time and
    (only once a 32-bit counter wrapped) wrap offset, parallel, in the order of the last poll."""

    __slots__ = ("hashes", "offsets", "raws", "starts")

    def __init__(self) -> None:
        self.hashes: array[int] = array("q")
        self.raws: array[int] | list[Any] = array("Q")
        self.starts: array[int] = array("q")
        self.offsets: array[int] | None = None

    def _align(self, hashes: array[int], raws: Sequence[Any], fresh_start: Sequence[int]) -> None:
        """Carry each series' state to its position in this poll; a new series starts at
        ``fresh_start`` with its own value as the last one (so it cannot look like a decrease)."""
        pos = {h: i for i, h in enumerate(self.hashes)}
        take = [pos.get(h, -1) for h in hashes]
        old_raws, old_starts, old_off = self.raws, self.starts, self.offsets
        self.raws = _raws([old_raws[j] if j >= 0 else raws[i] for i, j in enumerate(take)])
        self.starts = array("q", [old_starts[j] if j >= 0 else fresh_start[i] for i, j in enumerate(take)])
        if old_off is not None:
            self.offsets = array("Q", [old_off[j] if j >= 0 else 0 for j in take])
        self.hashes = hashes

    def update(self, attrs: Sequence[Any], values: Sequence[Any], times: Sequence[int] | int, boot: int,
               prev_poll_ns: int | None, counter32: Collection[Any], events: Counter[str]
               ) -> tuple[int | array[int], Sequence[Any]]:
        """(start time - one for all when they agree -, values to export) for this poll's points.
        ``times``: the poll's time, or each point's own time (device timestamps)."""
        n = len(values)
        each: Sequence[int] = [times] * n if isinstance(times, int) else times
        hashes = array("q", map(hash, attrs))
        if hashes != self.hashes:
            self._align(hashes, values, [min(boot, t) for t in each])
        new = _raws(values)
        old, starts = self.raws, self.starts
        for i in compress(range(n), map(lt, new, old)):
            v = values[i]
            if attrs[i] in counter32 and old[i] < WRAP32 and v >= 0 and isinstance(v, int):
                # 32-bit wrap while the device stayed up
                if self.offsets is None:
                    self.offsets = array("Q", bytes(8 * n))
                self.offsets[i] += WRAP32
                events["32-bit counter wraps"] += 1
            else:
                # reset (cleared counters): a new series starting at the previous poll
                starts[i] = min(prev_poll_ns or each[i], each[i])
                if self.offsets is not None:
                    self.offsets[i] = 0
                events["counter resets"] += 1
        self.raws = new
        out: Sequence[Any] = values
        if self.offsets is not None and any(self.offsets):
            out = [v + o for v, o in zip(values, self.offsets, strict=True)]
        if n and (not isinstance(times, int) or max(starts) > times):
            for i, t in enumerate(each):    # never after the point's own time
                if starts[i] > t:
                    starts[i] = t
        if isinstance(times, int) and n and starts.count(starts[0]) == n:
            return starts[0], out
        return starts, out


class StartTimes:
    """Per device (its key), its boot time and the state of each counter metric it sends."""

    def __init__(self) -> None:
        self.boots: dict[str, int] = {}
        self.devices: dict[str, dict[tuple[str, str], MetricSeries]] = {}
        self.events: Counter[str] = Counter()

    def device_boot(self, device: str, boot_ns: int | None, now_ns: int) -> int:
        """Record the device's boot time; on a reboot forget its series so they restart."""
        if boot_ns is None:
            return self.boots.setdefault(device, now_ns)
        prev = self.boots.get(device)
        if prev is not None and boot_ns > prev + BOOT_JITTER_NS:
            log.info("device %s restarted (uptime went back): counters start again", device)
            self.events["device restarts"] += 1
            self.devices.pop(device, None)
            self.boots[device] = boot_ns
        elif prev is None:
            self.boots[device] = boot_ns
        return self.boots[device]

    def metric(self, device: str, scope: str, name: str) -> MetricSeries:
        """The state of one counter metric of one device (new and empty the first time)."""
        per = self.devices.get(device)
        if per is None:
            per = self.devices[device] = {}
        ms = per.get((scope, name))
        if ms is None:
            ms = per[(scope, name)] = MetricSeries()
        return ms

    def forget(self, device: str) -> None:
        """Drop a device's state (it is no longer polled)."""
        self.boots.pop(device, None)
        self.devices.pop(device, None)
