"""Issue 12 items 5 and 6 through the service's SNMP source, against a real UDP agent
(tests/support/snmp_responder.py) that sends what snmpsim cannot: a 400-digit INTEGER and
Counter64, a Counter64 cleared between polls, a Counter32 that wraps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_INTEGER,
)
from netrosetta.service.config import load_config
from netrosetta.service.runtime import Service, all_targets
from netrosetta.service.sources import make_source
from tests.reliability.harness import snmp_target, write_yaml
from tests.support.kept import Kept
from tests.support.snmp_responder import Raw, Responder, num, oid_value, text

pytestmark = pytest.mark.live

IF, IFX = "1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31.1.1.1"
HUGE = 10**400 - 1          # a 400-digit value: 167 content bytes


def huge(tag: int) -> Raw:
    return tag, HUGE.to_bytes((HUGE.bit_length() + 8) // 8, "big")


def table() -> dict[str, Raw]:
    """Two interfaces: Et1 has 64-bit counters, Et2 only 32-bit ones (ifHCInOctets absent)."""
    t: dict[str, Raw] = {
        "1.3.6.1.2.1.1.1.0": text("Test OS 1.0"),
        "1.3.6.1.2.1.1.2.0": oid_value("1.3.6.1.4.1.99999.1.1"),
        "1.3.6.1.2.1.1.5.0": text("absurd1"),
    }
    for i, name in ((1, "Et1"), (2, "Et2")):
        t |= {f"{IF}.1.{i}": num(TAG_INTEGER, i), f"{IF}.2.{i}": text(name),
              f"{IF}.4.{i}": num(TAG_INTEGER, 1500), f"{IF}.5.{i}": num(TAG_GAUGE32, 10**9),
              f"{IF}.7.{i}": num(TAG_INTEGER, 1), f"{IF}.8.{i}": num(TAG_INTEGER, 1),
              f"{IF}.10.{i}": num(TAG_COUNTER32, 1000 * i), f"{IF}.16.{i}": num(TAG_COUNTER32, 2000 * i),
              f"{IF}.14.{i}": num(TAG_COUNTER32, 7 * i), f"{IFX}.1.{i}": text(name)}
    t |= {f"{IFX}.6.1": num(TAG_COUNTER64, 1500), f"{IFX}.10.1": num(TAG_COUNTER64, 9000)}
    return t


def service(tmp_path: Path, port: int, **svc_kw: Any) -> tuple[Service, Any, list[ExportMetricsServiceRequest]]:
    cfg_path = write_yaml(tmp_path / "config.yaml", {
        "defaults": {"interval": 60}, "self_telemetry": {"enabled": False},
        "targets": {"snmp": [snmp_target("absurd1", port)]}})
    cfg = load_config(cfg_path)
    got: list[ExportMetricsServiceRequest] = []
    svc = Service(cfg, config_path=cfg_path, sinks=[], record=Kept(got), **svc_kw)  # every batch, in order
    [(key, (kind, spec))] = all_targets(cfg).items()
    src = make_source(kind, key, spec)
    svc.sources[key] = src
    from netrosetta.service.status import TargetStatus
    svc.status[key] = TargetStatus(key, kind, src.address, 60)
    return svc, src, got


def points(req: ExportMetricsServiceRequest) -> dict[tuple[str, str, str], Any]:
    """(metric, interface, direction or '') -> data point."""
    out: dict[tuple[str, str, str], Any] = {}
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind is None:
                    continue
                for dp in getattr(m, kind).data_points:
                    a = {kv.key: kv.value.string_value for kv in dp.attributes}
                    out[(m.name, a.get("network.interface.name", ""), a.get("network.io.direction", ""))] = dp
    return out


def value(dp: Any) -> int | float:
    return dp.as_int if dp.WhichOneof("value") == "as_int" else dp.as_double


async def test_a_400_digit_value_is_one_counted_skip_not_a_lost_poll(tmp_path: Path) -> None:
    t = table()
    t[f"{IFX}.6.1"] = huge(TAG_COUNTER64)       # Et1 ifHCInOctets
    t[f"{IF}.4.2"] = huge(TAG_INTEGER)           # Et2 ifMtu
    with Responder(t) as agent:
        svc, src, got = service(tmp_path, agent.port)
        svc.poller.keep_latest = True               # the whole poll, for its skip counts below
        await svc.poll_once(src, 10)
        await src.close()
    st = svc.status[src.key]
    assert st.state == "ok" and len(got) == 1, st.error
    pts = points(got[0])
    # the rest of the poll arrived
    assert value(pts[("hw.network.io", "Et1", "transmit")]) == 9000
    assert value(pts[("hw.network.io", "Et2", "receive")]) == 2000
    assert value(pts[("netrosetta.interface.mtu", "Et1", "")]) == 1500
    assert ("hw.network.io", "Et1", "receive") not in pts and ("netrosetta.interface.mtu", "Et2", "") not in pts
    # ... and the two absurd values are counted skips, visible on the status and in explain's stats
    assert st.invalid_values == 2 and st.warning is not None and "value out of range" in st.warning
    assert st.as_json()["invalid_values"] == 2
    assert st.latest is not None and st.latest.skipped()["value out of range"] == 2
    tel = {(a.get("netrosetta.target"), m.name): v for _s, m, a, v in svc.self_translation().iter_points()}
    assert tel[(src.key, "netrosetta.values.invalid")] == 2


async def test_cleared_counter64_is_a_new_series_and_counter32_still_wraps(tmp_path: Path) -> None:
    t = table()
    t[f"{IF}.10.2"] = num(TAG_COUNTER32, 4294967000)     # Et2 ifInOctets (no ifHCInOctets row)
    with Responder(t) as agent:
        svc, src, got = service(tmp_path, agent.port)
        await svc.poll_once(src, 10)
        agent.set(f"{IFX}.6.1", num(TAG_COUNTER64, 3))    # Et1 ifHCInOctets cleared: 1500 -> 3
        agent.set(f"{IF}.10.2", num(TAG_COUNTER32, 100))  # Et2 ifInOctets wrapped past 2^32
        await svc.poll_once(src, 10)
        await src.close()
    assert len(got) == 2
    first, second = points(got[0]), points(got[1])
    et1_a, et1_b = first[("hw.network.io", "Et1", "receive")], second[("hw.network.io", "Et1", "receive")]
    assert (value(et1_a), value(et1_b)) == (1500, 3)
    assert et1_b.start_time_unix_nano > et1_a.start_time_unix_nano       # a new series
    assert et1_b.start_time_unix_nano <= et1_b.time_unix_nano
    et2_a, et2_b = first[("hw.network.io", "Et2", "receive")], second[("hw.network.io", "Et2", "receive")]
    assert (value(et2_a), value(et2_b)) == (4294967000, (1 << 32) + 100)   # keeps counting
    assert et2_b.start_time_unix_nano == et2_a.start_time_unix_nano
    for pts in (first, second):
        for dp in pts.values():
            assert dp.start_time_unix_nano <= dp.time_unix_nano
