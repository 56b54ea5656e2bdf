"""The batched receive path over real UDP: every datagram of a burst arrives (counted), whole, with
its own sender's address and port — datagrams of many sizes (1 byte to the largest IPv4 UDP
payload) from several source addresses (127.0.0.1/.2/.3 on loopback) and ports.

Expected values are what the senders sent (sizes, payloads, their bound addresses), never
reader or decoder output.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoding import DecodeResult
from netrosetta.collectors.flow.listener import FlowListener
from netrosetta.collectors.flow.udp import BatchReader, MmsgReader, open_socket, udp_drops
from tests.flow_wire import flowset, template, v9, wait_until

pytestmark = pytest.mark.live
ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
SIZES = [1, 7, 20, 156, 1471, 2047, 2048, 2049, 4000, 9000, 65507]  # 2048: one reader slot


def _senders(per_address: int = 2) -> list[socket.socket]:
    out = []
    for addr in ADDRESSES:
        for _ in range(per_address):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((addr, 0))
            out.append(s)
    return out


def _payload(sender: int, seq: int, size: int) -> bytes:
    head = struct.pack("!HI", sender, seq)[:size]
    return head + bytes((sender * 31 + seq + i) & 0xFF for i in range(size - len(head)))


@pytest.mark.parametrize("reader_cls", [MmsgReader, BatchReader])
def test_burst_every_datagram_whole_with_its_sender(reader_cls: type[MmsgReader] | type[BatchReader]) -> None:
    rx = open_socket("127.0.0.1", 0, 32 << 20)
    port = rx.getsockname()[1]
    senders = _senders()
    per_sender = 220
    sent: dict[tuple[str, int], list[bytes]] = {  # (address, port) -> payloads in sending order
        s.getsockname(): [_payload(i, seq, SIZES[(seq + i) % len(SIZES)]) for seq in range(per_sender)]
        for i, s in enumerate(senders)}

    def burst() -> None:  # interleaved senders, as fast as the kernel takes them
        for seq in range(per_sender):
            for s in senders:
                s.sendto(sent[s.getsockname()][seq], ("127.0.0.1", port))

    reader = reader_cls(rx, 256)
    got: dict[tuple[str, int], list[bytes]] = {}
    received = batches = 0
    tx = threading.Thread(target=burst)
    tx.start()
    end = time.monotonic() + 20
    while received < len(senders) * per_sender and time.monotonic() < end:
        b = reader.read(0.2, 0.005)
        batches += bool(len(b))
        received += len(b)
        for i in range(len(b)):
            o, n = int(b.offs[i]), int(b.lens[i])
            got.setdefault((b.addrs[int(b.addr_index[i])], int(b.ports[i])), []).append(b.buf[o:o + n])
    tx.join()
    drops = udp_drops(port)
    for s in senders:
        s.close()
    rx.close()
    assert drops == 0
    assert received == len(ADDRESSES) * 2 * per_sender
    assert got == sent  # whole, byte for byte, in order, each under the address and port that sent it
    assert batches < received  # read in batches, not one call per datagram


def test_listener_keeps_exporter_identity_per_datagram() -> None:
    """NetFlow v9 from three exporter addresses with the same source id and template id, in
    datagrams of 1 to 150 records (a 150-record one is longer than a reader slot): every flow comes
    out with the address that sent it and the byte count that address sent."""
    fields = [(8, 4), (12, 4), (1, 4), (2, 4)]  # src addr, dst addr, bytes, packets

    def record(exporter: int, n: int) -> bytes:
        return struct.pack("!4s4sII", bytes([10, exporter, 0, 1]), bytes([10, 99, 0, 1]), 1000 * exporter + n, 1)

    got: list[DecodeResult] = []
    lst = FlowListener(FlowListenerConfig(port=0, batch_datagrams=64, batch_linger_ms=5), got.append)
    th = threading.Thread(target=lst.serve, kwargs={"duration": 30}, daemon=True)
    th.start()
    lst.ready.wait(5)
    senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in ADDRESSES]
    expected: dict[str, tuple[int, int]] = {}  # address -> (flows, bytes)
    try:
        for s, addr in zip(senders, ADDRESSES, strict=True):
            s.bind((addr, 0))
            s.sendto(v9(1, flowset(0, template(256, fields))), ("127.0.0.1", lst.port))
        time.sleep(0.1)  # templates first, as an exporter's refresh would be
        for seq, count in enumerate([1, 3, 150, 7, 40, 1, 150, 2], start=1):
            for e, (s, addr) in enumerate(zip(senders, ADDRESSES, strict=True), start=1):
                recs = [record(e, i) for i in range(count)]
                s.sendto(v9(1, flowset(256, b"".join(recs)), seq=seq), ("127.0.0.1", lst.port))
                f, b = expected.get(addr, (0, 0))
                expected[addr] = (f + count, b + sum(1000 * e + i for i in range(count)))
        total = sum(f for f, _ in expected.values())
        assert wait_until(lambda: sum(len(r.flows) for r in got) >= total)
        drops = udp_drops(lst.port)
    finally:
        lst.stop()
        th.join(10)
        for s in senders:
            s.close()
    seen: dict[str, tuple[int, int]] = {}
    for r in got:
        for row in r.flows.rows():
            exporter = str(row["sampler_address"])
            assert row["src_addr"] == f"10.{ADDRESSES.index(exporter) + 1}.0.1"  # its own records
            f, b = seen.get(exporter, (0, 0))
            seen[exporter] = (f + 1, b + int(row["bytes"]))
    assert drops == 0
    assert seen == expected
