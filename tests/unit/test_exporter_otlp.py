"""OTLP request building: one Resource per device, scope = rulebook, cumulative sums with start times."""

from __future__ import annotations

import json

from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.otlp_json import request_to_json_line
from netrosetta.exporter.start_times import WRAP32, StartTimes

NOW = 1_700_000_000_000_000_000
BOOT = NOW - 3600 * 10**9


RX = (("network.interface.name", "Ethernet1"), ("network.io.direction", "receive"))


def device(name: str, rx: int, now: int = NOW, boot: int | None = BOOT, counter32: bool = False) -> DeviceTranslation:
    io = MetricPoints("hw.network.io", "counter", "By", "octets", [(RX, rx)])
    if counter32:           # read from a Counter32 column (translation marks those series)
        io.counter32 = {RX}
    temp = MetricPoints("hw.temperature", "gauge", "Cel", "temp", [((("hw.id", "1"), ("hw.name", "Inlet")), 41.5)])
    scope = ScopeBatch("arista/eos", "1.2.0", "snmp", {"hw.network.io": io, "hw.temperature": temp})
    return DeviceTranslation({"host.name": name, "host.ip": f"{name}.example", "device.manufacturer": "Arista"},
                             [scope], now, boot)


def test_request_shape() -> None:
    req = build_request([device("r1", 5), device("r2", 7)])
    assert len(req.resource_metrics) == 2
    rm = req.resource_metrics[0]
    attrs = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
    assert attrs == {"host.name": "r1", "host.ip": "r1.example", "device.manufacturer": "Arista"}
    sm = rm.scope_metrics[0]
    assert (sm.scope.name, sm.scope.version) == ("arista/eos", "1.2.0")
    by_name = {m.name: m for m in sm.metrics}
    io = by_name["hw.network.io"]
    assert io.unit == "By" and io.sum.is_monotonic
    assert io.sum.aggregation_temporality == pb.AGGREGATION_TEMPORALITY_CUMULATIVE
    dp = io.sum.data_points[0]
    assert dp.as_int == 5 and dp.time_unix_nano == NOW and dp.start_time_unix_nano == BOOT
    assert {kv.key: kv.value.string_value for kv in dp.attributes} == {
        "network.interface.name": "Ethernet1", "network.io.direction": "receive"}
    g = by_name["hw.temperature"].gauge.data_points[0]
    assert g.as_double == 41.5 and g.start_time_unix_nano == 0


def test_json_line_is_the_protobuf_json_mapping() -> None:
    line = request_to_json_line(build_request([device("r1", 2**40)]))
    assert "\n" not in line
    doc = json.loads(line)
    dp = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]
    assert dp["asInt"] == str(2**40)                        # 64-bit integers as strings
    assert doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["aggregationTemporality"] == 2


def test_start_times_wrap_reset_and_reboot() -> None:
    st = StartTimes()
    t1 = NOW
    req = build_request([device("r1", WRAP32 - 10, t1, counter32=True)], st, {})
    assert req.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0].start_time_unix_nano == BOOT
    prev: dict[str, int] = {"r1|r1.example": t1}
    # a 32-bit counter that went backwards while the device stayed up wrapped: keep counting
    t2 = NOW + 60 * 10**9
    dp = build_request([device("r1", 5, t2, counter32=True)], st, prev).resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0]
    assert dp.as_int == WRAP32 + 5 and dp.start_time_unix_nano == BOOT
    assert st.events["32-bit counter wraps"] == 1
    # the device rebooted (boot time moved later): the series restarts at the new boot time
    t3 = t2 + 60 * 10**9
    new_boot = t3 - 10 * 10**9
    dp = build_request([device("r1", 3, t3, new_boot)], st, prev).resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0]
    assert dp.as_int == 3 and dp.start_time_unix_nano == new_boot
    assert st.events["device restarts"] == 1
    # a 64-bit counter going backwards without a reboot was cleared: new start at the previous poll
    t4 = t3 + 60 * 10**9
    build_request([device("r1", 2**40, t4, new_boot)], st, prev)
    t5 = t4 + 60 * 10**9
    dp = build_request([device("r1", 2**33, t5, new_boot)], st, prev).resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0]
    assert dp.as_int == 2**33 and dp.start_time_unix_nano == t4
    assert st.events["counter resets"] == 1


def _dp(t: DeviceTranslation, st: StartTimes, prev: dict[str, int]) -> pb.NumberDataPoint:
    return build_request([t], st, prev).resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0]


def test_decrease_of_a_counter_not_known_32_bit_is_a_reset_not_a_wrap() -> None:
    """Issue 12 item 6: a cleared Counter64 (or a counter of unknown width) going 1500 -> 3 is a
    new series at 3, not 3 + 2^32 (the width was once guessed from the value)."""
    st, prev = StartTimes(), {}
    _dp(device("r1", 1500, NOW), st, prev)
    t2 = NOW + 60 * 10**9
    dp = _dp(device("r1", 3, t2), st, prev)
    assert (dp.as_int, dp.start_time_unix_nano) == (3, NOW)
    assert st.events["counter resets"] == 1 and st.events["32-bit counter wraps"] == 0


def test_start_time_never_after_the_points_time() -> None:
    """Issue 12 item 8: a source without an uptime (gNMI) whose points carry device timestamps
    older than the poll: the first point's start time is at or before its own time."""
    st, prev = StartTimes(), {}
    io = MetricPoints("hw.network.io", "counter", "By", "octets", [(RX, 10)], timestamps=[NOW - 5 * 10**9])
    mem = MetricPoints("system.memory.usage", "updowncounter", "By", "m", [(RX, 10)], timestamps=[NOW - 7 * 10**9])
    t = DeviceTranslation({"host.name": "g1"}, [ScopeBatch("oc", "1", "gnmi", {io.name: io, mem.name: mem})], NOW, None)
    for m in build_request([t], st, prev).resource_metrics[0].scope_metrics[0].metrics:
        for dp in m.sum.data_points:
            assert 0 < dp.start_time_unix_nano <= dp.time_unix_nano, m.name
