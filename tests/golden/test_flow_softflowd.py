"""softflowd datagrams (python-netflow-v9-softflowd's test data) against that project's decoder.

The `netflow` PyPI package is the other decode here: each record it yields is compared field by
field with ours. Template-only datagrams come first in each sequence, as in its own tests.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from netflow.utils import parse_packet

from netrosetta.collectors.flow.decoder import FlowDecoder
from tests.conftest import need_shared

# their names (v5/v9 and IPFIX) -> our normalized field
THEIR = {
    "IPV4_SRC_ADDR": "src_addr", "IPV4_DST_ADDR": "dst_addr", "IPV6_SRC_ADDR": "src_addr",
    "IPV6_DST_ADDR": "dst_addr", "NEXT_HOP": "next_hop", "INPUT": "in_if", "OUTPUT": "out_if",
    "INPUT_SNMP": "in_if", "OUTPUT_SNMP": "out_if", "IN_PACKETS": "packets", "IN_OCTETS": "bytes",
    "IN_PKTS": "packets", "IN_BYTES": "bytes", "SRC_PORT": "src_port", "DST_PORT": "dst_port",
    "L4_SRC_PORT": "src_port", "L4_DST_PORT": "dst_port", "TCP_FLAGS": "tcp_flags", "PROTO": "proto",
    "PROTOCOL": "proto", "TOS": "ip_tos", "SRC_TOS": "ip_tos", "SRC_AS": "src_as", "DST_AS": "dst_as",
    "SRC_MASK": "src_net", "DST_MASK": "dst_net",
    "sourceIPv4Address": "src_addr", "destinationIPv4Address": "dst_addr", "sourceIPv6Address": "src_addr",
    "destinationIPv6Address": "dst_addr", "octetDeltaCount": "bytes", "packetDeltaCount": "packets",
    "sourceTransportPort": "src_port", "destinationTransportPort": "dst_port",
    "protocolIdentifier": "proto", "ingressInterface": "in_if", "egressInterface": "out_if",
    "ipClassOfService": "ip_tos", "tcpControlBits": "tcp_flags", "flowEndReason": "flow_end_reason",
    "flowDirection": "flow_direction",
}

SEQUENCES = {
    "v5": ["packet_v5.hex"],
    "v9": ["packet_v9_template.hex", "packets_v9.hex"],
    "v9_mixed": ["packet_v9_template_mixed.hex"],
    "ipfix": ["packet_ipfix_template.hex", "packet_ipfix.hex"],
    "ipfix_ether": ["packet_ipfix_template_ether.hex", "packet_ipfix_ether.hex"],
    "ipfix_padding": ["packet_ipfix_padding.hex"],
}


def _norm(their_key: str, v: Any) -> Any:
    if THEIR[their_key] in ("src_addr", "dst_addr", "next_hop"):
        return str(ipaddress.ip_address(v))
    return v


def datagrams(names: list[str]) -> list[bytes]:
    out = []
    for n in names:
        text = need_shared("corpus", "flow", "softflowd-hex", n).read_text()
        out.extend(bytes.fromhex(line.strip()) for line in text.splitlines() if line.strip())
    return out


@pytest.mark.parametrize("seq", sorted(SEQUENCES))
def test_against_netflow_package(seq: str) -> None:
    data = datagrams(SEQUENCES[seq])
    templates: dict[str, dict[Any, Any]] = {"netflow": {}, "ipfix": {}}
    theirs = []
    for d in data:
        for f in parse_packet(d, templates).flows:
            if any(k in f.data for k in ("IPV4_SRC_ADDR", "IPV6_SRC_ADDR", "sourceIPv4Address",
                                         "sourceIPv6Address")):
                theirs.append(f.data)
    dec = FlowDecoder()
    rows = list(FlowDecoder.decode(dec, [(d, "127.0.0.1", 9995, 0) for d in data]).flows.rows())
    assert dec.stats.malformed == 0 and dec.stats.template_missing == 0
    assert len(rows) == len(theirs) > 0
    # records of different templates come out grouped by template, so compare as multisets of
    # records, each reduced to the fields the other decoder produced for it
    their_recs = [{THEIR[k]: _norm(k, v) for k, v in t.items() if k in THEIR} for t in theirs]
    fields = {f for t in their_recs for f in t}
    my_recs = [{f: r[f] for f in fields if f in r} for r in rows]
    assert sorted(map(repr, map(sorted, map(dict.items, my_recs)))) == \
        sorted(map(repr, map(sorted, map(dict.items, their_recs))))
    assert sum(len(t) for t in their_recs) >= 8 * len(rows)


def test_data_before_its_template_is_held_then_counted_missing() -> None:
    # data for template 260 with no template anywhere, then zero fill to 1000 bytes; the netflow
    # package raises V9TemplateNotRecognized; we hold the flowset and count it when it expires
    dec = FlowDecoder(hold_seconds=0)
    for d in datagrams(["packet_v9_with_zeros.hex"]):
        assert not len(dec.decode_one(d).flows)
    assert dec.stats.malformed == 0
    dec.expire_held(0, everything=True)
    assert dec.stats.template_missing >= 1


def test_invalid_datagram_is_counted_not_raised() -> None:
    dec = FlowDecoder()
    for d in datagrams(["packet_invalid.hex"]):
        res = dec.decode_one(d)
        assert not len(res.flows)
    assert dec.stats.unsupported_version + dec.stats.malformed == 1


def test_netflow_v1_is_reported_unsupported() -> None:
    dec = FlowDecoder()
    for d in datagrams(["packet_v1.hex"]):
        assert not len(dec.decode_one(d).flows)
    assert dec.stats.unsupported_version == 1
