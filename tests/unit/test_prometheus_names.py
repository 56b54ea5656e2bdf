"""OpenTelemetry -> Prometheus names follow the OTel compatibility rules (the examples are the
spec's and the OTel Collector's normalization table, not this code's output)."""

from __future__ import annotations

import pytest

from netrosetta.service.prometheus import metric_name


@pytest.mark.parametrize(("name", "unit", "instrument", "want"), [
    ("system.filesystem.usage", "By", "updowncounter", "system_filesystem_usage_bytes"),
    ("system.network.dropped", "{packets}", "counter", "system_network_dropped_total"),
    ("system.memory.utilization", "1", "gauge", "system_memory_utilization_ratio"),
    ("netrosetta.flow.datagrams", "1", "counter", "netrosetta_flow_datagrams_total"),  # no _ratio on counters
    ("hw.network.io", "By", "counter", "hw_network_io_bytes_total"),
    ("hw.network.bandwidth.limit", "By/s", "gauge", "hw_network_bandwidth_limit_bytes_per_second"),
    ("netrosetta.transceiver.rx.power", "dB[mW]", "gauge", "netrosetta_transceiver_rx_power_dBmW"),
    ("hw.temperature", "Cel", "gauge", "hw_temperature_celsius"),
    ("(lambda).function.executions(#)", "", "gauge", "lambda_function_executions"),
    ("http.server.duration", "s", "gauge", "http_server_duration_seconds"),
    ("process.runtime.seconds", "s", "gauge", "process_runtime_seconds"),   # unit already the suffix
    ("requests.total", "{request}", "counter", "requests_total"),           # no second _total
])
def test_names(name: str, unit: str, instrument: str, want: str) -> None:
    assert metric_name(name, unit, instrument) == want
