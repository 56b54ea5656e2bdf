"""Junos rpc-replies from PyEZ's tests (release-specific namespaces, terse and normal styles)
through the Junos NETCONF rulebook; expected values read from the raw XML here, independently."""

from __future__ import annotations

import pytest
from lxml import etree

from netrosetta.collectors.netconf.dataset import parse_reply
from netrosetta.collectors.recording import SourceDataset, engine_facts
from netrosetta.engine.selectors.xpath import XpathDataset
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import rulebooks

pytestmark = pytest.mark.golden


def _translate(file: str, rpc: str) -> dict[tuple[str, str, str], float]:
    path = need_shared("corpus", "netconf", "junos-pyez", file)
    src = SourceDataset("netconf", file, "juniper_junos",
                        documents={rpc: parse_reply(path.read_bytes(), strip=True)})
    t = translate(XpathDataset(src.documents), engine_facts(src), rulebooks())
    return {(m.name, a.get("network.interface.name") or a.get("hw.id", ""), a.get("network.io.direction", "")): v
            for _s, m, a, v in t.iter_points()}


@pytest.mark.parametrize("file", ["personality_mx_get-interface-information.xml",
                                  "personality_ptx_get-interface-information.xml"])
def test_terse_replies_without_counters(file: str) -> None:
    # terse style: no counters, physical interfaces without names: nothing to emit, nothing invented
    got = _translate(file, "get-interface-information")
    assert all(name for _m, name, _d in got)
    assert not [k for k in got if k[0] == "hw.network.io"]


@pytest.mark.parametrize("file", ["get-interface-information.xml"])
def test_interfaces(file: str) -> None:
    got = _translate(file, "get-interface-information")
    raw = etree.parse(str(need_shared("corpus", "netconf", "junos-pyez", file)))
    want: dict[tuple[str, str, str], float] = {}
    for phy in raw.iter("{*}physical-interface"):
        name = (phy.findtext("{*}name") or "").strip()
        if not name:
            continue
        for tag, direction in (("input-bytes", "receive"), ("output-bytes", "transmit")):
            v = phy.findtext(f"{{*}}traffic-statistics/{{*}}{tag}")
            if v is not None:
                want[("hw.network.io", name, direction)] = int(v)
        oper = phy.findtext("{*}oper-status")
        if oper is not None:
            want[("hw.network.up", name, "")] = 1 if oper.strip() == "up" else 0
    assert want, "the capture has physical interfaces"
    assert {k: got.get(k) for k in want} == want


def test_route_engine() -> None:
    got = _translate("personality_mx_get-route-engine-information.xml", "get-route-engine-information")
    raw = etree.parse(str(need_shared("corpus", "netconf", "junos-pyez",
                                      "personality_mx_get-route-engine-information.xml")))
    for re_ in raw.iter("{*}route-engine"):
        slot = (re_.findtext("{*}slot") or "0").strip()   # a lone RE without <slot> is RE 0
        idle = re_.findtext("{*}cpu-idle")
        if idle is not None:
            assert got[("system.cpu.utilization", slot, "")] == pytest.approx((100 - int(idle)) / 100)
