"""Hand-built v9 / IPFIX datagrams for the cases the corpus lacks: reduced-size encoding,
variable-length fields, padding, withdrawal, options sampling, template keying per exporter,
data before its template. Every expected value is the one written into the bytes here."""

from __future__ import annotations

import struct
from pathlib import Path

from netrosetta.collectors.flow.decoder import FlowDecoder
from tests.flow_wire import template


def ipfix(sets: list[bytes], domain: int = 1, export_time: int = 1_700_000_000, seq: int = 0) -> bytes:
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), export_time, seq, domain) + body


def v9(flowsets: list[bytes], uptime: int = 100_000, secs: int = 1_700_000_000, source: int = 0) -> bytes:
    return struct.pack("!HHIIII", 9, len(flowsets), uptime, secs, 0, source) + b"".join(flowsets)


def set_(sid: int, body: bytes, pad_to: int = 1) -> bytes:
    n = 4 + len(body)
    pad = (-n) % pad_to
    return struct.pack("!HH", sid, n + pad) + body + bytes(pad)


def test_ipfix_reduced_size_and_padding() -> None:
    # octetDeltaCount in 3 bytes, packetDeltaCount in 2 (RFC 7011 6.2 reduced-size encoding)
    tpl = set_(2, template(300, [(8, 4), (12, 4), (1, 3), (2, 2), (4, 1)]))
    rec = bytes([10, 0, 0, 1, 10, 0, 0, 2]) + (70000).to_bytes(3, "big") + (513).to_bytes(2, "big") + b"\x11"
    data = set_(300, rec * 2, pad_to=8)  # two records, then zero padding to a multiple of 8
    dec = FlowDecoder()
    rows = list(dec.decode_one(ipfix([tpl, data]), "192.0.2.1", 4739, 0).flows.rows())
    assert [(r["bytes"], r["packets"], r["proto"], r["src_addr"]) for r in rows] == [(70000, 513, 17, "10.0.0.1")] * 2
    assert dec.stats.malformed == 0


def test_ipfix_variable_length_and_enterprise() -> None:
    tpl = set_(2, template(301, [(8, 4), (82, 65535), (1, 4), (100, 65535, 9), (7, 2)]))
    long_name = b"x" * 300
    rec1 = bytes([10, 0, 0, 9]) + b"\x04eth0" + (1234).to_bytes(4, "big") + b"\x02ab" + (53).to_bytes(2, "big")
    rec2 = bytes([10, 0, 0, 8]) + b"\xff" + len(long_name).to_bytes(2, "big") + long_name + \
        (99).to_bytes(4, "big") + b"\x00" + (80).to_bytes(2, "big")
    dec = FlowDecoder()
    rows = list(dec.decode_one(ipfix([tpl, set_(301, rec1 + rec2)]), "192.0.2.1", 4739, 0).flows.rows())
    assert [(r["src_addr"], r["bytes"], r["src_port"]) for r in rows] == [("10.0.0.9", 1234, 53), ("10.0.0.8", 99, 80)]
    assert rows[0]["interfaceName"] == "eth0" and rows[1]["interfaceName"] == "x" * 300
    assert rows[0]["type_9_100"] == "0x6162"  # enterprise 9 element kept raw, skipped safely


def test_ipfix_template_withdrawal_and_redefinition() -> None:
    dec = FlowDecoder()
    dec.decode_one(ipfix([set_(2, template(302, [(8, 4), (1, 4)]))]), "192.0.2.1", 4739, 0)
    assert len(dec.templates) == 1
    dec.decode_one(ipfix([set_(2, struct.pack("!HH", 302, 0))]), "192.0.2.1", 4739, 0)  # withdrawal
    assert len(dec.templates) == 0
    # redefined with another layout within one datagram: data after each follows its own template
    t1 = set_(2, template(303, [(8, 4), (1, 4)]))
    t2 = set_(2, template(303, [(1, 4), (8, 4)]))
    d1 = set_(303, bytes([1, 1, 1, 1]) + (5).to_bytes(4, "big"))
    d2 = set_(303, (6).to_bytes(4, "big") + bytes([2, 2, 2, 2]))
    rows = list(dec.decode_one(ipfix([t1, d1, t2, d2]), "192.0.2.1", 4739, 0).flows.rows())
    assert sorted((r["src_addr"], r["bytes"]) for r in rows) == [("1.1.1.1", 5), ("2.2.2.2", 6)]


def test_templates_are_keyed_by_exporter_port_and_domain() -> None:
    dec = FlowDecoder()
    a = set_(2, template(400, [(8, 4), (1, 4)]))
    b = set_(2, template(400, [(1, 4), (8, 4)]))
    dec.decode_one(ipfix([a]), "192.0.2.1", 1000, 0)
    dec.decode_one(ipfix([b]), "192.0.2.1", 1001, 0)       # same address, other port
    dec.decode_one(ipfix([b], domain=2), "192.0.2.1", 1000, 0)  # same endpoint, other domain
    rec_a = set_(400, bytes([9, 9, 9, 9]) + (7).to_bytes(4, "big"))
    rec_b = set_(400, (7).to_bytes(4, "big") + bytes([9, 9, 9, 9]))
    for data, port, dom in ((rec_a, 1000, 1), (rec_b, 1001, 1), (rec_b, 1000, 2)):
        [r] = list(dec.decode_one(ipfix([data], domain=dom), "192.0.2.1", port, 0).flows.rows())
        assert (r["src_addr"], r["bytes"]) == ("9.9.9.9", 7)


def test_v9_options_sampling_and_sampler_id() -> None:
    # options template: scope System (4 bytes), samplerId(48, 1), samplerMode(49, 1), samplerRandomInterval(50, 4)
    opt_t = struct.pack("!HHH", 260, 4, 12) + struct.pack("!HHHHHHHH", 1, 4, 48, 1, 49, 1, 50, 4)
    opt_t = set_(1, opt_t, pad_to=4)
    opt_d = set_(260, (0).to_bytes(4, "big") + bytes([2, 2]) + (1000).to_bytes(4, "big"), pad_to=4)
    tpl = set_(0, template(261, [(8, 4), (1, 4), (2, 4), (48, 1), (22, 4), (21, 4)]), pad_to=4)
    rec = bytes([10, 1, 1, 1]) + (1500).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes([2]) + \
        (99_000).to_bytes(4, "big") + (99_500).to_bytes(4, "big")
    dec = FlowDecoder()
    # data first, options after: the batch learns the rate and applies it to the whole batch
    [r] = list(dec.decode_one(v9([tpl, set_(261, rec, pad_to=4), opt_t, opt_d]), "192.0.2.5", 2055, 0).flows.rows())
    assert r["sampling_rate"] == 1000 and r["sampler_id"] == 2
    assert (r["bytes"], r["packets"]) == (1500, 3)  # raw counts stay raw; the rate is beside them
    # uptime-relative times: header uptime 100000 ms at unix 1_700_000_000 s
    assert r["time_flow_start_ns"] == (1_700_000_000_000 - 100_000 + 99_000) * 1_000_000
    assert r["time_flow_end_ns"] == (1_700_000_000_000 - 100_000 + 99_500) * 1_000_000


def test_v5_header_sampling() -> None:
    hdr = struct.pack("!HHIIIIBBH", 5, 1, 5000, 1_700_000_000, 0, 42, 0, 0, (1 << 14) | 512)
    rec = struct.pack("!IIIHHIIIIHHBBBBHHBBH", 0x0A000001, 0x0A000002, 0, 1, 2, 10, 1000, 4000, 4500, 1, 2,
                      0, 0x10, 6, 0, 65001, 65002, 24, 16, 0)
    dec = FlowDecoder()
    [r] = list(dec.decode_one(hdr + rec, "192.0.2.9", 2055, 0).flows.rows())
    assert r["sampling_rate"] == 512  # the low 14 bits; the top 2 are the sampling mode
    assert (r["src_as"], r["dst_as"], r["src_net"], r["dst_net"]) == (65001, 65002, 24, 16)
    assert r["time_flow_start_ns"] == (1_700_000_000_000 - 5000 + 4000) * 1_000_000
    assert r["sequence_num"] == 42


def test_data_before_template_across_datagrams_is_held_then_decoded() -> None:
    dec = FlowDecoder()
    data = ipfix([set_(500, bytes([3, 3, 3, 3]) + (11).to_bytes(4, "big"))])
    assert not len(dec.decode_one(data, "192.0.2.1", 4739, 0).flows)
    assert dec.n_held == 1 and dec.stats.template_missing == 0
    res = dec.decode_one(ipfix([set_(2, template(500, [(8, 4), (1, 4)]))]), "192.0.2.1", 4739, 0)
    assert [(r["src_addr"], r["bytes"]) for r in res.flows.rows()] == [("3.3.3.3", 11)]
    assert dec.stats.template_late == 1 and dec.n_held == 0


def sflow(samples: list[tuple[int, bytes]], agent: bytes = bytes([192, 0, 2, 50])) -> bytes:
    body = b"".join(struct.pack("!II", fmt, len(s)) + s for fmt, s in samples)
    return struct.pack("!II4sIIII", 5, 1, agent, 7, 99, 123456, len(samples)) + body


def test_sflow_expanded_flow_and_counter_samples() -> None:
    frame = bytes.fromhex("001122334455" "66778899aabb" "0800") + struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + \
        struct.pack("!HHIIBBHHH", 1234, 80, 0, 0, 0x50, 0x02, 0, 0, 0)
    hdr_rec = struct.pack("!IIII", 1, 1514, 4, len(frame)) + frame + bytes((-len(frame)) % 4)
    switch = struct.pack("!IIII", 100, 0, 200, 0)
    records = struct.pack("!II", 1, len(hdr_rec)) + hdr_rec + struct.pack("!II", 1001, len(switch)) + switch
    # expanded flow sample: seq, source type, source index, rate, pool, drops, in fmt/val, out fmt/val
    efs = struct.pack("!IIIIIIIIIII", 1, 0, 5, 2048, 100000, 3, 0, 17, 0, 18, 2) + records
    generic = struct.pack("!IIQII", 17, 6, 10_000_000_000, 1, 3) + struct.pack("!QIIIIII", 5000, 10, 1, 1, 0, 0, 0) \
        + struct.pack("!QIIIIII", 6000, 20, 2, 2, 0, 0, 1)
    ecs = struct.pack("!IIII", 9, 0, 17, 1) + struct.pack("!II", 1, len(generic)) + generic
    dec = FlowDecoder()
    res = dec.decode_one(sflow([(3, efs), (4, ecs)]), "192.0.2.50", 6343, 0)
    [r] = list(res.flows.rows())
    assert (r["src_addr"], r["dst_addr"], r["src_port"], r["dst_port"], r["tcp_flags"]) == \
        ("10.0.0.1", "10.0.0.2", 1234, 80, 0x02)
    assert (r["in_if"], r["out_if"], r["sampling_rate"], r["bytes"], r["packets"]) == (17, 18, 2048, 1514, 1)
    assert (r["vlan_id"], r["dst_vlan"], r["sample_pool"], r["sampling_drops"]) == (100, 200, 100000, 3)
    assert r["sampler_address"] == "192.0.2.50"
    [c] = res.counters
    assert (c.source_id, c.counters["ifIndex"], c.counters["ifSpeed"], c.counters["ifInOctets"],
            c.counters["ifOutOctets"], c.counters["ifOperStatus"], c.counters["ifPromiscuousMode"]) == \
        (17, 17, 10_000_000_000, 5000, 6000, 1, 1)


def test_floods_are_bounded() -> None:
    dec = FlowDecoder(max_templates=3, max_held_bytes=100)
    for tid in range(256, 262):
        dec.decode_one(ipfix([set_(2, template(tid, [(8, 4), (1, 4)]))]), "192.0.2.1", 4739, 0)
    assert len(dec.templates) == 3 and dec.stats.templates_refused == 3
    for tid in range(600, 610):  # 40-byte data sets for unknown templates: only 2 fit in 100 bytes
        dec.decode_one(ipfix([set_(tid, bytes(36))]), "192.0.2.1", 4739, 0)
    assert dec.n_held == 2 and dec.held_bytes == 72 and dec.stats.template_missing == 8
    dec.expire_held(0, everything=True)
    assert dec.n_held == 0 and dec.held_bytes == 0 and dec.stats.template_missing == 10


def test_workers_adopt_each_others_templates(tmp_path: Path) -> None:
    from netrosetta.collectors.flow.listener import TemplateSharing
    from netrosetta.collectors.flow.templates import TemplateCache

    base = tmp_path / "templates.json"
    a = FlowDecoder(TemplateCache(path=f"{base}.0"))
    b = FlowDecoder(TemplateCache(path=f"{base}.1"))
    share_b = TemplateSharing(base, Path(f"{base}.1"), 1800)
    # the exporter's data lands on worker b (the SO_REUSEPORT hash moved), its template on a
    data = ipfix([set_(700, bytes([4, 4, 4, 4]) + (12).to_bytes(4, "big"))])
    assert not len(b.decode_one(data, "192.0.2.1", 4739, 0).flows) and b.n_held == 1
    a.decode_one(ipfix([set_(2, template(700, [(8, 4), (1, 4)]))]), "192.0.2.1", 4739, 0)
    a.templates.save()
    res = b.adopt(share_b.changed_templates())
    assert [(r["src_addr"], r["bytes"]) for r in res.flows.rows()] == [("4.4.4.4", 12)]
    assert b.n_held == 0 and share_b.changed_templates() == []  # nothing new the second time
