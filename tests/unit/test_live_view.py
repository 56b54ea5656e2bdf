"""The lab's live table: counters as rates per second from two polls, and a layout that fits 80
columns (issue 15 item 6)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.service.live import LiveView
from netrosetta.service.status import TargetStatus

IF = (("network.interface.name", "GigabitEthernet1/0/1"), ("network.io.direction", "receive"))


def _poll(time_ns: int, octets: int, temp: float) -> DeviceTranslation:
    scope = ScopeBatch(rulebook_id="cisco/ios-xe", rulebook_version="1.0.0", source="snmp", metrics={
        "hw.network.io": MetricPoints("hw.network.io", "counter", "By", "", [(IF, octets)]),
        "hw.temperature": MetricPoints("hw.temperature", "gauge", "Cel", "", [((("hw.id", "1"),), temp)]),
    })
    return DeviceTranslation(resource={"host.name": "edge-switch-with-a-long-name-01"}, scopes=[scope],
                             time_ns=time_ns)


def _show(view: LiveView, st: TargetStatus, width: int) -> list[str]:
    svc = SimpleNamespace(status={st.key: st}, deliveries=[], translated_points=0)
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    console.print(view.render(svc, 8080, Path("var/lab/metrics.jsonl"), width))  # type: ignore[arg-type]
    return console.export_text().splitlines()


def _row(lines: list[str], metric: str) -> str:
    return next(line for line in lines if metric in line)


def test_counters_read_as_rates_and_gauges_as_values() -> None:
    st = TargetStatus(key="snmp/edge1", kind="snmp", address="192.0.2.1:161", interval=30.0)
    view = LiveView()
    st.latest = _poll(1_000_000_000_000, 5_000_000, 41.5)
    first = _show(view, st, 120)
    assert "(rate next poll)" in _row(first, "hw.network.io")
    assert "41.5" in _row(first, "hw.temperature") and "Cel" in _row(first, "hw.temperature")
    # 30 s later 3,000,000 more octets: 100,000 By/s
    st.latest = _poll(1_030_000_000_000, 8_000_000, 42.0)
    second = _show(view, st, 120)
    assert "100,000" in _row(second, "hw.network.io") and "By/s" in _row(second, "hw.network.io")
    again = _show(view, st, 120)                     # the same poll shown again keeps its rate
    assert "100,000" in _row(again, "hw.network.io")
    st.latest = _poll(1_060_000_000_000, 1_000, 42.0)  # a reset: no negative rate
    assert "(counter went back)" in _row(_show(view, st, 120), "hw.network.io")


def test_fits_eighty_columns() -> None:
    st = TargetStatus(key="snmp/edge1", kind="snmp", address="192.0.2.1:161", interval=30.0,
                      error="timeout after 3 retries while walking IF-MIB::ifXTable on a slow agent far away")
    view = LiveView()
    st.latest = _poll(1_000_000_000_000, 5_000_000, 41.5)
    _show(view, st, 80)
    st.latest = _poll(1_030_000_000_000, 8_000_000, 42.0)
    lines = _show(view, st, 80)
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "By/s" in _row(lines, "hw.network.io")
    assert "first series" not in "\n".join(lines)      # the wide-only column went
    wide = _show(LiveView(), st, 140)
    assert "first series" in "\n".join(wide) and "192.0.2.1:161" in "\n".join(wide)
