"""USM key localisation against the RFC 3414 appendix A.3 vectors, and message round trips."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from netrosetta.collectors.snmp import ber, usm
from netrosetta.collectors.snmp.credentials import SnmpV3Credentials

ENGINE = bytes.fromhex("000000000000000000000002")


@pytest.mark.parametrize(("hash_name", "ku", "kul"), [
    # RFC 3414 A.3.1 (MD5) and A.3.2 (SHA), password "maplesyrup"
    ("md5", "9faf3283884e92834ebc9847d8edd963", "526f5eed9fcce26f8964c2930787d82b"),
    ("sha1", "9fb5cc0381497b3793528939ff788d5d79145211", "6695febc9288e36282235fc7151f128497b38f3f"),
])
def test_rfc3414_key_localisation(hash_name: str, ku: str, kul: str) -> None:
    master = usm.password_to_key(hash_name, b"maplesyrup")
    assert master.hex() == ku
    assert usm.localize(hash_name, master, ENGINE).hex() == kul


def creds(auth: str = "SHA256", priv: str | None = "AES") -> SnmpV3Credentials:
    return SnmpV3Credentials(user="nr", auth_protocol=auth, auth_key=SecretStr("auth-passphrase"),  # type: ignore[arg-type]
                             priv_protocol=priv, priv_key=SecretStr("priv-passphrase") if priv else None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("auth", "priv"), [("SHA256", "AES"), ("SHA512", "AES256"), ("MD5", None),
                                            ("SHA384", "AES192")])
def test_message_round_trip(auth: str, priv: str | None) -> None:
    keys = usm.Keys.for_engine(creds(auth, priv), ENGINE)
    pdu = ber.encode_pdu(ber.PDU_GET, 42, ["1.3.6.1.2.1.1.3.0"])
    msg = usm.encode_message(42, keys, ENGINE, 7, 1234, b"nr", ENGINE, b"", pdu, bytes(range(8)))
    assert pdu not in msg or priv is None  # encrypted when privacy is on
    inc = usm.parse_header(msg)
    assert (inc.msg_id, inc.engine_id, inc.boots, inc.etime, inc.user) == (42, ENGINE, 7, 1234, b"nr")
    assert usm.open_message(msg, inc, keys) == (ber.PDU_GET, 42, 0, 0, [("1.3.6.1.2.1.1.3.0", 5, None)])
    # one flipped bit anywhere after the header must fail authentication
    tampered = msg[:-3] + bytes([msg[-3] ^ 1]) + msg[-2:]
    with pytest.raises(usm.UsmError, match="authentication"):
        usm.open_message(tampered, usm.parse_header(tampered), keys)
    # the other user's keys cannot read it
    other = usm.Keys.for_engine(creds(auth, priv), ENGINE[:-1] + b"\x03")
    with pytest.raises(usm.UsmError):
        usm.open_message(msg, inc, other)


def test_native_support_matrix() -> None:
    assert usm.native_supported(creds("SHA256", "AES"))
    assert usm.native_supported(creds("SHA256", "AES256"))  # 32-byte SHA-256 key: no extension
    assert usm.native_supported(creds("SHA", None))
    assert not usm.native_supported(creds("SHA", "AES256"))
    assert not usm.native_supported(creds("SHA512", "DES"))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 63, 64, 1500])
def test_aes_cfb_matches_library_cfb(size: int) -> None:
    # an independent CFB-128 (cryptography's mode object) must agree both ways
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    key, salt, data = bytes(range(16)), bytes(range(8, 16)), bytes((i * 7) % 256 for i in range(size))
    iv = (5).to_bytes(4, "big") + (99).to_bytes(4, "big") + salt
    enc = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    want = enc.update(data) + enc.finalize()
    assert usm._aes_cfb(key, 5, 99, salt, data, encrypt=True) == want
    assert usm._aes_cfb(key, 5, 99, salt, want, encrypt=False) == data


def test_a_short_salt_is_refused_and_does_not_garble_later_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen while writing the snmp-usm fuzz target: a correctly signed response whose
    privParameters are 7 bytes left a partial block in the cached AES context, and every later
    response of that agent failed to decrypt. Now it is refused alone."""
    keys = usm.Keys.for_engine(creds(), ENGINE)
    pdu = ber.encode_pdu(ber.PDU_RESPONSE, 9, ["1.3.6.1.2.1.1.3.0"])
    good = usm.encode_message(9, keys, ENGINE, 7, 1234, b"nr", ENGINE, b"", pdu, bytes(range(8)))
    with monkeypatch.context() as m:    # an agent's message: signed, with a 7-byte salt
        m.setattr(usm, "_aes_cfb", lambda key, boots, etime, salt, data, encrypt: data)
        bad = usm.encode_message(10, keys, ENGINE, 7, 1234, b"nr", ENGINE, b"", pdu, bytes(range(7)))
    with pytest.raises(usm.UsmError):
        usm.open_message(bad, usm.parse_header(bad), keys)
    assert usm.open_message(good, usm.parse_header(good), keys)[1] == 9
