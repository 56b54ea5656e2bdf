"""OTLP/gRPC export over mutual TLS with a secret header, to a real gRPC receiver; a wrong CA fails
closed (export errors counted, batches kept on disk, nothing sent in clear)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.gnmi.lab.certs import make_pki
from netrosetta.collectors.snmp.lab import snmpsim_agent
from tests.reliability.harness import (
    LAB_SNMPREC,
    GrpcReceiver,
    ServiceProcess,
    snmp_target,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.live
TOKEN = "Bearer tls-Tok-9d1"


def _cfg(tmp: Path, port: int, backend: GrpcReceiver, ca: Path, pki) -> Path:  # type: ignore[no-untyped-def]
    return write_yaml(tmp / "config.yaml", {
        "defaults": {"interval": 1.5},
        "targets": {"snmp": [snmp_target("sw1", port)]},
        "outputs": {"otlp_grpc": [{"endpoint": f"localhost:{backend.port}", "headers": {"authorization": "env:TOK"},
                                   "tls": {"ca_file": str(ca), "cert_file": str(pki.client_cert),
                                           "key_file": str(pki.client_key)}, "timeout": 2}],
                    "from_env": False},
        "delivery": {"spill_dir": str(tmp / "spill"), "retry_initial": 0.2, "retry_max": 1},
        "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False},
    })


def test_mutual_tls_and_headers(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    backend = GrpcReceiver(tls=(pki.server_cert, pki.server_key, pki.ca)).start()
    with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
        svc = ServiceProcess(_cfg(tmp_path, agent.port, backend, pki.ca, pki), tmp_path / "service.log",
                             env={"TOK": TOKEN}).start()
        try:
            wait_for(lambda: len(backend.received.points()) >= 142, 30, "data over mutual TLS")
            assert backend.metadata[0].get("authorization") == TOKEN
        finally:
            svc.stop()
            backend.stop()
    assert TOKEN not in (tmp_path / "service.log").read_text()


def test_untrusted_server_fails_closed(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    backend = GrpcReceiver(tls=(pki.server_cert, pki.server_key, None)).start()
    with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
        svc = ServiceProcess(_cfg(tmp_path, agent.port, backend, pki.other_ca, pki), tmp_path / "service.log",
                             env={"TOK": TOKEN}).start()
        try:
            out = wait_for(lambda: (o := svc.status()["outputs"][0])["export_errors"] >= 2 and o["spill_bytes"] > 0
                           and o, 40, "export errors with an untrusted server")
            assert out["exported_points"] == 0 and out["dropped_points"] == 0
            assert not backend.received.requests
        finally:
            svc.stop()
            backend.stop()
