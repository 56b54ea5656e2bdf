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
