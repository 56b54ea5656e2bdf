"""The garbage collector's own cost in this process: collections per generation and the time they
took, from ``gc.callbacks`` (issue 13: GC time must not grow with the number of devices). Shown on
/status.json and in self-telemetry; bench.scale reads its rate per minute from there."""

from __future__ import annotations

import gc
import time
from typing import Any


class GcStats:
    __slots__ = ("_t0", "collected", "collections", "seconds", "uncollectable")

    def __init__(self) -> None:
        self.collections = [0, 0, 0]        # per generation
        self.seconds = [0.0, 0.0, 0.0]      # time spent collecting, per generation
        self.collected = 0
        self.uncollectable = 0
        self._t0 = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
            return
        g = info.get("generation", 0)
        self.collections[g] += 1
        self.seconds[g] += time.perf_counter() - self._t0
        self.collected += info.get("collected", 0)
        self.uncollectable += info.get("uncollectable", 0)

    def as_json(self) -> dict[str, Any]:
        return {"collections": list(self.collections), "seconds": [round(s, 6) for s in self.seconds],
                "collected": self.collected, "uncollectable": self.uncollectable}


STATS = GcStats()

# young objects allocated between gen-0 collections (CPython's default, 700, makes a poll of a switch
# - thousands of varbind tuples - run several collections, and every tenth of tenth a full one over
# the whole heap, which grows with the devices)
GEN0_THRESHOLD = 10_000


def watch() -> GcStats:
    """Start counting (once per process)."""
    if STATS not in gc.callbacks:
        gc.callbacks.append(STATS)
    return STATS


def tune() -> None:
    """For a long-running service: fewer young collections, and what start-up loaded for good (the
    compiled MIB index: ~300,000 objects, never replaced) moved out of every later full collection.
    Called before the rulebooks load, so a reload's old set is still collected."""
    from netrosetta.engine.mib_index import MibIndex

    _, g1, g2 = gc.get_threshold()
    gc.set_threshold(max(GEN0_THRESHOLD, gc.get_threshold()[0]), g1, g2)
    MibIndex.default()
    gc.collect()
    gc.freeze()
