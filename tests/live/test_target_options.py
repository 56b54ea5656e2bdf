"""Per-target options in `netrosetta run` against a real agent (snmpsim serving the lab switch):
tags become Resource attributes, an interface filter keeps what it says (include/exclude regexes,
links up only), a pinned rulebook is used instead of matching, an unknown pin is a counted
failure. The expected interfaces come from the walk file, read here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.service.lab import LAB_SNMPREC
from tests.conftest import need_shared
from tests.reliability.harness import GrpcReceiver, ServiceProcess, snmp_target, wait_for, write_yaml

pytestmark = pytest.mark.live

INCLUDE, EXCLUDE = r"^Ethernet[1-6]$", r"^Ethernet2$"


def _walk_interfaces() -> dict[str, int]:
    """ifName -> ifOperStatus, from the walk."""
    rows = dict(line.split("|", 2)[0::2] for line in LAB_SNMPREC.read_text().splitlines() if "|" in line)
    names = {oid.rsplit(".", 1)[1]: v for oid, v in rows.items() if oid.startswith("1.3.6.1.2.1.31.1.1.1.1.")}
    return {name: int(rows[f"1.3.6.1.2.1.2.2.1.8.{i}"]) for i, name in names.items()}


def _by_device(requests: list[Any]) -> dict[str, tuple[dict[str, Any], set[str]]]:
    out: dict[str, tuple[dict[str, Any], set[str]]] = {}
    for req in requests:
        for rm in req.resource_metrics:
            res = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
            ifs = {kv.value.string_value for sm in rm.scope_metrics for m in sm.metrics
                   for dp in getattr(m, m.WhichOneof("data")).data_points for kv in dp.attributes
                   if kv.key == "network.interface.name"}
            seen = out.setdefault(res.get("netrosetta.target", res.get("host.name", "?")), (res, set()))
            seen[1].update(ifs)
    return out


def test_tags_interface_filter_and_pinned_rulebook(tmp_path: Path) -> None:
    backend = GrpcReceiver().start()
    try:
        with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
            cfg = write_yaml(tmp_path / "config.yaml", {
                "defaults": {"interval": 60, "jitter": 0},
                "targets": {"snmp": [
                    snmp_target("tagged", agent.port, resource={"site": "lab-1", "netrosetta.target": "tagged"},
                                interfaces={"include": [INCLUDE], "exclude": [EXCLUDE], "up_only": True}),
                    snmp_target("plain", agent.port, resource={"netrosetta.target": "plain"}),
                    snmp_target("pinned", agent.port, rulebook="arista/eos"),
                    snmp_target("badpin", agent.port, rulebook="nope/none"),
                ]},
                "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}],
                            "from_env": False},
                "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False},
            })
            svc = ServiceProcess(cfg, tmp_path / "service.log").start()
            try:
                wait_for(lambda: all(svc.target(f"snmp/{k}")["state"] != "pending"
                                     for k in ("tagged", "plain", "pinned", "badpin")), 30, "every target polled")
                wait_for(lambda: {"tagged", "plain"} <= set(_by_device(backend.received.requests)), 20,
                         "both tagged devices at the backend")
                pinned, badpin = svc.target("snmp/pinned"), svc.target("snmp/badpin")
            finally:
                svc.stop()
    finally:
        backend.stop()

    devices = _by_device(backend.received.requests)
    walk = _walk_interfaces()
    want = {n for n, oper in walk.items() if re.search(INCLUDE, n) and not re.search(EXCLUDE, n) and oper == 1}
    assert devices["tagged"][0]["site"] == "lab-1"
    assert devices["tagged"][1] == want, (devices["tagged"][1], want)
    assert devices["plain"][1] == set(walk)            # no filter: every interface
    assert "site" not in devices["plain"][0]
    assert pinned["state"] == "ok" and pinned["rulebook"] == "arista/eos" and "pinned" in pinned["match_reason"]
    assert badpin["state"] == "failed" and "nope/none" in badpin["error"]


# IANAifType numbers (IANAifType-MIB) of the types the filters below name
IANA = {"ethernetCsmacd": 6, "softwareLoopback": 24, "tunnel": 131, "other": 1}


def _walk_types(walk: Path) -> dict[str, int]:
    """interface name (ifName, and ifDescr where it differs) -> ifType number, from the walk."""
    rows = dict(line.split("|", 2)[0::2] for line in walk.read_text(errors="replace").splitlines() if "|" in line)
    types = {oid.rsplit(".", 1)[1]: int(v) for oid, v in rows.items() if oid.startswith("1.3.6.1.2.1.2.2.1.3.")}
    out: dict[str, int] = {}
    for col in ("1.3.6.1.2.1.31.1.1.1.1.", "1.3.6.1.2.1.2.2.1.2."):        # ifName, ifDescr
        for oid, name in rows.items():
            if oid.startswith(col) and oid[len(col):] in types:
                out.setdefault(name.strip(), types[oid[len(col):]])
    return out


def test_interface_type_filters(tmp_path: Path) -> None:
    walk = need_shared("corpus", "snmp", "junos_vmx.snmprec")      # many ifTypes: other, lo, tunnels
    keep, drop = ["ethernetCsmacd"], ["softwareLoopback", "tunnel", "other"]
    backend = GrpcReceiver().start()
    try:
        with snmpsim_agent({"lab": walk}) as agent:
            slow = {"timeout": 5, "retries": 2}
            cfg = write_yaml(tmp_path / "config.yaml", {
                "defaults": {"interval": 60, "jitter": 0},
                "targets": {"snmp": [
                    snmp_target("keep", agent.port, resource={"netrosetta.target": "keep"},
                                interfaces={"types": keep}, **slow),
                    snmp_target("drop", agent.port, resource={"netrosetta.target": "drop"},
                                interfaces={"exclude_types": drop}, **slow),
                    snmp_target("all", agent.port, resource={"netrosetta.target": "all"}, **slow),
                ]},
                "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}],
                            "from_env": False},
                "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False},
            })
            svc = ServiceProcess(cfg, tmp_path / "service.log").start()
            try:
                wait_for(lambda: {"keep", "drop", "all"} <= set(_by_device(backend.received.requests)), 60,
                         "the three devices at the backend")
            finally:
                svc.stop()
    finally:
        backend.stop()

    devices = _by_device(backend.received.requests)
    types = _walk_types(walk)
    every = devices["all"][1]
    assert every and every <= set(types), every - set(types)
    want_keep = {n for n in every if types[n] in {IANA[t] for t in keep}}
    want_drop = {n for n in every if types[n] not in {IANA[t] for t in drop}}
    assert devices["keep"][1] == want_keep and want_keep != every
    assert devices["drop"][1] == want_drop and want_drop != every
