"""Just enough BER for SNMP v1/v2c requests and responses, tuned for decoding large GETBULK replies.

Values decode straight into ``collectors.snmp.varbind`` types: the tag byte *is* the VarBind tag.
"""

from __future__ import annotations

from netrosetta.engine.values import OUT_OF_RANGE

from .varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_END_OF_MIB,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_IPADDRESS,
    TAG_NO_SUCH_INSTANCE,
    TAG_NO_SUCH_OBJECT,
    TAG_NULL,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_OPAQUE,
    TAG_TIMETICKS,
    Value,
    VarBind,
    in_smi_range,
)

PDU_GET = 0xA0
PDU_GETNEXT = 0xA1
PDU_RESPONSE = 0xA2
PDU_GETBULK = 0xA5
PDU_REPORT = 0xA8

VERSION_CODE = {"1": 0, "2c": 1}

ERROR_STATUS = {
    0: "noError", 1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr",
    6: "noAccess", 7: "wrongType", 8: "wrongLength", 9: "wrongEncoding", 10: "wrongValue",
    11: "noCreation", 12: "inconsistentValue", 13: "resourceUnavailable", 14: "commitFailed",
    15: "undoFailed", 16: "authorizationError", 17: "notWritable", 18: "inconsistentName",
}

_UNSIGNED = frozenset({TAG_COUNTER32, TAG_GAUGE32, TAG_TIMETICKS, TAG_COUNTER64})
_NONE_TAGS = frozenset({TAG_NULL, TAG_NO_SUCH_OBJECT, TAG_NO_SUCH_INSTANCE, TAG_END_OF_MIB})


class BerError(ValueError):
    """Malformed or unexpected BER; the caller turns it into an SnmpError naming the target."""


# ---- encoding (requests are small: clarity over speed) ----

def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(b),)) + b


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _len(len(body)) + body


def _int(n: int) -> bytes:
    return _tlv(TAG_INTEGER, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def encode_oid(oid: str) -> bytes:
    try:
        parts = [int(p) for p in oid.strip().lstrip(".").split(".")]
    except ValueError:
        raise BerError(f"bad OID {oid!r}") from None
    if len(parts) < 2 or parts[0] > 2 or (parts[0] < 2 and parts[1] >= 40) or min(parts) < 0:
        raise BerError(f"bad OID {oid!r}")
    out = bytearray()
    for sub in [parts[0] * 40 + parts[1], *parts[2:]]:
        if sub < 0x80:
            out.append(sub)
            continue
        chunk = []
        while sub:
            chunk.append(sub & 0x7F)
            sub >>= 7
        chunk.reverse()
        out.extend([c | 0x80 for c in chunk[:-1]] + [chunk[-1]])
    return _tlv(TAG_OID, bytes(out))


def encode_pdu(pdu_type: int, request_id: int, oids: list[str], non_repeaters: int = 0,
               max_repetitions: int = 0) -> bytes:
    """A PDU with NULL values; for GETBULK the two error fields carry non-repeaters/max-repetitions."""
    null = b"\x05\x00"
    vbs = b"".join(_tlv(0x30, encode_oid(o) + null) for o in oids)
    return _tlv(pdu_type, _int(request_id) + _int(non_repeaters) + _int(max_repetitions) + _tlv(0x30, vbs))


def encode_request(version: str, community: bytes, pdu_type: int, request_id: int, oids: list[str],
                   non_repeaters: int = 0, max_repetitions: int = 0) -> bytes:
    """A v1/v2c message."""
    pdu = encode_pdu(pdu_type, request_id, oids, non_repeaters, max_repetitions)
    return _tlv(0x30, _int(VERSION_CODE[version]) + _tlv(TAG_OCTET_STRING, community) + pdu)


# ---- decoding (hot path: ~2,500 varbinds per interface poll) ----

def decode_oid(b: bytes) -> str:
    if not b:
        raise BerError("empty OID")
    if b[0] < 80 and max(b) < 0x80:
        # common case: every sub-identifier fits one byte -> C-level join
        first = b[0]
        head = f"{first // 40}.{first % 40}"
        return head + "." + ".".join(map(str, b[1:])) if len(b) > 1 else head
    subs: list[int] = []
    acc = 0
    for byte in b:
        acc = (acc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            subs.append(acc)
            acc = 0
    if b[-1] & 0x80:
        raise BerError("truncated OID")
    first = subs[0]
    top = 0 if first < 40 else 1 if first < 80 else 2
    return ".".join(map(str, [top, first - 40 * top, *subs[1:]]))


# Polls repeat the same OIDs every interval, and devices share most of them (ifTable rows), so
# one process-wide map from encoded OID to dotted string cuts decoding to a dict lookup. It is
# cleared when full: bounded memory (~25 MB), no LRU bookkeeping on the hot path.
OID_CACHE_MAX = 200_000
_oid_cache: dict[bytes, str] = {}


def _header(data: bytes, i: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at ``i``."""
    tag = data[i]
    n = data[i + 1]
    if n < 0x80:
        start = i + 2
        end = start + n
    else:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise BerError("unsupported length form")
        start = i + 2 + k
        end = start + int.from_bytes(data[i + 2:start], "big")
    if end > len(data):
        raise BerError("truncated message")
    return tag, start, end


def _wide(tag: int, raw: bytes, signed: bool) -> Value:
    """An integer of more than 4 content bytes: within its SMI type's range (a Counter32 0x00
    0xFFFFFFFF, any Counter64), or OUT_OF_RANGE - a malformed varbind the translation counts and
    skips. Never clamped (a clamped counter is a silently wrong number), never a 400-digit int."""
    if len(raw) > 9:        # no SMI integer needs more: not even decoded
        return OUT_OF_RANGE
    n = int.from_bytes(raw, "big", signed=signed)
    return n if in_smi_range(tag, n) else OUT_OF_RANGE


def decode_value(tag: int, raw: bytes) -> Value:
    if tag in (TAG_OCTET_STRING, TAG_OPAQUE):
        return raw
    if tag in _UNSIGNED:
        return int.from_bytes(raw, "big") if len(raw) <= 4 else _wide(tag, raw, False)
    if tag == TAG_INTEGER:
        return int.from_bytes(raw, "big", signed=True) if len(raw) <= 4 else _wide(tag, raw, True)
    if tag == TAG_OID:
        return decode_oid(raw)
    if tag == TAG_IPADDRESS:
        return ".".join(map(str, raw))
    if tag in _NONE_TAGS:
        return None
    raise BerError(f"unsupported value type tag {tag}")


def decode_response(data: bytes) -> tuple[int, int, int, int, bytes, list[VarBind]]:
    """Decode a v1/v2c message: (pdu_type, request_id, error_status, error_index, community, varbinds)."""
    try:
        tag, i, _end = _header(data, 0)
        if tag != 0x30:
            raise BerError("not an SNMP message")
        tag, s, e = _header(data, i)  # version
        tag, s, e = _header(data, e)  # community
        community = data[s:e]
    except IndexError:
        raise BerError("truncated message") from None
    pdu_type, request_id, error_status, error_index, vbs = decode_pdu(data, e)
    return pdu_type, request_id, error_status, error_index, community, vbs


def decode_pdu(data: bytes, at: int) -> tuple[int, int, int, int, list[VarBind]]:
    """Decode the PDU starting at ``at``: (pdu_type, request_id, error_status, error_index, varbinds)."""
    try:
        pdu_type, s, _pdu_end = _header(data, at)
        _, s, e = _header(data, s)
        request_id = int.from_bytes(data[s:e], "big", signed=True)
        _, s, e = _header(data, e)
        error_status = int.from_bytes(data[s:e], "big", signed=True)
        _, s, e = _header(data, e)
        error_index = int.from_bytes(data[s:e], "big", signed=True)
        tag, i, end = _header(data, e)
        if tag != 0x30:
            raise BerError("varbind list is not a SEQUENCE")
        out: list[VarBind] = []
        append = out.append
        unsigned = _UNSIGNED
        cache = _oid_cache
        cache_get = cache.get
        while i < end:
            # varbind SEQUENCE, then OID, then value; short lengths inlined for speed
            n = data[i + 1]
            i = i + 2 if n < 0x80 else i + 2 + (n & 0x7F)
            if data[i] != TAG_OID:
                raise BerError("varbind does not start with an OID")
            n = data[i + 1]
            if n < 0x80:
                ob = data[i + 2:i + 2 + n]
                i += 2 + n
            else:
                _, s, e = _header(data, i)
                ob = data[s:e]
                i = e
            oid = cache_get(ob)
            if oid is None:
                if len(cache) >= OID_CACHE_MAX:
                    cache.clear()
                oid = cache[ob] = decode_oid(ob)
            vtag = data[i]
            n = data[i + 1]
            if n < 0x80:
                raw = data[i + 2:i + 2 + n]
                i += 2 + n
            else:
                _, s, e = _header(data, i)
                raw = data[s:e]
                i = e
            if vtag in unsigned and len(raw) <= 4:
                append((oid, vtag, int.from_bytes(raw, "big")))
            elif vtag == TAG_OCTET_STRING:
                append((oid, vtag, raw))
            else:
                append((oid, vtag, decode_value(vtag, raw)))
        if i != end:
            raise BerError("varbind list overruns its length")
    except IndexError:
        raise BerError("truncated message") from None
    return pdu_type, request_id, error_status, error_index, out
