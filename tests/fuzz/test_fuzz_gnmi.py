"""Fuzz the gNMI SubscribeResponse readers: the wire reader (templates, columnar Flat, the
Dataset it feeds) and the protobuf path it falls back to. Any bytes must come back as leaves or
as counted errors; when protobuf can read the bytes, both readers must agree (a mismatch would be
a silently wrong number)."""

from __future__ import annotations

import os

from google.protobuf.message import DecodeError

from netrosetta.collectors.gnmi.dataset import GnmiDataset
from netrosetta.collectors.gnmi.flatten import flatten_response
from netrosetta.collectors.gnmi.fresh import FreshFilter
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.encode import notifications
from netrosetta.collectors.gnmi.proto import gnmi_ext_pb2, gnmi_pb2
from netrosetta.collectors.gnmi.recording import load_responses
from netrosetta.collectors.gnmi.wire import flatten_bytes
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from netrosetta.paths import SHARED
from netrosetta.yang_catalog import default_catalog
from tests.conftest import need_shared
from tests.fuzz import harness

CATALOG = default_catalog()


def _corpus_seeds() -> list[bytes]:
    """Every recorded response of ../shared/corpus/gnmi (absent: none here, a failure in CI)."""
    if not (SHARED / "corpus" / "gnmi").exists() and os.environ.get("CI", "").lower() != "true":
        return []
    root = need_shared("corpus", "gnmi")
    return [r.SerializeToString() for f in sorted(root.glob("*/responses.json")) for r in load_responses(f)]


def _sim_seeds() -> list[bytes]:
    """The simulator's samples in every encoding, twice (the second sample forms templates), a
    Juniper header extension, a delete, a sync, and issue 12's corrupt trailing extension."""
    out: list[bytes] = []
    for native in (None, "srl", "xr"):
        dev = SimDevice.generated(2, native=native)
        for enc in (gnmi_pb2.PROTO, gnmi_pb2.JSON_IETF, gnmi_pb2.JSON):
            for now in (1000.0, 1001.0):
                out += [gnmi_pb2.SubscribeResponse(update=n).SerializeToString()
                        for n in notifications(dev.leaves(now), enc)]
    note = gnmi_pb2.SubscribeResponse.FromString(out[0]).update
    hdr = gnmi_ext_pb2.Extension(registered_ext=gnmi_ext_pb2.RegisteredExtension(id=1, msg=b"\x10\x03\x18\x00"))
    out.append(gnmi_pb2.SubscribeResponse(update=note, extension=[hdr]).SerializeToString())
    gone = gnmi_pb2.Notification(timestamp=5, delete=[note.prefix])
    out.append(gnmi_pb2.SubscribeResponse(update=gone).SerializeToString())
    out.append(gnmi_pb2.SubscribeResponse(sync_response=True).SerializeToString())
    out.append(bytes.fromhex("0a002a02ffff"))
    return out


def _view(flat: object) -> str:
    return repr((flat.leaves, flat.deletes, flat.sync, flat.errors))   # type: ignore[attr-defined]


def wire_target(data: bytes) -> None:
    flat = flatten_bytes(data, CATALOG)
    try:
        ref = flatten_response(gnmi_pb2.SubscribeResponse.FromString(data), CATALOG)
    except DecodeError:
        ref = None
    ds = GnmiDataset("fuzz")
    ds.apply(flat)
    leaves = list(ds.leaves())
    assert len(leaves) <= flat.count()
    if ref is not None:
        assert _view(flat) == _view(ref), "wire reader and protobuf path disagree"


def protobuf_target(data: bytes) -> None:
    flat = flatten_response(gnmi_pb2.SubscribeResponse.FromString(data), CATALOG)
    GnmiDataset("fuzz").apply(flat)


class _Stream:
    """One device's state across inputs, as in the service: a Dataset fed response after response
    (deletes, line cards, templates), translated and filtered after each; renewed every 500
    inputs so it stays small."""

    facts = DeviceFacts(name="fuzz", gnmi_models=["openconfig-interfaces", "openconfig-platform"])

    def __init__(self) -> None:
        self.rulebooks = RulebookSet.from_paths()
        self.n = 0
        self.ds = GnmiDataset("fuzz")
        self.fresh = FreshFilter()

    def __call__(self, data: bytes) -> None:
        self.n += 1
        if self.n % 500 == 0:
            self.ds, self.fresh = GnmiDataset("fuzz"), FreshFilter()
        self.ds.apply(flatten_bytes(data, CATALOG))
        t = translate(self.ds, self.facts, self.rulebooks)
        self.fresh.take(t, True)


def test_fuzz_gnmi_wire() -> None:
    # per_input 5 s: learning a template for a corpus-sized notification (141 counters) compiles
    # one regex, ~0.3 s, ~1 s under tracemalloc, more on a loaded machine (regressions/542de341...)
    rep = harness.fuzz("gnmi-wire", wire_target, [*_sim_seeds(), *_corpus_seeds()], per_input=5.0)
    harness.assert_clean(rep)


def test_fuzz_gnmi_protobuf_path() -> None:
    rep = harness.fuzz("gnmi-protobuf", protobuf_target, [*_sim_seeds(), *_corpus_seeds()],
                       allowed=(DecodeError,))
    harness.assert_clean(rep)


def test_fuzz_gnmi_stream_translated() -> None:
    rep = harness.fuzz("gnmi-stream", _Stream(), [*_sim_seeds(), *_corpus_seeds()])
    harness.assert_clean(rep)
