"""OTEL_EXPORTER_OTLP_* handling: the signal's own variable first, then the general one; what
the code or config gives wins over both; bad values are clear errors that do not echo secrets."""

from __future__ import annotations

import pytest

from netrosetta.errors import NetrosettaError
from netrosetta.exporter.otlp_env import grpc_settings, http_settings, http_url, parse_headers, sibling_url


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    for k in list(os.environ):
        if k.startswith("OTEL_EXPORTER_OTLP_"):
            monkeypatch.delenv(k)


def test_grpc_scheme_decides_tls_then_insecure_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    assert grpc_settings("http://collector:4317").insecure is True
    assert grpc_settings("https://collector:4317").insecure is False
    assert grpc_settings("https://collector:4317", insecure=True).insecure is False
    assert grpc_settings("collector:4317").insecure is False            # bare host:port: TLS by default
    assert grpc_settings("collector:4317", insecure=True).insecure is True
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
    s = grpc_settings("collector:4317")
    assert (s.endpoint, s.insecure) == ("collector:4317", True)
    assert grpc_settings("http://collector:4317").endpoint == "collector:4317"


def test_signal_variables_win_over_general_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=lab,Authorization=Bearer%20abc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2.5")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    m = grpc_settings()
    assert (m.endpoint, m.timeout, m.compression) == ("general:4317", 2.5, "gzip")
    assert m.headers == {"x-tenant": "lab", "authorization": "Bearer abc"}
    lg = grpc_settings(signal="logs")
    assert (lg.endpoint, lg.timeout) == ("logs:4317", 10.0)
    assert grpc_settings(headers={"a": "b"}, timeout=1).headers == {"a": "b"}


def test_http_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    assert http_url(None, "metrics") == "http://localhost:4318/v1/metrics"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/")
    assert http_url(None, "logs") == "https://collector:4318/v1/logs"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://m.example/custom")
    assert http_url(None, "metrics") == "https://m.example/custom"      # the signal's own: used as is
    assert http_settings().insecure is False
    assert sibling_url("http://c:4318/v1/metrics", "logs") == "http://c:4318/v1/logs"
    assert sibling_url("http://c:4318/v1/logs", "metrics") == "http://c:4318/v1/metrics"


def test_bad_values_are_clear_errors_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NetrosettaError, match="key=value") as exc:
        parse_headers("authorization Bearer s3cret")
    assert "s3cret" not in str(exc.value)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")
    with pytest.raises(NetrosettaError, match="TIMEOUT"):
        grpc_settings("c:4317")
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TIMEOUT")
    with pytest.raises(NetrosettaError, match="gzip or none"):
        grpc_settings("c:4317", compression="brotli")
