"""A flow exporter for the lab: replays recorded or synthetic datagrams over real UDP.

Datagrams leave one bound socket (a stable source port, as a router's exporter has) towards
127.0.0.1:<port>, as fast as possible or paced to ``rate`` datagrams per second.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass
class ReplayReport:
    datagrams: int
    bytes: int
    seconds: float


class FlowReplayer:
    def __init__(self, port: int, host: str = "127.0.0.1", source_port: int = 0, sndbuf: int = 4 << 20) -> None:
        self.dest = (host, port)
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.bind((host, source_port))
        self.source = self.sock.getsockname()

    def send(self, datagrams: Iterable[bytes], rate: float | None = None) -> ReplayReport:
        """Send every datagram; with ``rate``, pace in bursts so the average stays at rate/s."""
        sendto, dest = self.sock.sendto, self.dest
        n = nbytes = 0
        t0 = time.monotonic()
        for d in datagrams:
            while True:
                try:
                    sendto(d, dest)
                    break
                except BlockingIOError:  # local send buffer full: wait, never drop on our side
                    time.sleep(0.0005)
            n += 1
            nbytes += len(d)
            if rate and n % 64 == 0:
                ahead = n / rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        return ReplayReport(n, nbytes, time.monotonic() - t0)

    def replay(self, datagrams: Sequence[bytes], repeats: int = 1, rate: float | None = None) -> ReplayReport:
        return self.send((d for _ in range(repeats) for d in datagrams), rate)

    def close(self) -> None:
        self.sock.close()
