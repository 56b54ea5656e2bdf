"""The lab's live terminal view: target status and the latest translated points (rich).

Counters are shown as per-second rates (what people read), computed from the previous poll of the
same series; until a second poll arrives, or after a counter went back (reset, wrap, reboot), the
row says so rather than showing a cumulative total. The layout fits the terminal: below 100
columns the less needed columns go and text is cut to the width.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from netrosetta.exporter.table import plain

if TYPE_CHECKING:
    from netrosetta.engine.points import MetricPoints

    from .runtime import Service

MAX_ROWS = 24
WIDE = 100          # from this many columns on, the table shows every column


def _number(value: float) -> str:
    return f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"


class LiveView:
    """Renders the live table; keeps the previous sample of each shown counter series for its rate."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str, tuple[object, ...]], tuple[int, float]] = {}
        self._rates: dict[tuple[str, str, tuple[object, ...]], float | None] = {}   # None: went back
        self._shown: set[tuple[str, str, tuple[object, ...]]] = set()

    def value_cell(self, key: str, mp: MetricPoints, time_ns: int) -> tuple[str, str]:
        """(value, unit) as shown: gauges as read, counters as a rate per second."""
        attrs, value = mp.points[0]
        if mp.instrument != "counter":
            return _number(value), mp.unit
        ts = mp.timestamps[0] if mp.timestamps else time_ns
        series = (key, mp.name, tuple(attrs))
        self._shown.add(series)
        prev = self._last.get(series)
        if prev is None or prev[0] != ts:           # a new sample of this series
            self._last[series] = (ts, float(value))
            if prev is not None:
                dt = (ts - prev[0]) / 1e9
                self._rates[series] = (value - prev[1]) / dt if value >= prev[1] and dt > 0 else None
        if series not in self._rates:
            return "(rate next poll)", mp.unit
        rate = self._rates[series]
        if rate is None:
            return "(counter went back)", mp.unit
        return (f"{rate:,.0f}" if abs(rate) >= 100 else f"{rate:.3g}"), f"{mp.unit}/s"

    def render(self, svc: Service, port: int | None, json_path: Path, width: int = 120) -> Group:
        self._shown = set()
        wide = width >= WIDE
        head = Text(f"netrosetta lab  status http://127.0.0.1:{port}/status   OTLP/JSON {json_path}   "
                    f"{svc.translated_points:,} points translated   Ctrl-C stops", style="bold", overflow="fold")
        cols = ["target", "address", "state", "last poll", "duration", "points", "rulebook", "error"] if wide \
            else ["target", "state", "last poll", "points", "error"]
        tt = Table(*cols, box=None, header_style="bold", width=width)
        now = time.time()
        for st in sorted(svc.status.values(), key=lambda s: s.key):
            color = {"ok": "green", "failed": "red"}.get(st.state, "dim")  # style, not markup
            ago = f"{now - st.last_poll:.0f}s ago" if st.last_poll else "-"
            err = (st.error or "")[:60 if wide else 24]
            if wide:
                tt.add_row(*plain(st.key, st.address), Text(st.state, style=color),
                           *plain(ago, f"{st.duration * 1000:.0f} ms" if st.duration is not None else "-", st.points,
                                  f"{st.rulebook}@{st.rulebook_version}" if st.rulebook else "-", err))
            else:
                tt.add_row(*plain(st.key), Text(st.state, style=color), *plain(ago, st.points, err))
        ot = Table("output", "queued", "exported points", "errors", "dropped", box=None, header_style="bold",
                   width=min(width, 90))
        for d in svc.deliveries:
            ot.add_row(*plain(d.name, d.depth(), f"{d.stats.exported_points:,}", d.stats.export_errors,
                              d.stats.dropped_points))
        mt = Table(box=None, header_style="bold", width=width)
        mcols = [("device", "left"), ("metric", "left"), ("series", "right"), ("first series", "left"),
                 ("value", "right"), ("unit", "left")]
        if not wide:
            mcols = [c for c in mcols if c[0] not in ("series", "first series")]
        for col, just in mcols:
            mt.add_column(col, justify=just, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
        rows = 0
        for st in sorted(svc.status.values(), key=lambda s: s.key):
            t = st.latest
            if t is None:
                continue
            dev = t.resource.get("host.name") or st.key
            per_device = 0
            for scope in t.scopes:
                for mp in scope.metrics.values():
                    # one line per metric: how many series, and the first one (attribute values only)
                    if not mp.points or rows >= MAX_ROWS or per_device >= MAX_ROWS // max(1, len(svc.status)):
                        continue
                    value, unit = self.value_cell(st.key, mp, t.time_ns)
                    if wide:
                        first = " ".join(str(v) for _k, v in mp.points[0][0])[:40]
                        mt.add_row(*plain(dev, mp.name, len(mp.points), first, value, unit))
                    else:
                        mt.add_row(*plain(dev, mp.name, value, unit))
                    rows += 1
                    per_device += 1
        for gone in set(self._last) - self._shown:     # series no longer shown: forget them
            self._last.pop(gone, None)
            self._rates.pop(gone, None)
        return Group(head, tt, ot, mt)


_default = LiveView()


def render(svc: Service, port: int | None, json_path: Path, width: int = 120) -> Group:
    """One shared view (keeps rates between calls); the lab calls this once a second."""
    return _default.render(svc, port, json_path, width)
