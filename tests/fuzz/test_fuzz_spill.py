"""Fuzz the spill's reading side: a spill folder as a crash, a hand edit or a damaged disk may
leave it (any file name ending in .pb, any content), read the way delivery reads it: Spill()
scans and parses names, peek() reads the oldest, the request is parsed and labelled, pop() removes
it, and the orphan scan counts the folder. Only protobuf's DecodeError may escape (delivery
catches it and counts the batch dropped).

Seeds are built here: the corpus holds no OTLP requests (spill files are our own format).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.service.delivery import batch_label
from netrosetta.service.spill import Spill, content_key, find_orphans
from tests.fuzz import harness
from tests.reliability.test_delivery_identities import make_batch


def spill_input(name: str, content: bytes) -> bytes:
    raw = name.encode("latin-1")
    return bytes([len(raw)]) + raw + content


def read_like_delivery(data: bytes) -> None:
    n = data[0] % 64 if data else 0
    name = data[1:1 + n].decode("latin-1").replace("/", "_").replace("\0", "_")
    if name in ("", ".", ".."):
        name = "x"
    content = data[1 + n:]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "out"
        d.mkdir()
        (d / (name if name.endswith(".pb") else name + ".pb")).write_bytes(content)
        find_orphans(Path(tmp), set())
        sp = Spill(d, 1 << 20)
        assert len(sp) + sp.bad_names == 1, "the file is neither a batch nor reported"
        got = sp.peek()
        if got is None:
            assert sp.bad_names == 1, "a batch the spill listed but cannot read"
            return
        b, raw = got
        try:
            batch_label(ExportMetricsServiceRequest.FromString(raw))
        finally:
            assert sp.pop(b.seq) == b
            assert len(sp) == 0 and sp.bytes == 0


def seeds() -> list[bytes]:
    out = []
    for i in range(3):
        label = f"dev{i}@{1000 + i}"
        body = make_batch(i, 20 * i).SerializeToString()
        out.append(spill_input(f"{i:016d}-1-{content_key(label)}.pb", body))
        out.append(spill_input(f"{i:016d}-1.pb", body))        # a file from before batches had keys
    out.append(spill_input("0000000000000007-142-00ff00ff00ff00ff.pb", b"\x0a\x00"))
    return out


def test_fuzz_spill_files() -> None:
    rep = harness.fuzz("spill-file", read_like_delivery, seeds(), allowed=(DecodeError,))
    harness.assert_clean(rep)
