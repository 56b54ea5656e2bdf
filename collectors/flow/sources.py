"""Datagrams from files: .pcap/.pcapng captures, raw .bin datagrams, .hex lines.

Captures keep each datagram's real source address and port (templates are keyed by them); .bin
and .hex carry no addressing, so they are attributed to ``exporter`` (default 0.0.0.0:0).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from netrosetta.collectors.flow.decoder import Datagram, DecodeResult, FlowDecoder
from netrosetta.collectors.flow.pcap import PcapStats, read_hex, read_pcap, read_pcap_bulk
from netrosetta.errors import NetrosettaError

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
               b"\x0a\x0d\x0d\x0a")
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")


def kind_of(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(path)) from None
    if head in PCAP_MAGICS:
        return "pcap"
    if path.suffix.lower() in CAPTURE_SUFFIXES:  # named a capture but is not one: never a datagram
        raise NetrosettaError("not a pcap/pcapng capture (no libpcap or pcapng magic)", file=str(path))
    if path.suffix.lower() in (".hex", ".txt"):
        return "hex"
    return "bin"


def datagrams_from_file(path: str | Path, exporter: str = "0.0.0.0", port: int = 0,
                        pcap_stats: PcapStats | None = None) -> Iterator[Datagram]:
    p = Path(path)
    kind = kind_of(p)
    if kind == "pcap":
        for pkt in read_pcap(p, pcap_stats):
            yield Datagram(pkt.payload, pkt.src, pkt.sport, pkt.ts_ns)
    elif kind == "hex":
        for _, data in read_hex(p):
            yield Datagram(data, exporter, port, 0)
    else:
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(p)) from None
        yield Datagram(data, exporter, port, int(p.stat().st_mtime_ns))


def decode_capture(dec: FlowDecoder, path: str | Path, chunk: int = 16384,
                   stats: PcapStats | None = None) -> Iterator[DecodeResult]:
    """A capture through the vectorised path, ``chunk`` datagrams per decode call."""
    import numpy as np

    from netrosetta.collectors.flow import bulk
    from netrosetta.collectors.flow.record import addr_to_str

    cap = read_pcap_bulk(path)
    if stats is not None:
        stats.packets += cap.packets
        stats.udp += len(cap.offs)
        stats.skipped += cap.packets - len(cap.offs)
    if not len(cap.offs):
        return
    # exporters change rarely from one datagram to the next: resolve runs, not datagrams
    change = np.ones(len(cap.offs), dtype=bool)
    change[1:] = (cap.src[1:] != cap.src[:-1]).any(axis=1) | (cap.sport[1:] != cap.sport[:-1])
    starts = np.nonzero(change)[0]
    run_ids = np.array([dec.exporter_id(addr_to_str(bytes(cap.src[i]))) for i in starts.tolist()],
                       dtype=np.int64)
    exp_ids = np.repeat(run_ids, np.diff(np.append(starts, len(cap.offs))))
    for s in range(0, len(cap.offs), chunk):
        e = s + chunk
        yield bulk.decode_buffer(dec, cap.data, cap.offs[s:e], cap.lens[s:e], exp_ids[s:e], cap.sport[s:e],
                                 cap.ts_ns[s:e])
