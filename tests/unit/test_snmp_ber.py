"""BER codec: X.690/RFC 3416 encodings, the value types of collectors.snmp.varbind, malformed input."""

from __future__ import annotations

import pytest

from netrosetta.collectors.snmp import ber
from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_END_OF_MIB,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_IPADDRESS,
    TAG_NO_SUCH_INSTANCE,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_TIMETICKS,
)


def response(vbs: list[tuple[bytes, int, bytes]], request_id: int = 7, status: int = 0, index: int = 0,
             community: bytes = b"public") -> bytes:
    """A v2c Response-PDU built from raw (encoded OID, value tag, value bytes)."""
    t = ber._tlv
    body = b"".join(t(0x30, oid + t(tag, val)) for oid, tag, val in vbs)
    pdu = t(ber.PDU_RESPONSE, ber._int(request_id) + ber._int(status) + ber._int(index) + t(0x30, body))
    return t(0x30, ber._int(1) + t(ber.TAG_OCTET_STRING, community) + pdu)


def test_encode_oid_x690_examples() -> None:
    assert ber.encode_oid("1.3.6.1.2.1.1.1.0") == bytes.fromhex("06082b06010201010100")
    # multi-byte sub-identifiers: 2636 (Juniper enterprise) = 0x94 0x4c
    assert ber.encode_oid("1.3.6.1.4.1.2636") == bytes.fromhex("06072b06010401944c")
    # X.690 8.19.5 example: {2 999 3} -> 88 37 03
    assert ber.encode_oid("2.999.3") == bytes.fromhex("0603883703")


@pytest.mark.parametrize("oid", ["1.3.6.1.2.1.1.1.0", "1.3.6.1.4.1.2636.3.1.13.1.8.9.1.0.0",
                                 "2.999.3", "0.0", "1.3.6.1.4.1.9.9.4294967295"])
def test_oid_round_trip(oid: str) -> None:
    enc = ber.encode_oid(oid)
    assert ber.decode_oid(enc[2:]) == oid


@pytest.mark.parametrize("bad", ["", "1", "1.x.3", "3.1", "1.40", "1.3.-6"])
def test_bad_oid_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ber.BerError, match="bad OID"):
        ber.encode_oid(bad)


def test_request_is_well_formed_getbulk() -> None:
    msg = ber.encode_request("2c", b"public", ber.PDU_GETBULK, 300, ["1.3.6.1.2.1.2.2"], 0, 25)
    # SEQUENCE { INTEGER 1, OCTET STRING "public", GetBulk { reqid 300, 0, 25, varbinds } }
    assert msg == bytes.fromhex(
        "3026" "020101" "04067075626c6963"  # version 1 (= v2c), community "public"
        "a519" "0202012c" "020100" "020119"  # GetBulk: request-id 300, non-repeaters 0, max-rep 25
        "300d" "300b" "06072b060102010202" "0500")  # one varbind: the OID with a NULL value
    pdu_type, req_id, non_rep, max_rep, community, vbs = ber.decode_response(msg)
    assert (pdu_type, req_id, non_rep, max_rep, community) == (ber.PDU_GETBULK, 300, 0, 25, b"public")
    assert vbs == [("1.3.6.1.2.1.2.2", 5, None)]


def test_every_value_type_decodes_to_engine_types() -> None:
    oid = ber.encode_oid
    data = response([
        (oid("1.3.6.1.2.1.2.2.1.1.1"), TAG_INTEGER, b"\x01"),
        (oid("1.3.6.1.2.1.2.2.1.7.1"), TAG_INTEGER, b"\xff"),  # -1
        (oid("1.3.6.1.2.1.2.2.1.2.1"), TAG_OCTET_STRING, b"Gi1/0/1"),
        (oid("1.3.6.1.2.1.1.2.0"), TAG_OID, oid("1.3.6.1.4.1.9.1.2494")[2:]),
        (oid("1.3.6.1.2.1.4.20.1.1.10.0.0.1"), TAG_IPADDRESS, bytes([10, 0, 0, 1])),
        # Counter32 4294967295 needs a leading zero in BER; some agents omit it: both read unsigned
        (oid("1.3.6.1.2.1.2.2.1.10.1"), TAG_COUNTER32, b"\x00\xff\xff\xff\xff"),
        (oid("1.3.6.1.2.1.2.2.1.10.2"), TAG_COUNTER32, b"\xff\xff\xff\xff"),
        (oid("1.3.6.1.2.1.2.2.1.5.1"), TAG_GAUGE32, (10**9).to_bytes(4, "big")),
        (oid("1.3.6.1.2.1.1.3.0"), TAG_TIMETICKS, (862114).to_bytes(3, "big")),
        (oid("1.3.6.1.2.1.31.1.1.1.6.1"), TAG_COUNTER64, b"\x00" + (2**64 - 1).to_bytes(8, "big")),
        (oid("1.3.6.1.2.1.1.99.0"), TAG_NO_SUCH_INSTANCE, b""),
        (oid("1.3.6.1.2.1.99"), TAG_END_OF_MIB, b""),
    ])
    pdu_type, req_id, status, index, community, vbs = ber.decode_response(data)
    assert (pdu_type, req_id, status, index, community) == (ber.PDU_RESPONSE, 7, 0, 0, b"public")
    assert [v[2] for v in vbs] == [1, -1, b"Gi1/0/1", "1.3.6.1.4.1.9.1.2494", "10.0.0.1", 2**32 - 1,
                                   2**32 - 1, 10**9, 862114, 2**64 - 1, None, None]
    assert [v[1] for v in vbs] == [2, 2, 4, 6, 64, 65, 65, 66, 67, 70, 129, 130]


def test_long_lengths_and_long_strings() -> None:
    value = b"x" * 300  # two-byte length form
    data = response([(ber.encode_oid("1.3.6.1.2.1.1.1.0"), TAG_OCTET_STRING, value)] * 3)
    assert [v[2] for v in ber.decode_response(data)[5]] == [value] * 3


@pytest.mark.parametrize("cut", [1, 5, 20, -1])
def test_truncated_or_garbage_is_bererror_not_indexerror(cut: int) -> None:
    data = response([(ber.encode_oid("1.3.6.1.2.1.1.1.0"), TAG_OCTET_STRING, b"abc")])
    with pytest.raises(ber.BerError):
        ber.decode_response(data[:cut])


def test_garbage_bytes() -> None:
    for junk in (b"", b"\x00", b"\x30\x82", b"hello world", b"\x30\x03\x02\x01\x01"):
        with pytest.raises(ber.BerError):
            ber.decode_response(junk)
