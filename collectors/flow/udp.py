"""UDP receive side: SO_REUSEPORT sockets with large buffers, batched reads, kernel drop counters."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np

MAX_DATAGRAM = 65535


def open_socket(bind: str, port: int, rcvbuf: int, reuseport: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:  # root may exceed net.core.rmem_max; others get what the kernel allows
        s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((bind, port))
    return s


class BatchReader:
    """Reads up to ``max_datagrams`` per call into one buffer (offsets, lengths, sources)."""

    def __init__(self, sock: socket.socket, max_datagrams: int = 512) -> None:
        self.sock = sock
        self.max = max_datagrams
        self.buf = bytearray(max_datagrams * 2048 + MAX_DATAGRAM)
        self.view = memoryview(self.buf)

    def read(self, wait_s: float) -> tuple[bytes, np.ndarray, np.ndarray, list[tuple[str, int]], np.ndarray]:
        """Block up to ``wait_s`` for the first datagram, then drain what is queued."""
        sock = self.sock
        offs: list[int] = []
        srcs: list[tuple[str, int]] = []
        stamps: list[int] = []
        pos = 0
        sock.settimeout(wait_s)
        limit = len(self.buf) - MAX_DATAGRAM
        recv_into = sock.recvfrom_into
        view = self.view
        try:
            n, addr = recv_into(view[pos:])
        except (TimeoutError, BlockingIOError, InterruptedError):
            return b"", np.zeros(0, np.int64), np.zeros(0, np.int64), [], np.zeros(0, np.uint64)
        now = time.time_ns()
        offs.append(pos)
        srcs.append(addr)
        stamps.append(now)
        pos += n
        sock.setblocking(False)
        lens = [n]
        while len(offs) < self.max and pos < limit:
            try:
                n, addr = recv_into(view[pos:])
            except (BlockingIOError, InterruptedError):
                break
            offs.append(pos)
            lens.append(n)
            srcs.append(addr)
            stamps.append(now)
            pos += n
        return (bytes(view[:pos]), np.array(offs, dtype=np.int64), np.array(lens, dtype=np.int64), srcs,
                np.array(stamps, dtype=np.uint64))


def _proc_udp_rows(port: int) -> list[list[str]]:
    rows = []
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        p = Path(name)
        if not p.exists():
            continue
        for line in p.read_text().splitlines()[1:]:
            f = line.split()
            if len(f) >= 13 and int(f[1].rsplit(":", 1)[1], 16) == port:
                rows.append(f)
    return rows


def udp_sockets(port: int) -> int:
    """How many UDP sockets (v4 and v6) are bound to ``port``."""
    return len(_proc_udp_rows(port))


def udp_drops(port: int) -> int:
    """Kernel drop counter summed over sockets bound to ``port`` (/proc/net/udp and udp6)."""
    return sum(int(f[-1]) for f in _proc_udp_rows(port))
