"""The lab's live terminal view: target status and the latest translated points (rich)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from netrosetta.exporter.table import plain

if TYPE_CHECKING:
    from .runtime import Service

MAX_ROWS = 24


def render(svc: Service, port: int | None, json_path: Path) -> Group:
    head = Text.from_markup(
        f"[bold]netrosetta lab[/]  status http://127.0.0.1:{port}/status   OTLP/JSON {json_path}   "
        f"{svc.translated_points:,} points translated   Ctrl-C stops")
    tt = Table("target", "address", "state", "last poll", "duration", "points", "rulebook", "error",
               box=None, header_style="bold")
    now = time.time()
    for st in sorted(svc.status.values(), key=lambda s: s.key):
        color = {"ok": "green", "failed": "red"}.get(st.state, "dim")  # style, not markup
        tt.add_row(*plain(st.key, st.address), Text(st.state, style=color),
                   *plain(f"{now - st.last_poll:.0f}s ago" if st.last_poll else "-",
                          f"{st.duration * 1000:.0f} ms" if st.duration is not None else "-", st.points,
                          f"{st.rulebook}@{st.rulebook_version}" if st.rulebook else "-", (st.error or "")[:60]))
    ot = Table("output", "queued", "exported points", "errors", "dropped", box=None, header_style="bold")
    for d in svc.deliveries:
        ot.add_row(*plain(d.name, d.depth(), f"{d.stats.exported_points:,}", d.stats.export_errors,
                          d.stats.dropped_points))
    mt = Table(box=None, header_style="bold")
    for col, just in (("device", "left"), ("metric", "left"), ("series", "right"), ("first series", "left"),
                      ("value", "right"), ("unit", "left")):
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
                attrs, value = mp.points[0]
                mt.add_row(*plain(dev, mp.name, len(mp.points), " ".join(str(v) for _k, v in attrs)[:40],
                                  f"{value:,.6g}" if isinstance(value, float) else f"{value:,}", mp.unit))
                rows += 1
                per_device += 1
    return Group(head, tt, ot, mt)
