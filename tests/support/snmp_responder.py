"""A tiny SNMPv2c agent for tests, over a real UDP socket: GET, GETNEXT and GETBULK answered with
real BER from a table the test can change between polls.

snmpsim cannot send what some tests need (a 400-digit INTEGER, a Counter64 that goes back), so
values are given as (tag, content bytes) and encoded as they are: `num()` builds the usual minimal
two's complement content, and a test may hand over any bytes at all.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from netrosetta.collectors.snmp import ber
from netrosetta.collectors.snmp.varbind import TAG_END_OF_MIB, TAG_INTEGER, TAG_NO_SUCH_OBJECT, TAG_TIMETICKS

Raw = tuple[int, bytes]         # (BER tag, content bytes)


def num(tag: int, n: int) -> Raw:
    """An integer value's content bytes: minimal two's complement (unsigned types get a leading
    zero byte when the high bit is set, as agents send them)."""
    return tag, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)


def text(s: str | bytes) -> Raw:
    return 4, s.encode() if isinstance(s, str) else s


def oid_value(oid: str) -> Raw:
    enc = ber.encode_oid(oid)
    return 6, enc[2:] if enc[1] < 0x80 else enc[2 + (enc[1] & 0x7F):]


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + ber._len(len(body)) + body


def _int(n: int) -> bytes:
    return _tlv(TAG_INTEGER, num(TAG_INTEGER, n)[1])


class Responder:
    """`with Responder(table) as r:` serves on 127.0.0.1:r.port until the block ends. ``table`` maps
    OID -> Raw; `set()` changes values between polls. sysUpTime.0 counts from the start unless set."""

    def __init__(self, table: dict[str, Raw], community: bytes = b"lab") -> None:
        self.table = dict(table)
        self.community = community
        self.started = time.monotonic()
        self.requests = 0
        self.delay = 0.0            # seconds before each answer: a slow agent
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="snmp-responder", daemon=True)

    def set(self, oid: str, value: Raw) -> None:
        with self.lock:
            self.table[oid] = value

    def __enter__(self) -> Responder:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.answer(data)
            if self.delay:
                time.sleep(self.delay)
            if reply is not None:
                self.sock.sendto(reply, peer)

    def _sorted(self) -> list[tuple[tuple[int, ...], str, Raw]]:
        with self.lock:
            table = dict(self.table)
        table.setdefault("1.3.6.1.2.1.1.3.0", num(TAG_TIMETICKS, int((time.monotonic() - self.started) * 100) + 100))
        return sorted((_key(o), o, v) for o, v in table.items())

    def answer(self, data: bytes) -> bytes | None:
        try:
            pdu, req_id, a, b, community, vbs = ber.decode_response(data)
        except ber.BerError:
            return None
        if community != self.community:
            return None
        self.requests += 1
        rows = self._sorted()
        out: list[tuple[str, Raw]] = []
        oids = [v[0] for v in vbs]
        if pdu == ber.PDU_GET:
            by_oid = {o: v for _k, o, v in rows}
            out = [(o, by_oid.get(o, (TAG_NO_SUCH_OBJECT, b""))) for o in oids]
        elif pdu in (ber.PDU_GETNEXT, ber.PDU_GETBULK):
            non_rep, max_rep = (min(a, len(oids)), b) if pdu == ber.PDU_GETBULK else (len(oids), 0)

            def after(o: str) -> tuple[str, Raw]:
                nxt = next(((oo, v) for k, oo, v in rows if k > _key(o)), None)
                return nxt if nxt is not None else (o, (TAG_END_OF_MIB, b""))
            out = [after(o) for o in oids[:non_rep]]
            cursors = oids[non_rep:]
            for _ in range(max(0, max_rep) if cursors else 0):    # repetitions interleaved, as RFC 3416
                step = [after(o) for o in cursors]
                out.extend(step)
                cursors = [o for o, _v in step]
        else:
            return None
        return _tlv(0x30, _int(1) + _tlv(4, self.community) + _response_pdu(req_id, out))


def raw_value(tag: int, value: Any) -> Raw:
    """A walk varbind's value (collectors.snmp.varbind types) as BER content bytes."""
    if isinstance(value, int):
        return num(tag, value)
    if isinstance(value, bytes):
        return tag, value
    if tag == 6 and isinstance(value, str):
        try:
            return oid_value(value)
        except ber.BerError:        # a walk's malformed OID value: sent as its text bytes
            return tag, value.encode()
    if tag == 64 and isinstance(value, str):
        try:
            return tag, bytes(int(p) for p in value.split("."))
        except ValueError:
            return tag, value.encode()
    return tag, b""


def encode_response(community: bytes, req_id: int, varbinds: list[tuple[str, int, Any]], version: int = 1) -> bytes:
    """A v1/v2c Response message carrying the varbinds."""
    return _tlv(0x30, _int(version) + _tlv(4, community) + encode_response_pdu(req_id, varbinds))


def encode_response_pdu(req_id: int, varbinds: list[tuple[str, int, Any]]) -> bytes:
    return _response_pdu(req_id, [(o, raw_value(t, v)) for o, t, v in varbinds])


def _response_pdu(req_id: int, out: list[tuple[str, Raw]]) -> bytes:
    body = b"".join(_tlv(0x30, ber.encode_oid(o) + _tlv(tag, raw)) for o, (tag, raw) in out)
    return _tlv(ber.PDU_RESPONSE, _int(req_id) + _int(0) + _int(0) + _tlv(0x30, body))
