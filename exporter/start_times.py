"""Start times for cumulative counters, and counter discontinuities.

OpenTelemetry cumulative sums need the time the count started. For a device counter that is the
device's boot (sysUpTime going back means a reboot: every series restarts then), or the poll
before a counter went backwards without a reboot (cleared counters). A counter known to be 32 bits
wide (Counter32 by its MIB, counter32 by its YANG type) that goes backwards while the device
stayed up has wrapped: we keep counting past 2^32 instead of pretending the value fell. Any other
counter that goes backwards (64-bit, or of unknown width: NETCONF, APIs, CLI) was reset: a new
series. The width is never guessed from the value: a cleared Counter64 going from 1500 to 3 is 3.
A start time is never after the point's own time.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

WRAP32 = 1 << 32
# a device whose computed boot time moves later by more than this has restarted
BOOT_JITTER_NS = 5_000_000_000


@dataclass
class _Series:
    start_ns: int
    last_raw: int | float
    offset: int = 0


@dataclass
class StartTimes:
    """Per device, per counter series: start time and wrap offset. Keyed by device key."""

    series: dict[Any, _Series] = field(default_factory=dict)
    boots: dict[str, int] = field(default_factory=dict)
    events: Counter[str] = field(default_factory=Counter)

    def device_boot(self, device: str, boot_ns: int | None, now_ns: int) -> int:
        """Record the device's boot time; on a reboot forget its series so they restart."""
        if boot_ns is None:
            return self.boots.setdefault(device, now_ns)
        prev = self.boots.get(device)
        if prev is not None and boot_ns > prev + BOOT_JITTER_NS:
            log.info("device %s restarted (uptime went back): counters start again", device)
            self.events["device restarts"] += 1
            for key in [k for k in self.series if k[0] == device]:
                del self.series[key]
            self.boots[device] = boot_ns
        elif prev is None:
            self.boots[device] = boot_ns
        return self.boots[device]

    def counter(self, key: tuple[Any, ...], raw: int | float, now_ns: int, boot_ns: int,
                prev_poll_ns: int | None, width32: bool = False) -> tuple[int, int | float]:
        """(start time, value to export) for one counter point at time ``now_ns``. key[0] is the
        device key; ``width32`` when the value came from a column known to be a 32-bit counter."""
        s = self.series.get(key)
        if s is None:
            # a point stamped before the boot estimate (gNMI device time vs. our clock): start there
            start = min(boot_ns, now_ns)
            self.series[key] = _Series(start, raw)
            return start, raw
        if raw < s.last_raw:
            if width32 and s.last_raw < WRAP32 and raw >= 0 and isinstance(raw, int):
                # 32-bit wrap while the device stayed up
                s.offset += WRAP32
                self.events["32-bit counter wraps"] += 1
            else:
                # reset (cleared counters): a new series starting at the previous poll
                s.start_ns = min(prev_poll_ns or now_ns, now_ns)
                s.offset = 0
                self.events["counter resets"] += 1
        s.last_raw = raw
        if s.start_ns > now_ns:     # an older device timestamp than the series' start
            s.start_ns = now_ns
        return s.start_ns, raw + s.offset
