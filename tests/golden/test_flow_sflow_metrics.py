"""sFlow counter samples through the mapping engine: the same unified interface metrics as SNMP,
with values equal to Telegraf's decode of the same datagrams."""

from __future__ import annotations

from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.enrichment import InterfaceInfo, InterfaceTable
from netrosetta.collectors.flow.sflow_counters import sample_varbinds, translate_counters
from tests.conftest import need_shared
from tests.golden.test_flow_telegraf import parse_line_protocol


def decode(case: str, name: str):  # type: ignore[no-untyped-def]
    d = need_shared("corpus", "flow", "telegraf", case)
    res = FlowDecoder().decode_one((d / name).read_bytes(), "127.0.0.1", 6343, 0)
    return res, parse_line_protocol(d / "expected.out")


# which interface a point is about, apart from what it counts
_INTERFACE = {"network.interface.name", "netrosetta.interface.type", "netrosetta.interface.description"}
# IANAifType values the corpus' samples carry (IANAifType-MIB)
_IANA_IF_TYPES = {6: "ethernetCsmacd"}


def points(t):  # type: ignore[no-untyped-def]
    return {(m.name, tuple(sorted((k, v) for k, v in a.items() if k not in _INTERFACE))): v
            for _, m, a, v in t.iter_points()}


def test_counter_sample_becomes_if_mib_metrics() -> None:
    res, exp = decode("sflow_v5_example", "sflow_v5.bin")
    e = exp[0][1]
    [t] = translate_counters(res.counters)
    p = points(t)
    assert {a["network.interface.name"] for _, _, a, _ in t.iter_points()} == {e["port_name"]}
    # the generic counters' ifType, by its IANA name, on every point (as SNMP's ifType gives it)
    assert {a.get("netrosetta.interface.type") for _, _, a, _ in t.iter_points()} \
        == {_IANA_IF_TYPES[e["interface_type"]]}
    assert p[("hw.network.io", (("network.io.direction", "receive"),))] == e["in_bytes"]
    assert p[("hw.network.io", (("network.io.direction", "transmit"),))] == e["out_bytes"]
    assert p[("hw.network.packets", (("netrosetta.packet.cast", "unicast"),
                                     ("network.io.direction", "receive")))] == e["in_unicast_packets_total"]
    assert p[("hw.errors", (("hw.type", "network"), ("network.io.direction", "receive")))] == e["in_errors"]
    assert p[("hw.network.bandwidth.limit", ())] == e["speed"] // 8  # bit/s -> By/s
    assert p[("hw.network.up", ())] == (1 if e["status"] == "up" else 0)
    # Telegraf prints 4294967295 for multicast/broadcast: sFlow's "unknown" marker, so no point
    assert e["in_mcast_packets_total"] == 4294967295
    assert not any(k[0] == "hw.network.packets" and ("netrosetta.packet.cast", "multicast") in k[1] for k in p)


def test_counters_without_port_name_use_snmp_names() -> None:
    res, exp = decode("sflow_issue_15918", "message.bin")
    e = next(x for _, x in exp if "speed" in x)
    [t] = translate_counters(res.counters)
    # no name anywhere: the counters are named by the sample's ifIndex (not dropped, not merged)
    assert t.skipped()["missing attribute network.interface.name"] == 0
    assert {a["network.interface.name"] for _s, m, a, _v in t.iter_points() if m.name == "hw.network.io"} \
        == {f"ifIndex {e['interface']}"}
    table = InterfaceTable()
    table.update(e["agent_ip"], {e["interface"]: InterfaceInfo("xe-0/0/1", None)})
    [t] = translate_counters(res.counters, interfaces=table)
    p = points(t)
    assert p[("hw.network.io", (("network.io.direction", "receive"),))] == e["in_bytes"]
    assert p[("hw.network.io", (("network.io.direction", "transmit"),))] == e["out_bytes"]
    vb = dict((o, v) for o, _, v in sample_varbinds(res.counters[0]))
    assert vb[f"1.3.6.1.2.1.10.7.2.1.3.{e['interface']}"] == e["errors_fcs"]  # dot3StatsFCSErrors
