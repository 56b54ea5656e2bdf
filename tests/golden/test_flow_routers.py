"""Issue 16: flow records as routers send them, built byte by byte and sent over real UDP to a
running listener.

- one exporter sending a domain's templates and data from two source ports (IOS XR line cards,
  a restarted exporter process): decoded through the address + domain scope, strict RFC 7011
  scoping on request, and never with a layout that cannot fit the data set;
- encapsulated traffic: an SRv6 packet (outer IPv6, segment routing header, inner IPv4/TCP) in an
  ``ipHeaderPacketSection`` beside the SRv6 elements, and IP-in-IP with the inner packet in an
  ``ipPayloadPacketSection``: the inner five-tuple is the flow's, the outer pair is kept apart;
- VRF and interface names from options data (NetFlow v9 and IPFIX), persisted with the
  template cache, preferred over SNMP names.

Expected values are the builders' inputs (tests/flow_wire.py), never decoder output.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoder import DecodeResult, DecodeStats, FlowDecoder
from netrosetta.collectors.flow.enrichment import InterfaceInfo, InterfaceTable, enrich
from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.templates import TemplateCache
from tests.flow_wire import (
    VARLEN,
    flowset,
    free_ports,
    ip,
    ipfix,
    ipfix_options_template,
    ipv4,
    ipv6,
    listening,
    srh,
    tcp,
    template,
    text,
    udp,
    v9,
    v9_options_template,
    varlen,
    wait_until,
)

FIVE = [(8, 4), (12, 4), (4, 1), (7, 2), (11, 2), (1, 4), (2, 4)]  # IPv4 five-tuple, bytes, packets


def five(src: str, dst: str, proto: int, sport: int, dport: int, nbytes: int, pkts: int) -> bytes:
    return ip(src) + ip(dst) + struct.pack("!BHHII", proto, sport, dport, nbytes, pkts)


def rows(got: list[DecodeResult]) -> list[dict[str, Any]]:
    return list(FlowBatch.concat([r.flows for r in got]).rows())


def flows_of(got: list[DecodeResult]) -> int:
    return sum(len(r.flows) for r in got)


# -- 1. one domain, two source ports ------------------------------------------------------------
DATA_A = [("10.0.0.1", "10.9.0.1", 6, 1111, 443, 1500, 3)]
DATA_B = [("10.0.0.2", "10.9.0.2", 17, 2222, 53, 80, 1), ("10.0.0.3", "10.9.0.3", 6, 3333, 22, 640, 8),
          ("10.0.0.4", "10.9.0.4", 17, 4444, 123, 76, 1)]


def _two_ports(cfg: FlowListenerConfig, b_first: bool) -> tuple[list[DecodeResult], DecodeStats, int]:
    """Port B sends only data; port A the template and its own data (B's data first or after)."""
    port_a, port_b = free_ports(2)
    tmpl = ipfix(7, flowset(2, template(256, FIVE)), flowset(256, b"".join(five(*r) for r in DATA_A)))
    data_b = ipfix(7, flowset(256, b"".join(five(*r) for r in DATA_B)), seq=1)
    got: list[DecodeResult] = []
    with listening(got.append, cfg) as (lst, send):
        if b_first:
            send(data_b, port_b)
            wait_until(lambda: lst.stats().datagrams >= 1)
        send(tmpl, port_a)
        if not b_first:
            wait_until(lambda: flows_of(got) >= 1)
            send(data_b, port_b)
        # done: everything decoded, or B's data waiting for a template from its own port
        wait_until(lambda: flows_of(got) >= 4 or (flows_of(got) >= 1 and lst.decoder.n_held >= 1))
        return got, lst.stats(), lst.decoder.n_held


def test_template_from_another_source_port_decodes_by_address_and_domain() -> None:
    got, st, held = _two_ports(FlowListenerConfig(port=0), b_first=False)
    want = {(s, d, p, sp, dp, b, n) for s, d, p, sp, dp, b, n in DATA_A + DATA_B}
    assert {(r["src_addr"], r["dst_addr"], r["proto"], r["src_port"], r["dst_port"], r["bytes"], r["packets"])
            for r in rows(got)} == want
    assert st.template_scope_strict == 1 and st.template_scope_domain == 1 and st.template_missing == 0
    assert held == 0


def test_data_held_for_a_template_arriving_on_another_port() -> None:
    got, st, held = _two_ports(FlowListenerConfig(port=0, hold_seconds=10), b_first=True)
    assert len(rows(got)) == 4
    assert st.template_late == 1 and st.template_scope_domain == 1 and st.template_missing == 0
    assert held == 0


def test_strict_scope_exporter_keeps_rfc_7011_scoping() -> None:
    cfg = FlowListenerConfig(port=0, strict_template_scope=["127.0.0.1"])
    got, st, held = _two_ports(cfg, b_first=False)
    assert [(r["src_addr"], r["bytes"]) for r in rows(got)] == [("10.0.0.1", 1500)]
    # port B's data set waits (hold_seconds, then template_missing) for a template of its own
    assert st.template_scope_domain == 0 and held == 1


def test_layout_that_cannot_fit_is_never_used() -> None:
    # port C reuses template id 256 for 20-byte records: 2 of them (40 bytes) are not whole
    # 21-byte records of port A's layout plus alignment padding, so they are not decoded with it
    port_a, port_c = free_ports(2)
    got: list[DecodeResult] = []
    with listening(got.append, FlowListenerConfig(port=0, hold_seconds=0)) as (lst, send):
        send(ipfix(7, flowset(2, template(256, FIVE)), flowset(256, five(*DATA_A[0]))), port_a)
        wait_until(lambda: flows_of(got) >= 1)
        send(ipfix(7, struct.pack("!HH", 256, 44) + bytes(range(40)), seq=1), port_c)
        wait_until(lambda: lst.stats().template_layout_mismatch >= 1)
        st = lst.stats()
    assert len(rows(got)) == 1 and st.template_layout_mismatch == 1 and st.template_scope_domain == 0


# -- 2. encapsulated traffic -------------------------------------------------------------------
OUTER6 = ("2001:db8:a::1", "2001:db8:b::1")
SEGMENTS = ["2001:db8:c::100", "2001:db8:b::1"]  # SRH order: final segment first
INNER4 = ("10.1.1.1", "10.2.2.2", 40000, 443, 0x12)  # TCP SYN+ACK


def srv6_capture() -> bytes:
    src, dst, sport, dport, flags = INNER4
    packet = ipv6(*OUTER6, 43, srh(4, SEGMENTS, left=1) + ipv4(src, dst, 6, tcp(sport, dport, flags)))
    fields = [(27, 16), (28, 16), (4, 1), (1, 8), (2, 8), (495, 16), (498, 1), (313, VARLEN)]
    record = ip(OUTER6[0]) + ip(OUTER6[1]) + bytes([43]) + struct.pack("!QQ", 9000, 6) + \
        ip("2001:db8:b::1") + bytes([1]) + varlen(packet[:128])
    return ipfix(11, flowset(2, template(300, fields)), flowset(300, record))


IPIP_OUTER = ("192.0.2.1", "192.0.2.2")
IPIP_INNER = ("10.3.3.3", "10.4.4.4", 5353, 53)


def ipip_capture() -> bytes:
    src, dst, sport, dport = IPIP_INNER
    payload = ipv4(src, dst, 17, udp(sport, dport))  # the outer header's payload: 28 bytes
    fields = [(8, 4), (12, 4), (4, 1), (1, 4), (2, 4), (314, 28)]
    record = ip(IPIP_OUTER[0]) + ip(IPIP_OUTER[1]) + bytes([4]) + struct.pack("!II", 560, 4) + payload
    return v9(12, flowset(0, template(301, fields)), flowset(301, record))


def test_srv6_and_ip_in_ip_report_inner_five_tuple_and_outer_pair() -> None:
    got: list[DecodeResult] = []
    with listening(got.append) as (lst, send):
        send(srv6_capture())
        send(ipip_capture())
        wait_until(lambda: flows_of(got) >= 2)
        st = lst.stats()
    by_type = {r["type"]: r for r in rows(got)}
    srv6 = by_type["IPFIX"]
    src, dst, sport, dport, flags = INNER4
    assert (srv6["src_addr"], srv6["dst_addr"], srv6["proto"], srv6["src_port"], srv6["dst_port"]) == \
        (src, dst, 6, sport, dport)
    assert srv6["tcp_flags"] == flags and srv6["etype"] == 0x0800
    assert (srv6["outer_src_addr"], srv6["outer_dst_addr"]) == OUTER6
    assert srv6["srv6_active_segment"] == "2001:db8:b::1" and srv6["srv6_segments_left"] == 1
    assert (srv6["bytes"], srv6["packets"]) == (9000, 6)
    assert "ipHeaderPacketSection" not in srv6
    ipip = by_type["NETFLOW_V9"]
    src, dst, sport, dport = IPIP_INNER
    assert (ipip["src_addr"], ipip["dst_addr"], ipip["proto"], ipip["src_port"], ipip["dst_port"]) == \
        (src, dst, 17, sport, dport)
    assert (ipip["outer_src_addr"], ipip["outer_dst_addr"]) == IPIP_OUTER
    assert st.packet_sections == 2 and st.malformed == 0


def test_frame_section_alone_gives_the_whole_flow_key() -> None:
    # a template with counters and a dataLinkFrameSection only: Ethernet, outer IPv4 carrying GRE,
    # inner IPv4/TCP -- every address, port and MAC comes from the frame
    inner = ipv4("10.7.7.7", "10.8.8.8", 6, tcp(5000, 80, 0x02))
    gre = struct.pack("!HH", 0, 0x0800) + inner
    frame = bytes.fromhex("020000000002") + bytes.fromhex("020000000001") + b"\x08\x00" + \
        ipv4("198.51.100.1", "198.51.100.2", 47, gre)
    fields = [(1, 4), (2, 4), (315, len(frame))]
    dec = FlowDecoder()
    msg = ipfix(3, flowset(2, template(303, fields)), flowset(303, struct.pack("!II", 1500, 1) + frame))
    [row] = dec.decode_one(msg).flows.rows()
    assert (row["src_addr"], row["dst_addr"], row["proto"], row["src_port"], row["dst_port"], row["tcp_flags"]) == \
        ("10.7.7.7", "10.8.8.8", 6, 5000, 80, 0x02)
    assert (row["outer_src_addr"], row["outer_dst_addr"]) == ("198.51.100.1", "198.51.100.2")
    assert (row["src_mac"], row["dst_mac"]) == ("02:00:00:00:00:01", "02:00:00:00:00:02")
    assert (row["bytes"], row["packets"]) == (1500, 1) and dec.stats.packet_sections == 1


def test_section_of_the_same_packet_only_fills_gaps() -> None:
    # no tunnel: the section repeats the record's addresses; it adds the ports the template lacks
    # and changes nothing the record carries
    fields = [(8, 4), (12, 4), (4, 1), (1, 4), (313, 28)]
    packet = ipv4("10.5.5.5", "10.6.6.6", 17, udp(1000, 2000))
    record = ip("10.5.5.5") + ip("10.6.6.6") + bytes([17]) + struct.pack("!I", 99) + packet
    dec = FlowDecoder()
    [row] = dec.decode_one(ipfix(1, flowset(2, template(302, fields)), flowset(302, record))).flows.rows()
    assert (row["src_addr"], row["dst_addr"], row["proto"], row["src_port"], row["dst_port"]) == \
        ("10.5.5.5", "10.6.6.6", 17, 1000, 2000)
    assert "outer_src_addr" not in row and row["bytes"] == 99


# -- 3. names from options data -------------------------------------------------------------
VRFS = {1: "CUST-A", 2: "CUST-B"}
IFACES = {3: ("Gi0/0/0/3", "uplink A"), 5: ("Gi0/0/0/5", "")}


def names_captures() -> tuple[bytes, bytes, bytes]:
    """v9 VRF table (scope: system; 234 + 236), IPFIX interface table (scope 10; 82, 83
    variable-length), and v9 data naming VRFs and interfaces by number."""
    vrf_tmpl = v9_options_template(260, [(1, 4)], [(234, 4), (236, 32)])
    vrf_rows = b"".join(struct.pack("!II", 0, k) + text(v, 32) for k, v in VRFS.items())
    vrf = v9(21, flowset(1, vrf_tmpl), flowset(260, vrf_rows))
    if_tmpl = ipfix_options_template(261, [(10, 4)], [(82, VARLEN), (83, VARLEN)])
    if_rows = b"".join(struct.pack("!I", k) + varlen(n.encode()) + varlen(d.encode()) for k, (n, d) in IFACES.items())
    ifs = ipfix(21, flowset(3, if_tmpl), flowset(261, if_rows))
    fields = [*FIVE, (10, 4), (14, 4), (234, 4), (235, 4)]
    data_rows = five(*DATA_A[0]) + struct.pack("!IIII", 3, 5, 1, 2) + \
        five(*DATA_B[0]) + struct.pack("!IIII", 9, 3, 2, 7)
    data = v9(21, flowset(0, template(262, fields)), flowset(262, data_rows), seq=1)
    return vrf, ifs, data


def test_vrf_and_interface_names_from_options_persisted_and_preferred(tmp_path: Path) -> None:
    cache = tmp_path / "templates.json"
    vrf, ifs, data = names_captures()
    got: list[DecodeResult] = []
    with listening(got.append, FlowListenerConfig(port=0, template_cache_path=cache)) as (lst, send):
        send(vrf)
        send(ifs)
        wait_until(lambda: lst.stats().options_records >= 4)
        send(data)
        wait_until(lambda: flows_of(got) >= 2)
    first, second = sorted(rows(got), key=lambda r: r["src_addr"])
    assert (first["in_vrf_name"], first["out_vrf_name"]) == ("CUST-A", "CUST-B")
    assert (first["in_if_name"], first["in_if_description"]) == IFACES[3]
    assert first["out_if_name"] == "Gi0/0/0/5" and "out_if_description" not in first  # sent empty
    assert first["in_if_name_source"] == first["out_if_name_source"] == "flow_options"
    # VRF 7 and ifIndex 9 were never named: absent, not invented
    assert second["in_vrf_name"] == "CUST-B" and "out_vrf_name" not in second
    assert "in_if_name" not in second and second["out_if_name"] == "Gi0/0/0/3"

    # an SNMP table naming ifIndex 3 differently and 9 too: the exporter's own name stays
    snmp = InterfaceTable()
    snmp.update("127.0.0.1", {3: InterfaceInfo("GigabitEthernet0/0/0/3", 10**9),
                              9: InterfaceInfo("TenGigE0/1/0/9", 10**10)})
    enriched = {r["src_addr"]: r for r in enrich(FlowBatch.concat([r.flows for r in got]), snmp).rows()}
    assert enriched["10.0.0.1"]["in_if_name"] == "Gi0/0/0/3"
    assert enriched["10.0.0.1"]["in_if_name_source"] == "flow_options"
    assert enriched["10.0.0.1"]["in_if_speed"] == 10**9
    assert enriched["10.0.0.2"]["in_if_name"] == "TenGigE0/1/0/9"
    assert enriched["10.0.0.2"]["in_if_name_source"] == "snmp"

    # the names were saved with the templates: a restarted decoder names data-only datagrams
    saved = TemplateCache(path=cache)
    assert saved.names.vrf["127.0.0.1"] == VRFS
    data_only = v9(21, flowset(262, five(*DATA_A[0]) + struct.pack("!IIII", 3, 5, 1, 2)), seq=2)
    [row] = FlowDecoder(saved).decode_one(data_only, "127.0.0.1", 2055).flows.rows()
    assert (row["in_vrf_name"], row["in_if_name"]) == ("CUST-A", "Gi0/0/0/3")
