"""Fuzzing the SNMP decoders: v1/v2c responses (ber), SNMPv3 USM messages (usm: header, MAC,
decryption, PDU) and the snmprec walk parser `translate --walk` reads.

Seeds: the real walks in ../shared/corpus/snmp and snmp-fleet - line slices for the walk parser,
their varbinds encoded as Response messages (tests/support/snmp_responder.py) for the BER and
USM targets - plus a few inputs built here so a clone without ../shared still fuzzes.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netrosetta.collectors.snmp import ber, usm
from netrosetta.collectors.snmp.credentials import SnmpV3Credentials
from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_TIMETICKS,
    iter_snmprec,
)
from tests.conftest import SHARED, need_shared
from tests.fuzz import harness
from tests.support.snmp_responder import encode_response, encode_response_pdu

BUILT = [
    ("1.3.6.1.2.1.1.1.0", TAG_OCTET_STRING, b"Test OS 1.0"),
    ("1.3.6.1.2.1.1.2.0", TAG_OID, "1.3.6.1.4.1.99999.1.1"),
    ("1.3.6.1.2.1.1.3.0", TAG_TIMETICKS, 360000),
    ("1.3.6.1.2.1.2.2.1.10.1", TAG_COUNTER32, 4_294_967_295),
    ("1.3.6.1.2.1.2.2.1.4.1", TAG_INTEGER, -1),
    ("1.3.6.1.2.1.31.1.1.1.6.1", TAG_COUNTER64, (1 << 64) - 1),
    ("1.3.6.1.4.1.9.9.109.1.1.1.1.8.4294967295", TAG_OCTET_STRING, bytes(range(256))),
]
WALK_TEXT = "\n".join(["1.3.6.1.2.1.1.1.0|4|Test OS 1.0", "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1.1",
                       "1.3.6.1.2.1.1.3.0|67|360000", "1.3.6.1.2.1.2.2.1.6.1|4x|0011223344ff",
                       "1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615", "1.3.6.1.2.1.2.2.1.4.1|2|-1",
                       "# comment", "1.3.6.1.2.1.2.2.1.10.1|65:numeric|1"])
CREDS = SnmpV3Credentials.model_validate({"user": "fuzz", "auth_protocol": "SHA256", "auth_key": "literal:auth-key-123",
                                          "priv_protocol": "AES", "priv_key": "literal:priv-key-123"})
ENGINE = bytes.fromhex("80001f8880e9630000d61ff449")
KEYS = usm.Keys.for_engine(CREDS, ENGINE)
NO_AUTH = usm.Keys(None, 0, b"", b"")


def _shared_walks(folder: str) -> list[Path]:
    """Real walks when ../shared is here (required in CI); none otherwise."""
    if not SHARED.exists() and os.environ.get("CI", "").lower() != "true":
        return []
    return sorted(need_shared("corpus", folder).glob("*.snmprec"))


def _walk_files() -> list[Path]:
    return _shared_walks("snmp") + _shared_walks("snmp-fleet")


def _chunks(vbs: list[Any], size: int, limit: int) -> Iterator[list[Any]]:
    """Up to `limit` chunks spread over the walk (the system group, tables, vendor subtrees)."""
    if not vbs:
        return
    step = max(size, len(vbs) // limit)
    for at in range(0, len(vbs), step):
        yield vbs[at:at + size]


def _varbind_chunks() -> list[list[Any]]:
    out = [BUILT]
    for path in _walk_files():
        text = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        out.extend(_chunks(list(iter_snmprec(text, str(path), [])), 12, 4))
    return out


def ber_seeds() -> list[bytes]:
    return [encode_response(b"public", n, chunk) for n, chunk in enumerate(_varbind_chunks())]


def _sign(msg: bytes, keys: usm.Keys) -> bytes:
    """The message with its MAC computed as an agent holding the keys would (fuzzing past the MAC)."""
    inc = usm.parse_header(msg)
    if not keys.hash_name or inc.mac_end - inc.mac_start != keys.mac_len:
        return msg
    zeroed = msg[:inc.mac_start] + bytes(keys.mac_len) + msg[inc.mac_end:]
    mac = hmac.new(keys.auth, zeroed, keys.hash_name).digest()[:keys.mac_len]
    return msg[:inc.mac_start] + mac + msg[inc.mac_end:]


def usm_seeds() -> list[bytes]:
    out: list[bytes] = []
    for n, chunk in enumerate(_varbind_chunks()[:120]):
        pdu = encode_response_pdu(n, chunk)
        keys = (KEYS, NO_AUTH, usm.Keys(KEYS.hash_name, KEYS.mac_len, KEYS.auth, b""))[n % 3]
        out.append(usm.encode_message(n, keys, ENGINE, 7, 1000 + n, b"fuzz", ENGINE, b"", pdu,
                                      n.to_bytes(8, "big"), reportable=False))
    return out


def walk_seeds() -> list[bytes]:
    out = [WALK_TEXT.encode()]
    for path in _walk_files():
        lines = path.read_bytes().splitlines(keepends=True)
        for chunk in _chunks(lines, 40, 3):
            out.append(b"".join(chunk))
    return out


def decode_v2c(data: bytes) -> None:
    _t, _r, _s, _i, _c, vbs = ber.decode_response(data)
    SnmpDataset(vbs)        # what the collector does next with what the decoder returned


_GOOD = usm.encode_message(1, KEYS, ENGINE, 7, 1000, b"fuzz", ENGINE, b"", encode_response_pdu(1, BUILT),
                           bytes(8), reportable=False)


def open_v3(data: bytes) -> None:
    try:
        inc = usm.parse_header(data)
        for keys in (KEYS, NO_AUTH):
            for msg in (data, _sign(data, keys)):
                try:
                    _t, _r, _s, _i, vbs = usm.open_message(msg, inc, keys)
                except usm.UsmError:
                    continue
                SnmpDataset(vbs)
    finally:
        # no input may leave state behind (the cached AES context) that breaks a good message
        try:
            usm.open_message(_GOOD, usm.parse_header(_GOOD), KEYS)
        except usm.UsmError as exc:
            raise AssertionError(f"a well-formed message no longer opens: {exc}") from None


def parse_walk(data: bytes) -> None:
    skipped: list[tuple[int, str]] = []
    vbs = list(iter_snmprec(data.decode("utf-8", "surrogateescape").splitlines(), "<fuzz>", skipped))
    SnmpDataset(vbs)


def test_fuzz_ber_responses() -> None:
    rep = harness.fuzz("snmp-ber", decode_v2c, ber_seeds(), allowed=(ber.BerError,))
    harness.assert_clean(rep)


def test_fuzz_usm_messages() -> None:
    rep = harness.fuzz("snmp-usm", open_v3, usm_seeds(), allowed=(ber.BerError, usm.UsmError))
    harness.assert_clean(rep)


def test_fuzz_snmprec_walks() -> None:
    rep = harness.fuzz("snmp-snmprec", parse_walk, walk_seeds())
    harness.assert_clean(rep)


# -- notifications: `netrosetta traps` takes datagrams from anyone on the network -------------------
TRAP_COMMUNITY = b"fuzz-community"
TRAP_HEAD = [("1.3.6.1.2.1.1.3.0", TAG_TIMETICKS, 4242), ("1.3.6.1.6.3.1.1.4.1.0", TAG_OID, "1.3.6.1.6.3.1.1.5.3")]


def _as(pdu: bytes, tag: int) -> bytes:
    return bytes((tag,)) + pdu[1:]


def trap_seeds() -> list[bytes]:
    t, i = ber._tlv, ber._int
    out: list[bytes] = []
    for n, chunk in enumerate(_varbind_chunks()[:60]):
        pdu = encode_response_pdu(n, TRAP_HEAD + chunk)
        kind = (0xA7, 0xA6)[n % 2]
        out.append(t(0x30, i(1) + t(4, TRAP_COMMUNITY) + _as(pdu, kind)))
        keys = (KEYS, NO_AUTH)[n % 2]
        engine = ENGINE if kind == 0xA6 else bytes.fromhex("80001f8880aabbccdd")
        out.append(usm.encode_message(n, keys, engine, 1, 0, b"fuzz", engine, b"", _as(pdu, kind),
                                      n.to_bytes(8, "big"), reportable=kind == 0xA6))
        # v1: enterprise, agent-addr, generic, specific, time-stamp, then the varbinds
        v1_vbs = encode_response_pdu(n, chunk)
        _, s, _e = ber._header(v1_vbs, 0)
        for _ in range(3):
            _, _s2, s = ber._header(v1_vbs, s)
        body = (ber.encode_oid("1.3.6.1.4.1.9.9.41.2") + t(0x40, bytes((192, 0, 2, n % 256))) + i(n % 8) + i(n)
                + t(0x43, n.to_bytes(4, "big")) + v1_vbs[s:])
        out.append(t(0x30, i(0) + t(4, TRAP_COMMUNITY) + t(0xA4, body)))
    out.append(usm.encode_message(1, NO_AUTH, b"", 0, 0, b"", b"", b"", ber.encode_pdu(ber.PDU_GET, 1, []),
                                  b"", reportable=True))       # an engine discovery probe
    return out


def test_fuzz_trap_receiver() -> None:
    from netrosetta.collectors.snmp.traps import TrapReceiver, log_record
    from netrosetta.engine.mib_index import MibIndex

    mib = MibIndex.default()
    rx = TrapReceiver(lambda note: log_record(note, mib), communities=[TRAP_COMMUNITY.decode()],
                      users=[CREDS], engine_id=ENGINE)

    def receive(data: bytes) -> None:
        # datagram_received must take anything: refusals are counted inside, nothing may escape
        rx.datagram_received(data, ("192.0.2.1", 50000))
        try:
            signed = _sign(data, KEYS)       # past the MAC, to reach decryption and the PDU
        except (ber.BerError, IndexError):
            return                           # not a v3 message: the line above was the whole test
        rx.datagram_received(signed, ("192.0.2.1", 50000))

    rep = harness.fuzz("snmp-trap", receive, trap_seeds())
    harness.assert_clean(rep)
    assert rx.stats.accepted > 0, "the seeds were notifications the receiver takes"
