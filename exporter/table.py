"""A human table of translated data points (rich), for `translate --format table` and the lab."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netrosetta.engine.points import DeviceTranslation


def _fmt(v: float | int) -> str:
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e18:
            return f"{int(v):,}"
        return f"{v:,.4f}".rstrip("0").rstrip(".") if abs(v) >= 0.001 else f"{v:.4g}"
    return f"{v:,}"


def plain(*values: object) -> list[Text]:
    """Table cells shown as they are: device text such as `dB[mW]` or `interface[name=*]` is not
    rich markup (a str cell would be parsed as markup and lose the brackets)."""
    return [Text(str(v)) for v in values]


def translation_table(translations: Iterable[DeviceTranslation], *, limit: int | None = None,
                      title: str | None = None) -> Table:
    table = Table(title=title, header_style="bold", pad_edge=False, box=None)
    for col in ("device", "metric", "attributes", "value", "unit", "rulebook"):
        table.add_column(col, justify="right" if col == "value" else "left",
                         no_wrap=col not in ("attributes",), overflow="fold")
    n = 0
    for t in translations:
        dev = t.resource.get("host.name") or t.resource.get("host.ip") or "-"
        for scope in t.scopes:
            for m in scope.metrics.values():
                for attrs, value in m.points:
                    table.add_row(*plain(dev, m.name, " ".join(f"{k}={v}" for k, v in attrs), _fmt(value),
                                         m.unit, f"{scope.rulebook_id}@{scope.rulebook_version}"))
                    n += 1
                    if limit is not None and n >= limit:
                        return table
    return table


def console() -> Console:
    # piped output keeps whole lines instead of wrapping at 80 columns
    return Console() if sys.stdout.isatty() else Console(width=250)


def print_table(translations: Iterable[DeviceTranslation], con: Console | None = None,
                **kw: object) -> None:
    (con or console()).print(translation_table(translations, **kw))  # type: ignore[arg-type]
