"""The hand-rolled wire encoding (metrics and logs) must equal what the protobuf library builds from the same data."""

from __future__ import annotations

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import SEVERITY_NUMBER_INFO
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb

from netrosetta import __version__
from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.exporter.otlp import encode_request

NOW, BOOT = 1_700_000_000_123_456_789, 1_699_990_000_000_000_000


def _kv(k: str, v: object) -> KeyValue:
    if isinstance(v, bool):
        return KeyValue(key=k, value=AnyValue(bool_value=v))
    if isinstance(v, int):
        return KeyValue(key=k, value=AnyValue(int_value=v))
    if isinstance(v, float):
        return KeyValue(key=k, value=AnyValue(double_value=v))
    return KeyValue(key=k, value=AnyValue(string_value=str(v)))


def reference(t: DeviceTranslation) -> ExportMetricsServiceRequest:
    """Built with the protobuf message API only."""
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend([_kv(k, v) for k, v in sorted(t.resource.items())])
    for sc in t.scopes:
        sm = rm.scope_metrics.add()
        sm.scope.CopyFrom(InstrumentationScope(name=sc.rulebook_id, version=sc.rulebook_version,
                                               attributes=[_kv("netrosetta.source", sc.source),
                                                           _kv("netrosetta.version", __version__)]))
        for mp in sc.metrics.values():
            m = sm.metrics.add(name=mp.name, description=mp.description, unit=mp.unit)
            if mp.instrument == "gauge":
                dps = m.gauge.data_points
            else:
                m.sum.aggregation_temporality = pb.AGGREGATION_TEMPORALITY_CUMULATIVE
                m.sum.is_monotonic = mp.instrument == "counter"
                dps = m.sum.data_points
            for attrs, value in mp.points:
                dp = dps.add(time_unix_nano=NOW)
                dp.attributes.extend([_kv(k, v) for k, v in attrs])
                if mp.instrument != "gauge":
                    dp.start_time_unix_nano = BOOT
                if isinstance(value, int) and -(1 << 63) <= value < (1 << 63):
                    dp.as_int = value
                else:
                    dp.as_double = float(value)
    return req


def test_wire_equals_protobuf_library() -> None:
    name_attr = ("network.interface.name", "TenGigE0/0/0/1.100 — ünïcode")
    metrics = {
        "hw.network.io": MetricPoints("hw.network.io", "counter", "By", "octets", [
            ((name_attr, ("network.io.direction", "receive")), 18_446_744_073_709_551_615),   # max Counter64
            ((name_attr, ("network.io.direction", "transmit")), 0),
        ]),
        "hw.temperature": MetricPoints("hw.temperature", "gauge", "Cel", "temperature", [
            ((("hw.id", "1"), ("hw.name", "x" * 300)), -12.5), ((("hw.id", "2"), ("hw.name", "y")), 40)]),
        "system.memory.usage": MetricPoints("system.memory.usage", "updowncounter", "By", "memory", [
            ((("hw.id", "1"), ("system.memory.state", "used")), 2**40)]),
    }
    t = DeviceTranslation({"host.name": "r1", "os.description": "d" * 200}, [ScopeBatch("v/f", "1.2.3", "snmp", metrics)],
                          NOW, BOOT)
    got = ExportMetricsServiceRequest.FromString(encode_request([t]))
    assert got == reference(t)


def _any(v: object) -> AnyValue:
    if isinstance(v, list):
        return AnyValue(array_value=ArrayValue(values=[_any(x) for x in v]))
    return _kv("", v).value


def test_flow_logs_wire_equals_protobuf_library() -> None:
    """Raw flows as log records: the hand-encoded request equals one built with the message API
    from the same rows (NetFlow v5 records; list values in test_array_attribute_values)."""
    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.otlp_logs import encode_flow_logs, otel_attributes
    from netrosetta.service.lab.netflow_v5 import synthetic_datagrams

    dec = FlowDecoder()
    batch = dec.decode_one(synthetic_datagrams(1, flows=25)[0], "192.0.2.7", 2055, NOW).flows
    rows = list(batch.rows())
    assert len(rows) == 25
    resource = {"service.name": "netrosetta-flow", "host.name": "collector-1"}
    got = ExportLogsServiceRequest.FromString(encode_flow_logs(batch, resource))

    ref = ExportLogsServiceRequest()
    rl = ref.resource_logs.add()
    rl.resource.attributes.extend([_kv(k, v) for k, v in sorted(resource.items())])
    sl = rl.scope_logs.add()
    sl.scope.CopyFrom(InstrumentationScope(name="netrosetta.flow", version=__version__))
    for row in rows:
        lr = sl.log_records.add(severity_number=SEVERITY_NUMBER_INFO, severity_text="INFO",
                                body=AnyValue(string_value="flow"), event_name="network.flow")
        lr.time_unix_nano = int(row.get("time_flow_end_ns") or row["time_received_ns"])
        lr.observed_time_unix_nano = int(row["time_received_ns"])
        lr.attributes.extend([KeyValue(key=k, value=_any(v)) for k, v in otel_attributes(row).items()])
    assert got == ref
    assert len(got.resource_logs[0].scope_logs[0].log_records) == 25


def test_array_attribute_values() -> None:
    from netrosetta.exporter.otlp_wire import any_value

    for v in ([], [16, 17, 2**40], ["a", 1.5, True]):
        assert AnyValue.FromString(any_value(v)) == _any(v)


def test_log_attribute_cache_tells_equal_values_of_other_types_apart() -> None:
    """True == 1 == 1.0 in Python; their encodings differ (bool, int, double)."""
    from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

    from netrosetta.exporter.otlp_wire import LogAttrs

    enc = LogAttrs()
    for attrs in ({"a": 1, "b": True, "c": 1.0}, {"a": True, "b": 1.0, "c": 1}, {"a": 1.0, "b": 1, "c": True}):
        got = LogRecord.FromString(enc.encode(attrs))
        assert got == LogRecord(attributes=[KeyValue(key=k, value=_any(v)) for k, v in attrs.items()])
