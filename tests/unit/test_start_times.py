"""Counter state kept per device and metric as parallel arrays: a series keeps its start time and
wrap offset when interfaces come, go or change order between polls."""

from __future__ import annotations

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.start_times import WRAP32, StartTimes

NOW = 1_700_000_000_000_000_000
BOOT = NOW - 3600 * 10**9
MIN = 60 * 10**9


def _if(name: str) -> tuple[tuple[str, str], ...]:
    return (("network.interface.name", name), ("network.io.direction", "receive"))


def _poll(points: list[tuple[str, int]], now: int, c32: set[str] = frozenset()) -> DeviceTranslation:  # type: ignore[assignment]
    io = MetricPoints("hw.network.io", "counter", "By", "octets", [(_if(n), v) for n, v in points])
    io.counter32 = {_if(n) for n in c32}
    return DeviceTranslation({"host.name": "r1"}, [ScopeBatch("rb", "1", "snmp", {io.name: io})], now, BOOT)


def _points(t: DeviceTranslation, st: StartTimes, prev: dict[str, int]) -> dict[str, tuple[int, int]]:
    """interface -> (value, start time) as exported."""
    m = build_request([t], st, prev).resource_metrics[0].scope_metrics[0].metrics[0]
    return {dp.attributes[0].value.string_value: (dp.as_int, dp.start_time_unix_nano) for dp in m.sum.data_points}


def test_series_keep_their_state_across_reorder_additions_and_removals() -> None:
    st, prev = StartTimes(), {}
    _points(_poll([("e1", WRAP32 - 5), ("e2", 100), ("e3", 10)], NOW, {"e1"}), st, prev)
    # e1 wraps (32-bit), e2 is cleared (64-bit reset), e3 moves on
    got = _points(_poll([("e1", 4), ("e2", 7), ("e3", 20)], NOW + MIN, {"e1"}), st, prev)
    assert got == {"e1": (WRAP32 + 4, BOOT), "e2": (7, NOW), "e3": (20, BOOT)}
    # another order, e3 gone, e4 new: each keeps its own offset and start, e4 starts at boot
    got = _points(_poll([("e4", 1), ("e2", 9), ("e1", 6)], NOW + 2 * MIN, {"e1"}), st, prev)
    assert got == {"e4": (1, BOOT), "e2": (9, NOW), "e1": (WRAP32 + 6, BOOT)}
    # e3 comes back: a new series (its old state was dropped with it), its value not a decrease
    got = _points(_poll([("e3", 2), ("e1", 8)], NOW + 3 * MIN, {"e1"}), st, prev)
    assert got == {"e3": (2, BOOT), "e1": (WRAP32 + 8, BOOT)}
    assert st.events == {"32-bit counter wraps": 1, "counter resets": 1}


def test_values_past_int64_and_floats_are_kept_exactly() -> None:
    st, prev = StartTimes(), {}
    big = (1 << 64) - 10
    _points(_poll([("e1", big)], NOW), st, prev)
    m = build_request([_poll([("e1", big - 1)], NOW + MIN)], st, prev).resource_metrics[0].scope_metrics[0].metrics[0]
    dp = m.sum.data_points[0]
    assert dp.as_double == float(big - 1) and dp.start_time_unix_nano == NOW   # a decrease: reset
    io = MetricPoints("hw.network.io", "counter", "By", "octets", [(_if("e1"), 2.5)])
    t = DeviceTranslation({"host.name": "r1"}, [ScopeBatch("rb", "1", "snmp", {io.name: io})], NOW + 2 * MIN, BOOT)
    dp = build_request([t], st, prev).resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0]
    assert dp.as_double == 2.5 and dp.start_time_unix_nano == NOW + MIN


def test_a_reboot_forgets_only_that_devices_series() -> None:
    st, prev = StartTimes(), {}
    _points(_poll([("e1", 50)], NOW), st, prev)
    other = _poll([("e1", 50)], NOW)
    other.resource = {"host.name": "r2"}
    build_request([other], st, prev)
    assert set(st.devices) == {"r1|", "r2|"}
    rebooted = _poll([("e1", 3)], NOW + MIN)
    rebooted.boot_time_ns = NOW + MIN - 10**9
    assert _points(rebooted, st, prev) == {"e1": (3, NOW + MIN - 10**9)}
    assert st.events["device restarts"] == 1 and st.events["counter resets"] == 0
    assert "r2|" in st.devices
