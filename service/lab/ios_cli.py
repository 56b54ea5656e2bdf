"""Cisco IOS `show interfaces` text for the lab's CLI simulator, from the shared device state.

Written in the layout IOS prints and the project's TTP template reads (mappings/templates/
cisco_ios/show_interfaces.ttp); computed when the command is asked, so a poller sees counters
move and reads the same numbers the device's SNMP and gNMI answer at that moment.
"""

from __future__ import annotations

from .state import DeviceState


def show_interfaces(state: DeviceState, now: float | None = None) -> str:
    out = []
    for p in state.ports:
        c = state.counters(p, now)
        # IOS: "Received X broadcasts (Y IP multicasts)" — X counts both, Y the multicast part
        in_pkts = c["in-unicast-pkts"] + c["in-multicast-pkts"] + c["in-broadcast-pkts"]
        out_pkts = c["out-unicast-pkts"] + c["out-multicast-pkts"] + c["out-broadcast-pkts"]
        bcast, mcast = c["in-broadcast-pkts"] + c["in-multicast-pkts"], c["in-multicast-pkts"]
        rate = p.rate["in-octets"]
        state_word = "up" if p.up else "down"
        # IOS prints no Description line for an interface without one
        desc = f"\n  Description: {p.description}" if p.description else ""
        out.append(f"""{p.name} is {state_word}, line protocol is {state_word}
  Hardware is iGbE, address is 5254.{p.index:04x}.0001 (bia 5254.{p.index:04x}.0001){desc}
  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation ARPA, loopback not set
  Full Duplex, Auto Speed, link type is auto, media type is RJ45
  Last input 00:00:00, output 00:00:00, output hang never
  Last clearing of "show interface" counters never
  Input queue: 0/75/{c["in-discards"]}/0 (size/max/drops/flushes); Total output drops: {c["out-discards"]}
  Queueing strategy: fifo
  Output queue: 0/40 (size/max)
  5 minute input rate {rate * 8} bits/sec, {rate // 700} packets/sec
  5 minute output rate {p.rate["out-octets"] * 8} bits/sec, {rate // 1100} packets/sec
     {in_pkts} packets input, {c["in-octets"]} bytes, 0 no buffer
     Received {bcast} broadcasts ({mcast} IP multicasts)
     0 runts, 0 giants, 0 throttles
     {c["in-errors"]} input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored
     0 watchdog, {mcast} multicast, 0 pause input
     {out_pkts} packets output, {c["out-octets"]} bytes, 0 underruns
     {c["out-errors"]} output errors, 0 collisions, 1 interface resets
     0 unknown protocol drops
     0 babbles, 0 late collision, 0 deferred
     0 lost carrier, 0 no carrier, 0 pause output
     0 output buffer failures, 0 output buffers swapped out
""")
    return "".join(out)
