"""Export each streamed sample once.

The Dataset is a cache: it still holds every leaf's last value after the target stopped sending
it (a dead target, a sample interval longer than the export interval, an ON_CHANGE leaf that has
not changed). Translating the cache at each export interval would send those values again with
their old device timestamps, as if fresh. :class:`FreshFilter` keeps, per series (scope, metric,
attributes), the device timestamp last exported and lets through only points with a newer one.
"""

from __future__ import annotations

from typing import Any

from netrosetta.engine.points import DeviceTranslation

SeriesKey = tuple[str, str, Any]


class FreshFilter:
    def __init__(self) -> None:
        self._sent: dict[SeriesKey, int] = {}

    def __len__(self) -> int:
        return len(self._sent)

    def take(self, t: DeviceTranslation, new_data: bool) -> int:
        """Drop, in place, the points of ``t`` already exported; returns how many were dropped.

        A point without a device timestamp (0: a notification with no timestamp) cannot be told
        apart from its last export: it goes out only when the target sent anything since the last
        export (``new_data``), stamped with the export time as before.
        """
        sent = self._sent
        dropped = 0
        for scope in t.scopes:
            sid = scope.rulebook_id
            for mp in scope.metrics.values():
                tss = mp.timestamps
                if tss is None:          # not a gNMI column: all or nothing
                    if not new_data:
                        dropped += len(mp.points)
                        mp.points = []
                    continue
                keep_p: list[Any] = []
                keep_t: list[int] = []
                for point, ts in zip(mp.points, tss, strict=True):
                    if ts == 0:
                        fresh = new_data
                    else:
                        key = (sid, mp.name, point[0])
                        fresh = ts > sent.get(key, -1)
                        if fresh:
                            sent[key] = ts
                    if fresh:
                        keep_p.append(point)
                        keep_t.append(ts)
                dropped += len(mp.points) - len(keep_p)
                mp.points, mp.timestamps = keep_p, keep_t
        return dropped
