"""Listener sockets: never silently sharing a port, kernel counters readable, batches read whole."""

from __future__ import annotations

import socket

import pytest

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.listener import FlowListener
from netrosetta.collectors.flow.udp import BatchReader, MmsgReader, open_socket, udp_drops, udp_sockets


def test_fixed_port_held_by_another_reuseport_socket_is_refused() -> None:
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    other.bind(("127.0.0.1", 0))
    port = other.getsockname()[1]
    try:
        with pytest.raises(OSError, match="in use"):
            FlowListener(FlowListenerConfig(port=port), lambda r: None)
        assert udp_sockets(port) == 1  # our attempt left nothing bound
    finally:
        other.close()


def test_port_zero_gets_a_port_of_its_own() -> None:
    a = FlowListener(FlowListenerConfig(port=0), lambda r: None)
    b = FlowListener(FlowListenerConfig(port=0), lambda r: None)
    try:
        assert a.port != b.port and udp_sockets(a.port) == 1 and udp_sockets(b.port) == 1
    finally:
        a.sock.close()
        b.sock.close()


@pytest.mark.parametrize("reader", [BatchReader, MmsgReader])
def test_batch_reader_drains_queued_datagrams(reader: type[BatchReader] | type[MmsgReader]) -> None:
    rx = open_socket("127.0.0.1", 0, 1 << 20)
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payloads = [bytes([i]) * (i + 1) for i in range(20)]
    for p in payloads:
        tx.sendto(p, ("127.0.0.1", port))
    got = reader(rx, 64).read(1.0)
    data = [got.buf[o:o + n] for o, n in zip(got.offs.tolist(), got.lens.tolist(), strict=True)]
    assert data == payloads and got.addrs == ["127.0.0.1"] and len(got.stamps) == 20
    assert set(got.ports.tolist()) == {tx.getsockname()[1]} and got.addr_index.tolist() == [0] * 20
    assert udp_drops(port) == 0
    assert len(reader(rx, 64).read(0.05)) == 0
    tx.close()
    rx.close()


def test_read_ahead_pool_keeps_each_batch_until_the_next_get() -> None:
    """Batches land in reused buffers: each must read back whole while it is the caller's, even
    when the reader runs ahead (small batches, a slow caller, more batches than pool buffers)."""
    import time

    from netrosetta.collectors.flow.udp import ReadAhead

    rx = open_socket("127.0.0.1", 0, 4 << 20)
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payloads = [i.to_bytes(4, "big") * (1 + i % 40) for i in range(600)]
    ahead = ReadAhead(MmsgReader(rx, 16), 0.2, 0.0, depth=2, spare=2)
    try:
        for p in payloads:
            tx.sendto(p, ("127.0.0.1", port))
        seen: list[bytes] = []
        pooled = 0
        while len(seen) < len(payloads):
            got = ahead.get()
            assert len(got), f"stream ended after {len(seen)} datagrams"
            pooled += not isinstance(got.buf, bytes)
            first = [bytes(got.buf[o:o + n]) for o, n in zip(got.offs.tolist(), got.lens.tolist(), strict=True)]
            time.sleep(0.005)  # the reader fills other buffers meanwhile
            again = [bytes(got.buf[o:o + n]) for o, n in zip(got.offs.tolist(), got.lens.tolist(), strict=True)]
            assert again == first
            seen += first
        assert seen == payloads and pooled > 0
    finally:
        ahead.closed.set()
        ahead.close()
        tx.close()
        rx.close()


def test_decoded_flows_do_not_refer_into_a_reused_buffer() -> None:
    """The listener hands the decoder a buffer it overwrites with the next batch: what the
    decoder returned must stay as it was (v9 template + data, options data, a damaged datagram)."""
    import mmap
    import struct

    import numpy as np

    from netrosetta.collectors.flow import bulk
    from netrosetta.collectors.flow.decoder import FlowDecoder

    def v9(*sets: bytes) -> bytes:
        return struct.pack("!HHIIII", 9, len(sets), 1000, 1_700_000_000, 1, 0) + b"".join(sets)

    fields = [(8, 4), (12, 4), (1, 4), (2, 4), (7, 2), (11, 2), (4, 1), (82, 8)]  # ... and an interface name
    tset = struct.pack("!HHHH", 0, 4 + 4 + 4 * len(fields), 300, len(fields)) + \
        b"".join(struct.pack("!HH", f, n) for f, n in fields)
    rec = struct.pack("!4s4sIIHHB8s", bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 1500, 3, 1234, 80, 6, b"Gi0/0/1\0")
    data = struct.pack("!HH", 300, 4 + 3 * len(rec)) + rec * 3
    grams = [v9(tset), v9(data), v9(data), b"\x00\x09\x00"]
    raw = b"".join(grams)
    mm = mmap.mmap(-1, len(raw) + 4096)
    mm[:len(raw)] = raw
    lens = np.array([len(g) for g in grams], dtype=np.int64)
    n = len(grams)
    dec = FlowDecoder()
    exp = dec.exporter_id("192.0.2.1")
    res = bulk.decode_buffer(dec, mm, np.cumsum(lens) - lens, lens, np.full(n, exp, np.int64),
                             np.full(n, 2055, np.int64), np.full(n, 1, np.uint64))
    before = list(res.flows.rows())
    mm[:len(raw)] = b"\xa5" * len(raw)
    assert len(before) == 6 and before[0]["bytes"] == 1500 and list(res.flows.rows()) == before


def test_read_ahead_hands_over_every_batch_read_before_close() -> None:
    """A batch the reader holds while the queue is full when the listener stops is one of the
    leftovers, not dropped."""
    import time

    from netrosetta.collectors.flow.udp import ReadAhead

    rx = open_socket("127.0.0.1", 0, 4 << 20)
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(40):
        tx.sendto(i.to_bytes(2, "big"), ("127.0.0.1", port))
    ahead = ReadAhead(MmsgReader(rx, 16), 0.1, 0.0, depth=1)
    try:
        time.sleep(0.5)  # one batch queued, the next waiting for room
        ahead.close()
        left = ahead.leftovers()
        got = [bytes(b.buf[o:o + n]) for b in left for o, n in zip(b.offs.tolist(), b.lens.tolist(), strict=True)]
        assert got == [i.to_bytes(2, "big") for i in range(32)]
    finally:
        tx.close()
        rx.close()
