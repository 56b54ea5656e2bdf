"""The wire fast path gives exactly what the protobuf path gives, and never raises on bad bytes."""

from __future__ import annotations

import pytest

from netrosetta.collectors.gnmi.flatten import flatten_response
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.encode import notifications
from netrosetta.collectors.gnmi.proto import gnmi_pb2
from netrosetta.collectors.gnmi.recording import load_responses
from netrosetta.collectors.gnmi.wire import flatten_bytes
from netrosetta.yang_catalog import default_catalog
from tests.conftest import need_shared


def _same(data: bytes) -> None:
    cat = default_catalog()
    a = flatten_bytes(data, cat)
    b = flatten_response(gnmi_pb2.SubscribeResponse.FromString(data), cat)
    assert (a.leaves, a.deletes, a.sync, a.errors) == (b.leaves, b.deletes, b.sync, b.errors)


def test_corpus_responses_identical() -> None:
    root = need_shared("corpus", "gnmi")
    n = 0
    for f in sorted(root.glob("*/responses.json")):
        for r in load_responses(f):
            _same(r.SerializeToString())
            n += 1
    assert n > 20


@pytest.mark.parametrize("encoding", [gnmi_pb2.PROTO, gnmi_pb2.JSON_IETF, gnmi_pb2.JSON])
def test_generated_streams_identical(encoding: int) -> None:
    dev = SimDevice.generated(3, native="srl")
    dev.interfaces[0].description = "uplink \u00e9"   # non-ASCII string_val
    for n in notifications(dev.leaves(), encoding):
        _same(gnmi_pb2.SubscribeResponse(update=n).SerializeToString())


def test_negative_ints_floats_bools() -> None:
    n = gnmi_pb2.Notification(timestamp=-1)
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="a")]), val=gnmi_pb2.TypedValue(int_val=-5))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="b")]), val=gnmi_pb2.TypedValue(float_val=1.5))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="c")]), val=gnmi_pb2.TypedValue(bool_val=True))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="d")]), val=gnmi_pb2.TypedValue(double_val=-2.25))
    data = gnmi_pb2.SubscribeResponse(update=n).SerializeToString()
    _same(data)
    assert [lf.value for lf in flatten_bytes(data).leaves] == [-5, 1.5, True, -2.25]


def test_garbage_is_an_error_not_an_exception() -> None:
    good = gnmi_pb2.SubscribeResponse(update=gnmi_pb2.Notification(timestamp=1, update=[gnmi_pb2.Update(
        path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="x")]), val=gnmi_pb2.TypedValue(uint_val=300))]))
    data = good.SerializeToString()
    for bad in (data[:-1], data[:5], b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", b"\xff" * 8):
        flat = flatten_bytes(bad)
        assert flat.leaves == [] or flat.errors == []   # decoded something consistent, or said why
    assert flatten_bytes(b"\x0a\x05\x22\x03\x0a\x01").errors


def test_bytes_values() -> None:
    import struct

    n = gnmi_pb2.Notification(timestamp=3)
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="power")]),
                 val=gnmi_pb2.TypedValue(bytes_val=struct.pack(">f", 2.5)))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="blob")]),
                 val=gnmi_pb2.TypedValue(bytes_val=b"\x01\x02\x03"))
    data = gnmi_pb2.SubscribeResponse(update=n).SerializeToString()
    _same(data)
    assert [lf.value for lf in flatten_bytes(data).leaves] == [2.5, b"\x01\x02\x03"]
    bad = gnmi_pb2.Notification(update=[gnmi_pb2.Update(
        path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="components"), gnmi_pb2.PathElem(name="component"),
                                 gnmi_pb2.PathElem(name="power-supply"), gnmi_pb2.PathElem(name="state"),
                                 gnmi_pb2.PathElem(name="capacity")]),
        val=gnmi_pb2.TypedValue(bytes_val=b"\x01\x02"))])   # ieeefloat32 of the wrong length
    flat = flatten_bytes(gnmi_pb2.SubscribeResponse(update=bad).SerializeToString(), default_catalog())
    assert flat.leaves == [] and flat.errors
