"""gNMI normalisation units: paths, value quirks, flattening, the Juniper header, selector, catalog."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from netrosetta.collectors.gnmi.dataset import GnmiDataset
from netrosetta.collectors.gnmi.flatten import Flat, Leaf, flatten_notification, flatten_response
from netrosetta.collectors.gnmi.juniper import decode_header
from netrosetta.collectors.gnmi.proto import gnmi_pb2
from netrosetta.collectors.gnmi.values import to_number
from netrosetta.engine.pathgrammar import canonical_origin, format_path, parse_path
from netrosetta.engine.selectors.base import BindContext, SelectorError
from netrosetta.engine.selectors.gnmi import GnmiColumn, GnmiSelector
from netrosetta.errors import NetrosettaError
from netrosetta.yang_catalog import YangCatalog, compile_catalog, default_catalog
from tests.conftest import need_shared


def P(*elems: str | tuple[str, dict[str, str]], origin: str = "") -> gnmi_pb2.Path:
    p = gnmi_pb2.Path(origin=origin)
    for e in elems:
        name, keys = (e, {}) if isinstance(e, str) else e
        p.elem.add(name=name, key=keys)
    return p


def flat(n: gnmi_pb2.Notification) -> Flat:
    out = Flat()
    flatten_notification(n, out, default_catalog())
    return out


def test_parse_path_keys_origin_and_escapes() -> None:
    assert parse_path("oc-platform:/components/component[name=*]") == (
        "oc-platform", [("components", {}), ("component", {"name": "*"})])
    assert parse_path("/openconfig-platform:components/component") == (
        "", [("openconfig-platform:components", {}), ("component", {})])
    assert parse_path("/interface[name=ethernet-1/1]/statistics")[1][0] == ("interface", {"name": "ethernet-1/1"})
    assert parse_path(r"/a[k=x\]y]/b")[1][0] == ("a", {"k": "x]y"})
    with pytest.raises(NetrosettaError, match="unterminated"):
        parse_path("/a[k=v")


def test_origins_are_canonical() -> None:
    for o in ("", "openconfig", "openconfig-interfaces", "oc-if"):
        assert canonical_origin(o) == "openconfig"
    assert canonical_origin("Cisco-IOS-XR-infra-statsd-oper") == "Cisco-IOS-XR-infra-statsd-oper"


def test_origin_in_prefix_path_or_module_qualified_element_all_agree() -> None:
    val = gnmi_pb2.TypedValue(uint_val=7)
    forms = [
        gnmi_pb2.Notification(prefix=P("interfaces", origin="openconfig"),
                              update=[gnmi_pb2.Update(path=P(("interface", {"name": "e1"}), "state", "mtu"), val=val)]),
        gnmi_pb2.Notification(update=[gnmi_pb2.Update(
            path=P("interfaces", ("interface", {"name": "e1"}), "state", "mtu", origin="openconfig-interfaces"),
            val=val)]),
        gnmi_pb2.Notification(update=[gnmi_pb2.Update(
            path=P("openconfig-interfaces:interfaces", ("oc-if:interface", {"name": "e1"}), "state", "mtu"),
            val=val)]),
    ]
    got = {flat(n).leaves[0][:4] for n in forms}
    assert got == {("openconfig", "/interfaces/interface/state/mtu", (("interface", "name", "e1"),), 7)}


def test_value_quirks() -> None:
    n = gnmi_pb2.Notification(timestamp=5, prefix=P("interfaces", ("interface", {"name": "e1"}), "state"))
    n.update.add(path=P("counters", "in-octets"), val=gnmi_pb2.TypedValue(string_val="18446744073709551615"))
    n.update.add(path=P("mtu"), val=gnmi_pb2.TypedValue(decimal_val=gnmi_pb2.Decimal64(digits=15005, precision=1)))
    blob = {"counters": {"out-octets": "12", "openconfig-interfaces:in-errors": "3"}, "oper-status": "UP"}
    n.update.add(path=P(), val=gnmi_pb2.TypedValue(json_ietf_val=json.dumps(blob).encode()))
    leaves = {lf.path: lf.value for lf in flat(n).leaves}
    st = "/interfaces/interface/state"
    assert leaves[f"{st}/counters/in-octets"] == 2**64 - 1        # counter64 sent as string_val
    assert leaves[f"{st}/mtu"] == 1500.5                           # decimal64
    assert leaves[f"{st}/counters/out-octets"] == 12               # RFC 7951 uint64 string
    assert leaves[f"{st}/counters/in-errors"] == 3                 # module-qualified member
    assert leaves[f"{st}/oper-status"] == "UP"


def test_ieeefloat32_and_identityref_in_json_ietf() -> None:
    cap = base64.b64encode(struct.pack(">f", 715.0)).decode()
    n = gnmi_pb2.Notification(update=[gnmi_pb2.Update(
        path=P("components", ("component", {"name": "PSU1"}), "power-supply", "state"),
        val=gnmi_pb2.TypedValue(json_ietf_val=json.dumps({"openconfig-platform-psu:capacity": cap}).encode()))])
    (lf,) = flat(n).leaves
    assert lf.value == 715.0
    n2 = gnmi_pb2.Notification(update=[gnmi_pb2.Update(
        path=P("interfaces", ("interface", {"name": "e1"}), "ethernet", "state", "port-speed"),
        val=gnmi_pb2.TypedValue(string_val="openconfig-if-ethernet:SPEED_10GB"))])
    assert flat(n2).leaves[0].value == "SPEED_10GB"


def test_json_lists_get_their_keys_from_the_catalog() -> None:
    blob = {"interface": [{"name": "e1", "state": {"mtu": 9000}}, {"name": "e2", "state": {"mtu": 1500}}]}
    n = gnmi_pb2.Notification(update=[gnmi_pb2.Update(path=P("interfaces"),
                                                      val=gnmi_pb2.TypedValue(json_val=json.dumps(blob).encode()))])
    got = {(lf.path, lf.keys, lf.value) for lf in flat(n).leaves}
    assert ("/interfaces/interface/state/mtu", (("interface", "name", "e2"),), 1500) in got


def test_key_only_elements_attach_to_the_previous_element() -> None:
    n = gnmi_pb2.Notification(prefix=P("junos", "qmon-sw", ("", {"name": "xe-0/0/0:0"})))
    n.update.add(path=P("egress", ("", {"queue-number": "0"}), "bytes"), val=gnmi_pb2.TypedValue(uint_val=9))
    (lf,) = flat(n).leaves
    assert lf.keys == (("qmon-sw", "name", "xe-0/0/0:0"), ("egress", "queue-number", "0"))
    assert lf.path == "/junos/qmon-sw/egress/bytes"


def test_malformed_updates_are_counted_not_fatal() -> None:
    n = gnmi_pb2.Notification(prefix=P("system"))
    n.update.add(path=P("a"))                                               # no value
    n.update.add(path=P("b"), val=gnmi_pb2.TypedValue(json_ietf_val=b"{nope"))
    n.update.add(path=P(("", {"k": "v"})), val=gnmi_pb2.TypedValue(uint_val=1))   # orphan key-only element
    n.update.add(path=P("ok"), val=gnmi_pb2.TypedValue(uint_val=1))
    out = flat(n)
    assert [lf.path for lf in out.leaves] == ["/system/ok"]
    assert len(out.errors) == 3 and all("update /" in e for e in out.errors)


def test_deletes_and_sync() -> None:
    r = gnmi_pb2.SubscribeResponse(update=gnmi_pb2.Notification(
        timestamp=9, prefix=P("interfaces"), delete=[P(("interface", {"name": "e1"}))]))
    (d,) = flatten_response(r).deletes
    assert (d.path, d.keys, d.ts) == ("/interfaces/interface", (("interface", "name", "e1"),), 9)
    assert flatten_response(gnmi_pb2.SubscribeResponse(sync_response=True)).sync


def test_juniper_header_fields() -> None:
    # field numbers from Juniper's published extension proto; built here by hand
    def s(field: int, text: str) -> bytes:
        b = text.encode()
        return bytes([field << 3 | 2, len(b)]) + b
    msg = s(1, "re0") + bytes([2 << 3, 3]) + bytes([3 << 3, 1]) + s(7, "picd") + bytes([8 << 3, 0x96, 0x01])
    h = decode_header(msg)
    assert h == {"system_id": "re0", "component_id": 3, "sub_component_id": 1, "component": "picd",
                 "sequence_number": 150}


def test_format_path_round_trip() -> None:
    keys = (("interface", "name", "e1/1"), ("subinterface", "index", "0"))
    text = format_path("openconfig", "/interfaces/interface/subinterfaces/subinterface/state/mtu", keys)
    assert text == "/interfaces/interface[name=e1/1]/subinterfaces/subinterface[index=0]/state/mtu"


def test_to_number() -> None:
    assert to_number("42") == 42 and to_number(" -3.5 ") == -3.5 and to_number("NA") is None
    assert to_number(True) == 1 and to_number("nan") is None


# ---- selector + dataset -------------------------------------------------------------------

def test_selector_keys_from_catalog_filters_and_aligned_fields() -> None:
    ctx = BindContext()
    sel = GnmiSelector(path="/interfaces/interface/subinterfaces/subinterface[index=0]/state/counters/in-octets")
    ref = sel.value_ref(ctx)
    assert isinstance(ref, GnmiColumn)
    assert ref.keys == (("interface", "name"), ("subinterface", "index"))
    assert ref.filters == (("subinterface", "index", "0"),)
    assert sel.key_position("name", ctx) == 0 and sel.key_position("subinterface/index", ctx) == 1
    parent = sel.field_ref("/interfaces/interface/state/description", ctx)
    assert parent.align == 1
    sibling = sel.field_ref("out-octets", ctx)
    assert sibling.path.endswith("/state/counters/out-octets") and sibling.align is None
    up = sel.field_ref("../oper-status", ctx)
    assert up.path == "/interfaces/interface/subinterfaces/subinterface/state/oper-status"
    with pytest.raises(SelectorError, match="no key"):
        sel.key_position("nope", ctx)


def test_ambiguous_key_needs_element() -> None:
    sel = GnmiSelector(path="/components/component/properties/property/state/value")
    with pytest.raises(SelectorError, match="ambiguous"):
        sel.key_position("name", BindContext())
    assert sel.key_position("property/name", BindContext()) == 1


def test_dataset_columns_numeric_strings_timestamps_and_juniper_components() -> None:
    ds = GnmiDataset("d")
    k1 = (("interface", "name", "ae0"),)
    path = "/interfaces/interface/state/counters/in-octets"
    ds.apply([Leaf("openconfig", path, k1, "100", 5, {"component_id": 0}),
              Leaf("openconfig", path, k1, "250", 7, {"component_id": 1})])   # two line cards
    ref = GnmiSelector(path=path).value_ref(BindContext())
    assert dict(ds.column(ref)) == {("ae0",): 350}
    assert ds.timestamp(ref, ("ae0",)) == 7
    assert ds.unused() == []


# ---- catalog -----------------------------------------------------------------------------

def test_committed_catalog_types() -> None:
    cat = default_catalog()
    assert cat is not None
    octets = cat.leaf("/interfaces/interface/state/counters/in-octets")
    assert octets and octets.instrument == "counter" and octets.type == "counter64"
    temp = cat.leaf("/components/component/state/temperature/instant")
    assert temp and temp.instrument == "gauge" and temp.units == "celsius"
    assert cat.list_keys("/components/component") == ("name",)


def test_compile_catalog_with_pyang() -> None:
    oc = need_shared("yang", "openconfig")
    data = compile_catalog([oc / "openconfig-interfaces.yang", need_shared("yang", "ietf")],
                           modules=["openconfig-interfaces"])
    cat = YangCatalog(data)
    info = cat.leaf("/interfaces/interface/state/counters/out-octets")
    assert info and info.instrument == "counter" and info.module == "openconfig-interfaces"
    assert cat.leaf("/interfaces/interface/state/oper-status").instrument is None   # type: ignore[union-attr]
    with pytest.raises(NetrosettaError):
        compile_catalog([oc / "no-such.yang"])


def test_deprecated_path_element_strings() -> None:
    n = gnmi_pb2.Notification(update=[gnmi_pb2.Update(
        path=gnmi_pb2.Path(element=["interfaces", "interface[name=e1]", "state", "mtu"]),
        val=gnmi_pb2.TypedValue(uint_val=1500))])
    (lf,) = flat(n).leaves
    assert (lf.path, lf.keys, lf.value) == ("/interfaces/interface/state/mtu", (("interface", "name", "e1"),), 1500)


def test_repeated_translation_follows_the_stream() -> None:
    """The engine keeps row plans between translations of a device (stable_columns): values,
    timestamps, new rows and deleted rows must still follow the stream."""
    from netrosetta.collectors.gnmi.flatten import Delete
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import Translator

    tr = Translator(RulebookSet.from_paths().resolve("openconfig/gnmi"))
    ds = GnmiDataset("r1")
    path = "/interfaces/interface/state/counters/in-octets"

    def leaf(name: str, v: int, ts: int) -> Leaf:
        return Leaf("openconfig", path, (("interface", "name", name),), v, ts)

    def points() -> dict[str, tuple[int, int]]:
        m = tr.translate(ds, DeviceFacts(name="r1")).scopes[0].metrics["hw.network.io"]
        assert m.timestamps is not None
        return {dict(a)["network.interface.name"]: (v, ts) for (a, v), ts in zip(m.points, m.timestamps, strict=True)}

    ds.apply([leaf("e1", 10, 1), leaf("e2", 20, 1)])
    assert points() == {"e1": (10, 1), "e2": (20, 1)}
    ds.apply([leaf("e1", 11, 2), leaf("e2", 21, 2)])
    assert points() == {"e1": (11, 2), "e2": (21, 2)}
    ds.apply([leaf("e3", 30, 3)])
    assert points() == {"e1": (11, 2), "e2": (21, 2), "e3": (30, 3)}
    ds.apply([], [Delete("openconfig", "/interfaces/interface", (("interface", "name", "e2"),), 4)])
    assert points() == {"e1": (11, 2), "e3": (30, 3)}
    ds.apply([leaf("e1", 11, 5)])                    # a new sample of an unchanged counter
    assert points() == {"e1": (11, 5), "e3": (30, 3)}


def test_bulk_timestamps() -> None:
    ds = GnmiDataset("d")
    path = "/interfaces/interface/state/counters/in-octets"
    ds.apply([Leaf("openconfig", path, (("interface", "name", "e1"),), 1, 42)])
    ref = GnmiSelector(path=path).value_ref(BindContext())
    assert dict(ds.timestamps(ref)) == {("e1",): 42} and ds.timestamp(ref, ("e1",)) == 42


@pytest.mark.parametrize(("native", "rid"), [("srl", "nokia/srlinux-gnmi"), ("eos", "arista/eos-gnmi"),
                                             ("xr", "cisco/iosxr-gnmi"), ("xe", "cisco/iosxe-gnmi"),
                                             ("sros", "nokia/sros-gnmi")])
def test_openconfig_and_native_trees_make_one_series(native: str, rid: str) -> None:
    """A target streaming both trees: the vendor rulebook's native rules make the same series as
    the OpenConfig rules it extends; the OpenConfig point (the earlier rule) is kept, once."""
    from collections import Counter

    from netrosetta.collectors.gnmi.lab.device import SimDevice
    from netrosetta.collectors.gnmi.lab.encode import notifications
    from netrosetta.collectors.gnmi.proto import gnmi_pb2
    from netrosetta.collectors.gnmi.wire import flatten_bytes
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import DUPLICATE, Translator
    from netrosetta.yang_catalog import default_catalog

    ds = GnmiDataset("d")
    for n in notifications(SimDevice.generated(3, native=native).leaves(), gnmi_pb2.PROTO):
        ds.apply(flatten_bytes(gnmi_pb2.SubscribeResponse(update=n).SerializeToString(), default_catalog()))
    t = Translator(RulebookSet.from_paths().resolve(rid)).translate(ds, DeviceFacts(name="d"))
    series = Counter((m.name, frozenset(a)) for sc in t.scopes for m in sc.metrics.values() for a, _v in m.points)
    assert series and max(series.values()) == 1
    dropped = {name: st.skipped[DUPLICATE] for name, st in t.rule_stats.items() if st.skipped.get(DUPLICATE)}
    assert dropped and all(not name.startswith("oc-") for name in dropped) and set(dropped.values()) == {3}
    octets = {dict(a)["network.interface.name"]: v for sc in t.scopes for m in sc.metrics.values()
              if m.name == "hw.network.io" for a, v in m.points if dict(a)["network.io.direction"] == "receive"}
    oc = {k[0][2]: lf.value for lf in ds.leaves() if lf.path.endswith("/state/counters/in-octets")
          and lf.origin == "openconfig" for k in [lf.keys]}
    assert octets == oc
