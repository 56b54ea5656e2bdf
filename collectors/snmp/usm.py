"""SNMPv3 messages with the User-based Security Model: HMAC auth and AES-CFB128 privacy.

RFC 3412 (message format), RFC 3414 (USM, key localisation), RFC 7860 (HMAC-SHA-2),
RFC 3826 (AES-128-CFB). AES-192/256 use the localized key directly when it is long enough
(SHA-256 and up); the two key-extension schemes for shorter keys are handled by pysnmp.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.modes import ECB

from netrosetta.collectors.snmp import ber
from netrosetta.collectors.snmp.credentials import SnmpV3Credentials

from .varbind import VarBind

# auth protocol -> (hashlib name, HMAC truncation length)
AUTH = {"MD5": ("md5", 12), "SHA": ("sha1", 12), "SHA224": ("sha224", 16), "SHA256": ("sha256", 24),
        "SHA384": ("sha384", 32), "SHA512": ("sha512", 48)}
# privacy protocol -> AES key length; DES and the Blumenthal/Reeder-extended keys are left to pysnmp
AES_KEY_LEN = {"AES": 16, "AES192": 24, "AES256": 32, "AES192C": 24, "AES256C": 32}

FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 1, 2, 4
USM = 3
MAX_SIZE = 65507

# usmStats counters an agent reports instead of answering (RFC 3414 section 5)
REPORT_UNSUPPORTED_LEVEL = "1.3.6.1.6.3.15.1.1.1.0"
REPORT_NOT_IN_TIME_WINDOW = "1.3.6.1.6.3.15.1.1.2.0"
REPORT_UNKNOWN_USER = "1.3.6.1.6.3.15.1.1.3.0"
REPORT_UNKNOWN_ENGINE_ID = "1.3.6.1.6.3.15.1.1.4.0"
REPORT_WRONG_DIGEST = "1.3.6.1.6.3.15.1.1.5.0"
REPORT_DECRYPTION_ERROR = "1.3.6.1.6.3.15.1.1.6.0"
REPORT_TEXT = {
    REPORT_UNSUPPORTED_LEVEL: "unsupported security level for this user",
    REPORT_UNKNOWN_USER: "unknown user name",
    REPORT_WRONG_DIGEST: "wrong digest (authentication key or protocol mismatch)",
    REPORT_DECRYPTION_ERROR: "decryption error (privacy key or protocol mismatch)",
}


def native_supported(creds: SnmpV3Credentials) -> bool:
    """True when this module can do these credentials without pysnmp."""
    if creds.priv_protocol is None:
        return True
    if creds.priv_protocol not in AES_KEY_LEN or creds.auth_protocol is None:
        return False
    hash_len = hashlib.new(AUTH[creds.auth_protocol][0]).digest_size
    return hash_len >= AES_KEY_LEN[creds.priv_protocol]


@lru_cache(maxsize=256)
def password_to_key(hash_name: str, password: bytes) -> bytes:
    """RFC 3414 A.2: hash of the password repeated over 1 MiB (a few ms; cached per process)."""
    if not password:
        raise ValueError("empty passphrase")
    reps = 1048576 // len(password) + 1
    return hashlib.new(hash_name, (password * reps)[:1048576]).digest()


def localize(hash_name: str, master: bytes, engine_id: bytes) -> bytes:
    return hashlib.new(hash_name, master + engine_id + master).digest()


@dataclass(frozen=True)
class Keys:
    """Localized keys for one user at one authoritative engine."""

    hash_name: str | None
    mac_len: int
    auth: bytes
    priv: bytes  # AES key, or b"" without privacy

    @classmethod
    def for_engine(cls, creds: SnmpV3Credentials, engine_id: bytes) -> Keys:
        if creds.auth_protocol is None or creds.auth_key is None:
            return cls(None, 0, b"", b"")
        hash_name, mac_len = AUTH[creds.auth_protocol]
        auth = localize(hash_name, password_to_key(hash_name, creds.auth_key.get_secret_value().encode()),
                        engine_id)
        priv = b""
        if creds.priv_protocol is not None and creds.priv_key is not None:
            kul = localize(hash_name, password_to_key(hash_name, creds.priv_key.get_secret_value().encode()),
                           engine_id)
            priv = kul[:AES_KEY_LEN[creds.priv_protocol]]
        return cls(hash_name, mac_len, auth, priv)

    @property
    def flags(self) -> int:
        return (FLAG_AUTH if self.hash_name else 0) | (FLAG_PRIV if self.priv else 0)


@lru_cache(maxsize=1024)
def _ecb(key: bytes) -> Any:
    # one AES block encryptor per key, reused: creating a cipher context costs more than the AES
    # work on a whole response; ECB with block-multiple input keeps no state between calls
    return Cipher(algorithms.AES(key), ECB()).encryptor()


def _xor(a: bytes, b: bytes) -> bytes:
    n = len(a)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b[:n], "big")).to_bytes(n, "big")


MAX_INT32 = (1 << 31) - 1     # msgAuthoritativeEngineBoots / Time: INTEGER (0..2147483647)


def _aes_cfb(key: bytes, boots: int, etime: int, salt: bytes, data: bytes, encrypt: bool) -> bytes:
    """AES-CFB128 (RFC 3826) built on a cached ECB block encryptor."""
    # RFC 3826 3.1.2.1: IV = engineBoots (4) | engineTime (4) | the 64-bit salt sent as privParameters
    iv = boots.to_bytes(4, "big") + etime.to_bytes(4, "big") + salt
    if len(iv) != 16:       # never feed the shared ECB context a partial block (see open_message)
        raise UsmError("privacy parameters are not 8 bytes")
    ecb = _ecb(key)
    if not data:
        return b""
    if encrypt:
        # each keystream block depends on the previous ciphertext block: sequential (requests are small)
        out = bytearray()
        prev = iv
        for i in range(0, len(data), 16):
            block = _xor(data[i:i + 16], ecb.update(prev))
            out += block
            prev = block
        return bytes(out)
    # decryption: the keystream is E(IV | C1 .. Cm-1), one ECB call over the whole response
    full = (len(data) - 1) // 16 * 16
    return _xor(data, ecb.update(iv + data[:full]))


def encode_message(msg_id: int, keys: Keys, engine_id: bytes, boots: int, etime: int, user: bytes,
                   context_engine_id: bytes, context_name: bytes, pdu: bytes, salt: bytes,
                   reportable: bool = True) -> bytes:
    t, i = ber._tlv, ber._int
    scoped = t(0x30, t(4, context_engine_id) + t(4, context_name) + pdu)
    priv_params = b""
    if keys.priv:
        priv_params = salt
        scoped = t(4, _aes_cfb(keys.priv, boots, etime, salt, scoped, encrypt=True))
    flags = keys.flags | (FLAG_REPORTABLE if reportable else 0)
    header = t(0x30, i(msg_id) + i(MAX_SIZE) + t(4, bytes((flags,))) + i(USM))
    before_mac = t(4, engine_id) + i(boots) + i(etime) + t(4, user)
    after_mac = t(4, priv_params)
    mac_tlv = t(4, bytes(keys.mac_len))
    sec = t(0x30, before_mac + mac_tlv + after_mac)
    msg = t(0x30, i(3) + header + t(4, sec) + scoped)
    if not keys.hash_name:
        return msg
    # the MAC covers the whole message with zeros in its own place (RFC 3414 6.3.1)
    mac = hmac.new(keys.auth, msg, keys.hash_name).digest()[:keys.mac_len]
    at = msg.index(before_mac + mac_tlv) + len(before_mac) + len(mac_tlv) - keys.mac_len
    return msg[:at] + mac + msg[at + keys.mac_len:]


@dataclass
class Incoming:
    msg_id: int
    flags: int
    engine_id: bytes
    boots: int
    etime: int
    user: bytes
    mac_start: int
    mac_end: int
    priv_params: bytes
    data_at: int  # offset of msgData (scoped PDU SEQUENCE or encrypted OCTET STRING)


def parse_header(data: bytes) -> Incoming:
    """Everything up to msgData; cheap, so the receiver can match msgID before any crypto."""
    h = ber._header
    try:
        tag, i, _ = h(data, 0)
        if tag != 0x30:
            raise ber.BerError("not an SNMP message")
        _, s, e = h(data, i)
        if int.from_bytes(data[s:e], "big") != 3:
            raise ber.BerError("not an SNMPv3 message")
        tag, s, gend = h(data, e)
        _, s, e = h(data, s)
        msg_id = int.from_bytes(data[s:e], "big", signed=True)
        _, s, e = h(data, e)  # msgMaxSize
        _, s, e = h(data, e)
        flags = data[s] if e > s else 0
        _, s, e = h(data, e)
        if int.from_bytes(data[s:e], "big") != USM:
            raise ber.BerError("not a USM message")
        _, sp, spend = h(data, gend)  # msgSecurityParameters OCTET STRING
        _, s, _ = h(data, sp)  # UsmSecurityParameters SEQUENCE
        _, s, e = h(data, s)
        engine_id = data[s:e]
        _, s, e = h(data, e)
        boots = int.from_bytes(data[s:e], "big")
        _, s, e = h(data, e)
        etime = int.from_bytes(data[s:e], "big")
        _, s, e = h(data, e)
        user = data[s:e]
        _, mac_start, mac_end = h(data, e)
        _, s, e = h(data, mac_end)
        priv_params = data[s:e]
    except IndexError:
        raise ber.BerError("truncated message") from None
    return Incoming(msg_id, flags, engine_id, boots, etime, user, mac_start, mac_end, priv_params, spend)


class UsmError(Exception):
    """The message failed USM checks on our side (bad MAC, undecryptable)."""


def open_message(data: bytes, inc: Incoming, keys: Keys | None) -> tuple[int, int, int, int, list[VarBind]]:
    """Verify and decrypt as the flags demand, then decode the PDU (pdu_type, req_id, status, index, vbs)."""
    plain, at = open_scoped(data, inc, keys)
    return ber.decode_pdu(plain, at)


def open_scoped(data: bytes, inc: Incoming, keys: Keys | None) -> tuple[bytes, int]:
    """Verify and decrypt as the flags demand: (plaintext, offset of the PDU in it) - a receiver of
    informs answers with the same PDU, so it needs the bytes as well as the decode."""
    if inc.flags & FLAG_AUTH:
        if keys is None or not keys.hash_name:
            raise UsmError("authenticated message but no authentication key")
        got = data[inc.mac_start:inc.mac_end]
        zeroed = data[:inc.mac_start] + bytes(len(got)) + data[inc.mac_end:]
        want = hmac.new(keys.auth, zeroed, keys.hash_name).digest()[:keys.mac_len]
        if not hmac.compare_digest(got, want):
            raise UsmError("response failed authentication (wrong authentication key?)")
    at = inc.data_at
    if inc.flags & FLAG_PRIV:
        if keys is None or not keys.priv:
            raise UsmError("encrypted message but no privacy key")
        # checked before the cipher: a salt of another length would leave a partial block in the
        # cached ECB context (_ecb) and garble every later response from this agent
        if len(inc.priv_params) != 8:
            raise UsmError(f"privacy parameters are {len(inc.priv_params)} bytes, not 8")
        if not (0 <= inc.boots <= MAX_INT32 and 0 <= inc.etime <= MAX_INT32):
            raise UsmError("engine boots/time out of range")
        _, s, e = ber._header(data, at)
        data = _aes_cfb(keys.priv, inc.boots, inc.etime, inc.priv_params, data[s:e], encrypt=False)
        at = 0
    try:
        tag, s, _ = ber._header(data, at)
        if tag != 0x30:
            raise UsmError("cannot decrypt the response (wrong privacy key?)")
        _, s, e = ber._header(data, s)  # contextEngineID
        _, s, e = ber._header(data, e)  # contextName
    except (ber.BerError, IndexError):
        raise UsmError("cannot decrypt the response (wrong privacy key?)") from None
    return data, e
