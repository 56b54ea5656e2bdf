"""Metrics and logs requests as the delivery queue and the spill see them."""

from __future__ import annotations

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.requests import batch_label, count_items, from_spill, signal_of, to_spill
from tests.unit.test_exporter_otlp import device


def _logs() -> ExportLogsServiceRequest:
    req = ExportLogsServiceRequest()
    rl = req.resource_logs.add()
    rl.resource.attributes.add(key="service.name").value.string_value = "netrosetta flow"
    sl = rl.scope_logs.add()
    sl.log_records.add(time_unix_nano=0, observed_time_unix_nano=1_700_000_000_000_000_007)
    sl.log_records.add(time_unix_nano=1_700_000_000_000_000_009)
    return req


def test_spill_bytes_round_trip_and_metrics_files_stay_plain_protobuf() -> None:
    metrics, logs = build_request([device("r1", 5)]), _logs()
    assert to_spill(metrics) == metrics.SerializeToString()      # files of earlier versions read the same
    assert from_spill(to_spill(metrics)) == metrics and isinstance(from_spill(to_spill(metrics)),
                                                                    ExportMetricsServiceRequest)
    assert from_spill(to_spill(logs)) == logs and isinstance(from_spill(to_spill(logs)), ExportLogsServiceRequest)
    assert from_spill(to_spill(ExportLogsServiceRequest())) == ExportLogsServiceRequest()


def test_counts_labels_and_signals() -> None:
    metrics, logs = build_request([device("r1", 5)]), _logs()
    assert (signal_of(metrics), signal_of(logs)) == ("metrics", "logs")
    assert count_items(logs) == 2 and count_items(metrics) == sum(
        len(getattr(m, m.WhichOneof("data")).data_points) for rm in metrics.resource_metrics
        for sm in rm.scope_metrics for m in sm.metrics)
    # a record without its own time is labelled by when it was observed; spaces never reach a label
    assert batch_label(logs) == "netrosetta_flow@1700000000000000007"
    assert batch_label(metrics).startswith("r1@")
    assert batch_label(ExportLogsServiceRequest()) == "?@0"
