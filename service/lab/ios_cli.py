"""Synthetic Cisco IOS `show interfaces` text for the lab's CLI simulator (seeded, counters grow).

Written in the layout IOS prints and the project's TTP template reads (mappings/templates/
cisco_ios/show_interfaces.ttp); regenerated every few seconds so a poller sees counters move.
"""

from __future__ import annotations

import random
import time

START = time.time()


def show_interfaces(ports: int = 4, seed: int = 11) -> str:
    rnd = random.Random(seed)
    elapsed = time.time() - START
    out = []
    for i in range(1, ports + 1):
        rate = rnd.randint(20_000, 2_000_000)
        base_in, base_out = rnd.randint(10**8, 10**10), rnd.randint(10**8, 10**10)
        in_bytes = base_in + int(rate * elapsed)
        out_bytes = base_out + int(rate * 0.6 * elapsed)
        in_pkts, out_pkts = in_bytes // 700, out_bytes // 650
        bcast = in_pkts // 1000
        mcast = bcast // 3
        up = i != ports  # the last port is down
        state = "up" if up else "down"
        out.append(f"""GigabitEthernet0/{i} is {state}, line protocol is {state}
  Hardware is iGbE, address is 5254.00{i:02x}.0001 (bia 5254.00{i:02x}.0001)
  Description: lab port {i}
  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation ARPA, loopback not set
  Full Duplex, Auto Speed, link type is auto, media type is RJ45
  Last input 00:00:00, output 00:00:00, output hang never
  Last clearing of "show interface" counters never
  Input queue: 0/75/{rnd.randint(0, 9)}/0 (size/max/drops/flushes); Total output drops: {rnd.randint(0, 9)}
  Queueing strategy: fifo
  Output queue: 0/40 (size/max)
  5 minute input rate {rate * 8} bits/sec, {rate // 700} packets/sec
  5 minute output rate {int(rate * 4.8)} bits/sec, {rate // 1080} packets/sec
     {in_pkts} packets input, {in_bytes} bytes, 0 no buffer
     Received {bcast} broadcasts ({mcast} IP multicasts)
     0 runts, 0 giants, 0 throttles
     {rnd.randint(0, 5)} input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored
     0 watchdog, {mcast} multicast, 0 pause input
     {out_pkts} packets output, {out_bytes} bytes, 0 underruns
     {rnd.randint(0, 3)} output errors, 0 collisions, 1 interface resets
     0 unknown protocol drops
     0 babbles, 0 late collision, 0 deferred
     0 lost carrier, 0 no carrier, 0 pause output
     0 output buffer failures, 0 output buffers swapped out
""")
    return "".join(out)
