"""Fuzz the flow decoders (v5, v9, IPFIX, sFlow) through FlowDecoder.decode_one.

Each target first feeds the pristine seeds of its version (so templates are learned), then the
mutant, so template-dependent data paths are reached. The decoder counts bad input; nothing may
escape it, so no exception type is allowed."""

from __future__ import annotations

import struct
from collections.abc import Callable

from netrosetta.collectors.flow.decoder import FlowDecoder
from tests.conftest import SHARED
from tests.fuzz import harness


def _corpus() -> list[bytes]:
    flow = SHARED / "corpus" / "flow"
    out: list[bytes] = []
    if flow.exists():
        out += [p.read_bytes() for p in sorted(flow.glob("telegraf/*/*.bin"))]
        for p in sorted(flow.glob("softflowd-hex/*.hex")):
            for line in p.read_text().split():
                try:
                    out.append(bytes.fromhex(line))
                except ValueError:
                    continue
        # IOS XR exports (v9 / IPFIX with options) as pmacct's tests captured them: UDP payloads
        # read with the project's own pcap reader, the first few of each capture
        from netrosetta.collectors.flow.pcap import read_pcap
        for p in sorted(flow.glob("pmacct/*/traffic-00.pcap")):
            out += [pkt.payload for _, pkt in zip(range(24), read_pcap(p), strict=False)]
    # small built inputs so a clone without ../shared still fuzzes every version
    out.append(struct.pack("!HHIIIIBBH", 5, 0, 0, 0, 0, 0, 0, 0, 0))
    out.append(struct.pack("!HHIIII", 9, 1, 0, 0, 0, 0) + struct.pack("!HHHHHHHH", 0, 16, 256, 2, 1, 4, 2, 4))
    tset = struct.pack("!HHHH", 2, 16, 300, 2) + struct.pack("!HHHH", 1, 8, 4, 1)
    dset = struct.pack("!HH", 300, 13) + struct.pack("!QB", 1234, 6)
    out.append(struct.pack("!HHIII", 10, 16 + len(tset) + len(dset), 0, 2, 0) + tset + dset)
    out.append(struct.pack("!IIIIII", 5, 1, 0x7F000001, 0, 1, 0))
    return out


SFLOW = 1005  # sFlow's version is a 32-bit 5; told apart from NetFlow v5's 16-bit 5


def _version(p: bytes) -> int:
    return SFLOW if p[:4] == b"\0\0\0\x05" else int.from_bytes(p[:2], "big")


def _target(version: int) -> tuple[Callable[[bytes], None], list[bytes]]:
    seeds = [s for s in _corpus() if len(s) >= 4 and _version(s) == version]

    def fn(data: bytes) -> None:
        dec = FlowDecoder()
        for s in seeds[:8]:  # bounded: each mutant replays these to learn templates
            dec.decode_one(s, "192.0.2.1", 2055)
        dec.decode_one(data, "192.0.2.1", 2055)

    return fn, seeds


def _run(name: str, version: int) -> None:
    fn, seeds = _target(version)
    assert seeds, f"no seeds for {name}"
    harness.assert_clean(harness.fuzz(name, fn, seeds))


def test_fuzz_netflow_v5() -> None:
    _run("flow-v5", 5)


def test_fuzz_netflow_v9() -> None:
    _run("flow-v9", 9)


def test_fuzz_ipfix() -> None:
    _run("flow-ipfix", 10)


def test_fuzz_sflow() -> None:
    _run("flow-sflow", SFLOW)
