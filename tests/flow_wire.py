"""Flow test helpers: NetFlow v9 / IPFIX messages and packet headers built byte by byte from
RFC 3954 / RFC 7011 (and RFC 791 / 8200 / 8754 for the packets), and a real listener on a UDP
port with senders bound to chosen source ports.

The expected values of a test are the inputs given to these builders, never decoder output."""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoding import DecodeResult
from netrosetta.collectors.flow.listener import FlowListener

VARLEN = 65535
Field = tuple[int, int] | tuple[int, int, int]  # (element id, length[, enterprise number])


# -- messages ------------------------------------------------------------------------------
def flowset(set_id: int, body: bytes) -> bytes:
    body += bytes(-len(body) % 4)  # padding to a 4-byte boundary
    return struct.pack("!HH", set_id, 4 + len(body)) + body


def _specs(fields: list[Field]) -> bytes:
    out = b""
    for f in fields:
        if len(f) == 3:
            out += struct.pack("!HHI", f[0] | 0x8000, f[1], f[2])
        else:
            out += struct.pack("!HH", f[0], f[1])
    return out


def template(tid: int, fields: list[Field]) -> bytes:
    """One template record (v9 set 0 / IPFIX set 2 body)."""
    return struct.pack("!HH", tid, len(fields)) + _specs(fields)


def ipfix_options_template(tid: int, scope: list[Field], fields: list[Field]) -> bytes:
    return struct.pack("!HHH", tid, len(scope) + len(fields), len(scope)) + _specs(scope + fields)


def v9_options_template(tid: int, scope: list[Field], fields: list[Field]) -> bytes:
    return struct.pack("!HHH", tid, 4 * len(scope), 4 * len(fields)) + _specs(scope + fields)


def ipfix(domain: int, *sets: bytes, seq: int = 0, export_time: int = 1_700_000_000) -> bytes:
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), export_time, seq, domain) + body


def v9(source_id: int, *flowsets: bytes, seq: int = 0, uptime_ms: int = 1_000_000,
       secs: int = 1_700_000_000) -> bytes:
    return struct.pack("!HHIIII", 9, len(flowsets), uptime_ms, secs, seq, source_id) + b"".join(flowsets)


def varlen(value: bytes) -> bytes:
    return (bytes([len(value)]) if len(value) < 255 else b"\xff" + struct.pack("!H", len(value))) + value


def ip(addr: str) -> bytes:
    return ipaddress.ip_address(addr).packed


def text(value: str, width: int) -> bytes:
    return value.encode().ljust(width, b"\0")


# -- packets -------------------------------------------------------------------------------
def ipv4(src: str, dst: str, proto: int, payload: bytes, tos: int = 0, ttl: int = 64) -> bytes:
    return struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 1, 0, ttl, proto, 0, ip(src),
                       ip(dst)) + payload


def ipv6(src: str, dst: str, next_header: int, payload: bytes, hop_limit: int = 64) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hop_limit, ip(src), ip(dst)) + payload


def srh(next_header: int, segments: list[str], left: int) -> bytes:
    """RFC 8754 segment routing header (routing type 4); segments in SRH order (last first)."""
    return struct.pack("!BBBBBBH", next_header, 2 * len(segments), 4, left, len(segments) - 1, 0, 0) + \
        b"".join(ip(s) for s in segments)


def tcp(sport: int, dport: int, flags: int) -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)


def udp(sport: int, dport: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


# -- a real listener -----------------------------------------------------------------------
@contextmanager
def listening(emit: Callable[[DecodeResult], None], cfg: FlowListenerConfig | None = None,
              ) -> Iterator[tuple[FlowListener, Callable[..., None]]]:
    """A real listener on an ephemeral UDP port in a thread, and ``send(payload, from_port=0)``
    (a socket bound to that source port, as a line card or exporter process would use); the
    listener is stopped after, having stayed alive through everything sent."""
    lst = FlowListener(cfg or FlowListenerConfig(port=0, bind="127.0.0.1"), emit)
    th = threading.Thread(target=lst.serve, kwargs={"duration": 30}, daemon=True)
    th.start()
    lst.ready.wait(5)
    senders: dict[int, socket.socket] = {}

    def send(payload: bytes, from_port: int = 0) -> None:
        tx = senders.get(from_port)
        if tx is None:
            tx = senders[from_port] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tx.bind(("127.0.0.1", from_port))
        tx.sendto(payload, ("127.0.0.1", lst.port))
    try:
        yield lst, send
        assert th.is_alive()
    finally:
        lst.stop()
        th.join(10)
        for tx in senders.values():
            tx.close()
    assert not th.is_alive()


def free_ports(n: int) -> list[int]:
    """n distinct UDP source ports the kernel hands out now."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()
