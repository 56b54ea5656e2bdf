"""A vendor extension metric over real SNMP: the FTD fleet walk served by snmpsim on 127.0.0.1,
polled by the service's SNMP source with the shipped rulebooks, encoded as OTLP. The point's value
is the walk file's cfwConnectionStatValue.40.6 (read with read_snmprec, not the code under test);
its unit, description and instrument are those cisco/asa declares."""

from __future__ import annotations

import pytest

from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.collectors.source import Polled
from netrosetta.exporter.otlp import build_request
from tests.conftest import need_shared
from tests.support.snmp_poll import poll_walk_once

pytestmark = pytest.mark.live

CONNECTIONS = "1.3.6.1.4.1.9.9.147.1.2.2.2.1.5.40.6"   # cfwConnectionStatValue protoIp.currentInUse


async def test_extension_metric_polled_and_exported() -> None:
    walk = need_shared("corpus", "snmp-fleet", "ftd_4115.snmprec")
    want = next(v for oid, _t, v in read_snmprec(walk).varbinds if oid == CONNECTIONS)
    polled = await poll_walk_once(walk, "ftd")
    assert isinstance(polled, Polled)
    assert polled.translation.matched is not None and polled.translation.matched.chosen is not None
    assert polled.translation.matched.chosen.id == "cisco/asa"
    req = build_request([polled.translation])
    metrics = [m for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
               if m.name == "vendor.cisco.firewall.connections"]
    assert len(metrics) == 1
    m = metrics[0]
    assert m.unit == "{connection}" and m.description.startswith("Connections through the firewall now")
    assert m.WhichOneof("data") == "gauge"
    assert [p.as_int for p in m.gauge.data_points] == [want] == [26960]
