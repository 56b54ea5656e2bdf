"""The wire fast path gives exactly what the protobuf path gives, and never raises on bad bytes."""

from __future__ import annotations

import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from netrosetta.collectors.gnmi import wire
from netrosetta.collectors.gnmi.dataset import GnmiDataset, slots_of
from netrosetta.collectors.gnmi.flatten import Flat, flatten_response
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.encode import notifications
from netrosetta.collectors.gnmi.proto import gnmi_ext_pb2, gnmi_pb2
from netrosetta.collectors.gnmi.recording import load_responses
from netrosetta.collectors.gnmi.wire import flatten_bytes
from netrosetta.paths import SHARED
from netrosetta.yang_catalog import default_catalog
from tests.conftest import need_shared


def _same(data: bytes) -> None:
    cat = default_catalog()
    a = flatten_bytes(data, cat)
    b = flatten_response(gnmi_pb2.SubscribeResponse.FromString(data), cat)
    # repr: as strict as ==, and also tells 1 from 1.0 from True, and a NaN equals a NaN
    assert repr((a.leaves, a.deletes, a.sync, a.errors)) == repr((b.leaves, b.deletes, b.sync, b.errors))


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


def test_corrupt_trailing_extension_is_a_counted_error_on_both_paths() -> None:
    """Issue 12: ``0a002a02ffff`` (an empty notification, then an Extension of two bytes that
    are a truncated varint) made the wire reader raise DecodeError."""
    data = bytes.fromhex("0a002a02ffff")
    with pytest.raises(DecodeError):
        gnmi_pb2.SubscribeResponse.FromString(data)         # protobuf rejects it too
    flat = flatten_bytes(data)
    assert flat.leaves == [] and len(flat.errors) == 1 and "undecodable" in flat.errors[0]
    # the same tail after a real notification: the whole response is one malformed message
    good = _counters([1, 2, 3, 4, 5, 6], "UP", 0)
    flat = flatten_bytes(good + bytes.fromhex("2a02ffff"), default_catalog())
    assert flat.leaves == [] and len(flat.errors) == 1
    ds = GnmiDataset()
    ds.apply(flat)
    assert ds.malformed == 1 and len(ds) == 0


def test_overlong_varints_keep_64_bits_as_protobuf_does() -> None:
    """A 10-byte varint whose last byte is above 1 overflows uint64: protobuf keeps the low 64 bits
    (found by the corrupted-bytes property test); so do the wire reader's loop and helpers."""
    n = gnmi_pb2.Notification(timestamp=5)
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="u")]), val=gnmi_pb2.TypedValue(uint_val=2**63))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="i")]), val=gnmi_pb2.TypedValue(int_val=-(2**63)))
    data = bytearray(gnmi_pb2.SubscribeResponse(update=n).SerializeToString())
    for at in [k for k in range(len(data)) if data[k] == 0x01 and data[k - 1] == 0x80]:
        bad = bytearray(data)
        bad[at] = 0x7F          # bits 64-69 set: beyond uint64
        _same(bytes(bad))
    assert [lf.value for lf in flatten_bytes(bytes(data)).leaves] == [2**63, -(2**63)]


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


# ---- property: any notification of the common shapes decodes the same on both paths ---------

_names = st.sampled_from(["interfaces", "interface", "state", "counters", "in-octets", "oc-if:mtu", "x"])
_keys = st.dictionaries(st.sampled_from(["name", "index"]), st.text(max_size=6), max_size=2)
_elem = st.builds(lambda n, k: gnmi_pb2.PathElem(name=n, key=k), _names, _keys)
_path = st.builds(lambda es, o: gnmi_pb2.Path(elem=es, origin=o), st.lists(_elem, max_size=4),
                  st.sampled_from(["", "openconfig", "eos_native"]))
_val = st.one_of(
    st.builds(lambda v: gnmi_pb2.TypedValue(uint_val=v), st.integers(0, 2**64 - 1)),
    st.builds(lambda v: gnmi_pb2.TypedValue(int_val=v), st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda v: gnmi_pb2.TypedValue(double_val=v), st.floats(allow_nan=False)),
    st.builds(lambda v: gnmi_pb2.TypedValue(float_val=v), st.floats(width=32, allow_nan=False)),
    st.builds(lambda v: gnmi_pb2.TypedValue(bool_val=v), st.booleans()),
    st.builds(lambda v: gnmi_pb2.TypedValue(string_val=v), st.text(max_size=20)),
    st.builds(lambda v: gnmi_pb2.TypedValue(bytes_val=v), st.binary(max_size=6)),
    st.builds(lambda d, p: gnmi_pb2.TypedValue(decimal_val=gnmi_pb2.Decimal64(digits=d, precision=p)),
              st.integers(-(10**6), 10**6), st.integers(0, 4)),
    st.just(gnmi_pb2.TypedValue()),
)
_update = st.builds(lambda p, v: gnmi_pb2.Update(path=p, val=v), _path, _val)


@settings(max_examples=150, deadline=None)
@given(prefix=st.one_of(st.none(), _path), updates=st.lists(_update, max_size=5),
       ts=st.integers(-(2**63), 2**63 - 1))
def test_property_wire_equals_message_path(prefix: gnmi_pb2.Path | None, updates: list[gnmi_pb2.Update],
                                           ts: int) -> None:
    n = gnmi_pb2.Notification(timestamp=ts, update=updates)
    if prefix is not None:
        n.prefix.CopyFrom(prefix)
    for _ in range(3):      # the second time teaches a template, the third reads by it
        _same(gnmi_pb2.SubscribeResponse(update=n).SerializeToString())
    for u in n.update:      # new values in the same shape
        if u.val.WhichOneof("value") == "uint_val":
            u.val.uint_val = (u.val.uint_val * 7 + 300) % 2**64
    _same(gnmi_pb2.SubscribeResponse(update=n).SerializeToString())


# ---- templates: a prefix's notification that repeats is read by one pattern match ------------

def _counters(values: list[int], oper: str, ts: int, comp: int | None = None, ifname: str = "eth1") -> bytes:
    """One interface's state: uint counters and a string, the way a device sends every sample."""
    n = gnmi_pb2.Notification(timestamp=ts, prefix=gnmi_pb2.Path(origin="openconfig", elem=[
        gnmi_pb2.PathElem(name="interfaces"), gnmi_pb2.PathElem(name="interface", key={"name": ifname}),
        gnmi_pb2.PathElem(name="state")]))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="oper-status")]),
                 val=gnmi_pb2.TypedValue(string_val=oper))
    for k, v in enumerate(values):
        n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="counters"),
                                              gnmi_pb2.PathElem(name=f"c{k}")]),
                     val=gnmi_pb2.TypedValue(uint_val=v))
    resp = gnmi_pb2.SubscribeResponse(update=n)
    if comp is not None:    # Juniper header: component_id (field 2, varint)
        resp.extension.add().registered_ext.CopyFrom(
            gnmi_ext_pb2.RegisteredExtension(id=1, msg=bytes([0x10, comp])))
    return resp.SerializeToString()


def _same_with_slots(data: bytes) -> Flat:
    _same(data)
    flat = flatten_bytes(data, default_catalog())
    assert flat.slots == slots_of(flat.leaves)    # the decoder's slots are the Dataset's own
    return flat


def _templates(ifname: str) -> int:
    """Templates learned for the prefix of one interface's notifications."""
    return sum(len(p.templates) for p in wire._prefixes(default_catalog()).values()
               if any(k[2] == ifname for k in p.keys))


def test_template_values_across_varint_lengths_and_changes() -> None:
    # every varint length from 1 to 10 bytes, lengths changing between samples
    edges = [0, 1, 127, 128, 16383, 16384, 2**21, 2**28 - 1, 2**35, 2**42, 2**49, 2**56 - 1, 2**56,
             2**63, 2**64 - 1]
    for s in range(12):
        vals = [edges[(s + k) % len(edges)] for k in range(9)]
        _same_with_slots(_counters(vals, "UP", 1_700_000_000_000_000_000 + s, ifname="varint"))
    # _same_with_slots reads each response twice: the first sample teaches the template
    assert _templates("varint") == 1
    # the string changes: read update by update, then a second template, values still exact
    for s in range(4):
        flat = _same_with_slots(_counters([5 * s] * 9, "DOWN", 1_700_000_000_000_000_100 + s, ifname="varint"))
        assert [lf.value for lf in flat.leaves] == ["DOWN"] + [5 * s] * 9
    assert _templates("varint") == 2
    # back to UP: the first template still reads it (nothing new learned)
    _same_with_slots(_counters([7] * 9, "UP", 2, ifname="varint"))
    assert _templates("varint") == 2
    # a counter appears: the shape is new again
    _same_with_slots(_counters([1] * 10, "DOWN", 3, ifname="varint"))
    assert _templates("varint") == 3


def test_template_with_juniper_components() -> None:
    for s in range(5):
        for comp in (1, 2):
            flat = _same_with_slots(_counters([s * 1000 + comp] * 8, "UP", s, comp=comp))
            assert all(sl.endswith(f"#{comp}.0") for sl in flat.slots or [])


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.lists(st.integers(0, 2**64 - 1), min_size=6, max_size=6), min_size=3, max_size=6),
       pos=st.integers(0, 10_000), byte=st.integers(0, 255))
def test_property_templates_and_corrupted_bytes(values: list[list[int]], pos: int, byte: int) -> None:
    """A sequence of samples of one shape (templates form and are used) and then a sample with one
    byte changed: the wire path equals the protobuf path whenever protobuf can read the bytes."""
    for s, vals in enumerate(values):
        _same_with_slots(_counters(vals, "UP", s))
    data = bytearray(_counters(values[-1], "UP", 99))
    data[pos % len(data)] = byte
    try:
        ref = flatten_response(gnmi_pb2.SubscribeResponse.FromString(bytes(data)), default_catalog())
    except DecodeError:
        flatten_bytes(bytes(data), default_catalog())     # must not raise
        return
    got = flatten_bytes(bytes(data), default_catalog())
    assert repr((got.leaves, got.deletes, got.sync, got.errors)) == repr((ref.leaves, ref.deletes, ref.sync,
                                                                            ref.errors))


def test_notification_length_past_the_bytes_is_an_error_not_an_overflow() -> None:
    """Fuzzer find: a notification length of 2^64-1 reached the learned template's
    ``fullmatch(b, i, end)`` and raised OverflowError (an index no C size holds)."""
    for s in range(3):
        _same_with_slots(_counters([1, 2, 3, 4, 5, 6], "UP", s, ifname="ovf"))
    data = _counters([1, 2, 3, 4, 5, 6], "UP", 9, ifname="ovf")
    body = data[2:] if data[1] < 0x80 else data[3:]
    for length in (b"\xff" * 9 + b"\x01", b"\xff" * 8 + b"\x7f", bytes([len(body) + 1])):
        flat = flatten_bytes(b"\x0a" + length + body, default_catalog())
        assert flat.leaves == [] and len(flat.errors) == 1


def _dataset_view(ds: GnmiDataset) -> list[tuple[object, ...]]:
    return sorted((lf.origin, lf.path, lf.keys, repr(lf.value), lf.ts, repr(lf.ext)) for lf in ds.leaves())


def test_dataset_takes_wire_columns_like_leaves() -> None:
    """The Dataset fed the wire reader's columns holds what it holds when fed Leaf tuples."""
    cat = default_catalog()
    data = [_counters([s, s * 300, 2**40 + s], "UP" if s % 3 else "DOWN", s, comp=s % 2 or None)
            for s in range(6)]
    root = SHARED / "corpus" / "gnmi"
    if root.is_dir():
        data += [r.SerializeToString() for f in sorted(root.glob("*/responses.json")) for r in load_responses(f)]
    by_columns, by_leaves = GnmiDataset("a"), GnmiDataset("b")
    for d in data:
        flat = flatten_bytes(d, cat)
        ended = by_columns.apply(flat)
        ref = flatten_response(gnmi_pb2.SubscribeResponse.FromString(d), cat)
        assert ended == by_leaves.apply(ref.leaves, ref.deletes, ref.sync)
        assert _dataset_view(by_columns) == _dataset_view(by_leaves)
    assert len(by_columns) == len(by_leaves) >= 8      # 4 leaves x (no line card, line card 1)


def test_atomic_notifications_stay_on_the_wire_path_and_learn_nothing() -> None:
    """``atomic`` (after the updates) is read and ignored as the message path does; such a
    notification is not templated, so repeating it never compiles patterns over and over."""
    for s in range(5):
        resp = gnmi_pb2.SubscribeResponse.FromString(_counters([s] * 4, "UP", s, ifname="atomic"))
        resp.update.atomic = True
        data = resp.SerializeToString()
        _same_with_slots(data)
        assert wire._fast(data, default_catalog()).count() == 5     # no fallback to protobuf
    assert _templates("atomic") == 0
