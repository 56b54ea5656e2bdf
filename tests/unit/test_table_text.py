"""Device-provided text in the terminal tables is shown as it is, never read as rich markup."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.exporter.table import print_table


def test_brackets_survive_the_table() -> None:
    mp = MetricPoints("netrosetta.transceiver.rx.power", "gauge", "dB[mW]", "rx power")
    mp.points.append(((("network.interface.name", "Ethernet1/1[bold]"),), -2.5))
    scope = ScopeBatch("acme/os", "1.0.0", "snmp")
    scope.metrics[mp.name] = mp
    t = DeviceTranslation({"host.name": "sw[red]1"}, [scope], 0, 0)
    out = StringIO()
    print_table([t], Console(file=out, width=250))
    text = out.getvalue()
    assert "dB[mW]" in text and "Ethernet1/1[bold]" in text and "sw[red]1" in text
