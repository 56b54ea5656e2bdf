"""Real Cisco IOS XR NetFlow v9 / IPFIX captures against pmacct's decode (output-flow-*.json).

pmacct aggregates records sharing its primitives, so the comparison is per 5-tuple: packet and
byte sums, plus the interfaces, ToS, TCP flags, MPLS label stack and times pmacct printed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.sampling import SamplingTable
from netrosetta.collectors.flow.sources import datagrams_from_file
from tests.conftest import need_shared

PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "vrrp": 112, "ospf": 89, "pim": 103, "gre": 47}
TCP_FLAG = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "ACK": 16, "URG": 32, "ECE": 64, "CWR": 128}

Key = tuple[str, str, int, int, int]


def ours(test: str, sampling: SamplingTable | None = None) -> dict[Key, list[dict[str, Any]]]:
    pcap = need_shared("corpus", "flow", "pmacct", test, "traffic-00.pcap")
    dec = FlowDecoder(sampling=sampling)
    res = dec.decode(datagrams_from_file(pcap))
    assert dec.stats.malformed == 0 and dec.stats.template_missing == 0
    groups: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for r in res.flows.rows():
        groups[(r["src_addr"], r["dst_addr"], r.get("src_port", 0), r.get("dst_port", 0), r["proto"])].append(r)
    return groups


def theirs(test: str, n: int = 0) -> list[dict[str, Any]]:
    path = need_shared("corpus", "flow", "pmacct", test, f"output-flow-{n:02d}.json")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def key(j: dict[str, Any]) -> Key:
    return (j["ip_src"], j["ip_dst"], j["port_src"], j["port_dst"], PROTO.get(j["ip_proto"], j["ip_proto"]))


def scaled(rows: list[dict[str, Any]], col: str) -> int:
    return sum(r[col] * r.get("sampling_rate", 1) for r in rows)


def check(test: str, n: int = 0, sampling: SamplingTable | None = None) -> int:
    mine = ours(test, sampling)
    agg: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for j in theirs(test, n):
        agg[key(j)].append(j)
    assert set(agg) == set(mine)
    fields = 0
    for k, js in agg.items():
        rows = mine[k]
        assert scaled(rows, "packets") == sum(j["packets"] for j in js), k
        assert scaled(rows, "bytes") == sum(j["bytes"] for j in js), k
        for j in js:
            assert j["iface_in"] in {r["in_if"] for r in rows}
            assert j["iface_out"] in {r["out_if"] for r in rows}
            assert j["tos"] in {r["ip_tos"] for r in rows}
            flags = sum(TCP_FLAG[f] for f in j["tcp_flags"])
            assert flags in {r["tcp_flags"] for r in rows}
            labels = [int(x.split("-")[1]) for x in j["mpls_label_stack"]]
            assert labels in [r.get("mpls_labels", []) for r in rows]
            fields += 6
            if "timestamp_start" in j:
                # pmacct prints whole seconds (v9: rounded up from the uptime arithmetic)
                t = float(j["timestamp_start"])
                assert any(abs(r["time_flow_start_ns"] / 1e9 - t) < 1.0 for r in rows)
                t = float(j["timestamp_end"])
                assert any(abs(r["time_flow_end_ns"] / 1e9 - t) < 1.0 for r in rows)
                fields += 2
    return fields


def test_ipfix_ios_xr() -> None:
    assert check("100-IPFIXv10-CISCO") >= 12 * 8


def test_netflow_v9_ios_xr_mpls() -> None:
    assert check("101-NFv9-CISCO-cust_primitives") >= 50 * 8


def test_netflow_v9_unsampled_run() -> None:
    assert check("102-NFv9-CISCO-f2rd-pretag-sampling-reload", 0) >= 10 * 6


def test_netflow_v9_configured_override_rate() -> None:
    # pmacct's second run, after its sampling map was reloaded, scales every flow by a configured
    # 1-in-1000; our per-exporter override reproduces it (the exporter reports no rate itself)
    table = SamplingTable(overrides={"10.10.0.33": 1000})
    assert check("102-NFv9-CISCO-f2rd-pretag-sampling-reload", 1, table) >= 10 * 6


def test_ipfix_sampling_from_options_record() -> None:
    # the rate is only in an options record (selectorId 1, samplingSize 1 of population 256);
    # pmacct's counts are the raw counts times 256
    mine = ours("104-IPFIXv10-IPv6-CISCO-sampling_option")
    assert {r["sampling_rate"] for rows in mine.values() for r in rows} == {256}
    assert check("104-IPFIXv10-IPv6-CISCO-sampling_option") >= 3 * 6


@pytest.mark.parametrize("default", [None, 7])
def test_default_rate_does_not_override_reported(default: int | None) -> None:
    mine = ours("104-IPFIXv10-IPv6-CISCO-sampling_option", SamplingTable(default_rate=default))
    assert {r["sampling_rate"] for rows in mine.values() for r in rows} == {256}
