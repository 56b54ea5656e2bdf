"""Synthetic NetFlow v5 datagrams for the lab's flow exporter (seeded; no recording involved).

v5 layout: a 24-byte header (version, count, sysUptime ms, unix secs/nsecs, flow sequence, engine,
sampling) and 48-byte records; at most 30 records per datagram.
"""

from __future__ import annotations

import random
import socket
import struct
import time

HEADER = struct.Struct("!HHIIIIBBH")
RECORD = struct.Struct("!4s4s4sHHIIIIHHxBBBHHBBxx")
BOOT = time.time()


def _ip(n: int) -> bytes:
    return socket.inet_aton(f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")


def synthetic_datagrams(seq: int, *, flows: int = 20, seed: int = 7) -> list[bytes]:
    """``flows`` records (in datagrams of up to 30) starting at flow sequence ``seq``."""
    rnd = random.Random(seed * 1_000_003 + seq)
    now = time.time()
    uptime_ms = int((now - BOOT) * 1000) + 60_000
    out = []
    done = 0
    while done < flows:
        n = min(30, flows - done)
        recs = []
        for _ in range(n):
            pkts = rnd.randint(1, 500)
            recs.append(RECORD.pack(
                _ip(rnd.randint(1, 5000)), _ip(rnd.randint(1, 200)), _ip(1), rnd.randint(1, 8), rnd.randint(1, 8),
                pkts, pkts * rnd.randint(64, 1500), max(0, uptime_ms - 5000), uptime_ms,
                rnd.randint(1024, 65535), rnd.choice((80, 443, 53, 22, 123, 8080)), 0x18,
                rnd.choice((6, 6, 6, 17)), 0, 64512, 64513, 24, 24))
        out.append(HEADER.pack(5, n, uptime_ms, int(now), int((now % 1) * 1e9), seq + done, 0, 0, 0)
                   + b"".join(recs))
        done += n
    return out
