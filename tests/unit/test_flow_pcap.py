"""Capture reading: the vectorised reader agrees with the per-packet one, pcapng is read the same,
and non-flow or damaged captures are counted, not fatal."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.pcap import read_pcap, read_pcap_bulk
from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.sources import datagrams_from_file, decode_capture
from netrosetta.errors import NetrosettaError
from tests.conftest import need_shared

CAPTURES = ["100-IPFIXv10-CISCO", "101-NFv9-CISCO-cust_primitives", "102-NFv9-CISCO-f2rd-pretag-sampling-reload",
            "104-IPFIXv10-IPv6-CISCO-sampling_option"]


def rows(b: FlowBatch) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in b.rows())


@pytest.mark.parametrize("name", CAPTURES)
def test_bulk_reader_matches_packet_reader(name: str) -> None:
    pcap = need_shared("corpus", "flow", "pmacct", name, "traffic-00.pcap")
    slow = list(read_pcap(pcap))
    bulk = read_pcap_bulk(pcap)
    assert [p.payload for p in slow] == [bulk.data[o:o + n] for o, n in zip(bulk.offs.tolist(), bulk.lens.tolist(),
                                                                             strict=True)]
    assert [p.sport for p in slow] == bulk.sport.tolist()
    assert [p.ts_ns for p in slow] == bulk.ts_ns.tolist()
    a = FlowDecoder().decode(datagrams_from_file(pcap)).flows
    b = FlowBatch.concat([r.flows for r in decode_capture(FlowDecoder(), pcap, chunk=7)])
    assert len(a) and rows(a) == rows(b)


def to_pcapng(pcap: bytes) -> bytes:
    """Rewrite a little-endian microsecond pcap as pcapng (SHB, IDB, one EPB per packet)."""
    def block(btype: int, body: bytes) -> bytes:
        body += bytes((-len(body)) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    linktype = struct.unpack_from("<I", pcap, 20)[0]
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", linktype, 0, 65535))]
    off = 24
    while off + 16 <= len(pcap):
        sec, usec, incl, orig = struct.unpack_from("<IIII", pcap, off)
        ticks = sec * 1_000_000 + usec
        out.append(block(6, struct.pack("<IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, incl, orig)
                         + pcap[off + 16:off + 16 + incl]))
        off += 16 + incl
    return b"".join(out)


def test_pcapng_reads_like_pcap(tmp_path: Path) -> None:
    pcap = need_shared("corpus", "flow", "pmacct", CAPTURES[0], "traffic-00.pcap")
    ng = tmp_path / "capture.pcapng"
    ng.write_bytes(to_pcapng(pcap.read_bytes()))
    assert [(p.payload, p.src, p.ts_ns) for p in read_pcap(pcap)] == [(p.payload, p.src, p.ts_ns)
                                                                        for p in read_pcap(ng)]
    b = FlowBatch.concat([r.flows for r in decode_capture(FlowDecoder(), ng)])
    assert len(b) == 12


def test_truncated_and_foreign_files(tmp_path: Path) -> None:
    pcap = need_shared("corpus", "flow", "pmacct", CAPTURES[1], "traffic-00.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(pcap[: len(pcap) - 50])  # last record cut short
    assert len(list(read_pcap(cut))) == 39 and len(read_pcap_bulk(cut).offs) == 39
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all, no magic here")
    with pytest.raises(NetrosettaError, match="not a pcap"):
        list(read_pcap(junk))
