"""The sample recordings in collectors/gnmi/testcases translate to the values they carry."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from types import SimpleNamespace

from netrosetta.cli.gnmi import load_gnmi
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate

CASES = Path(__file__).resolve().parents[2] / "collectors" / "gnmi" / "testcases"


@functools.cache
def _rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


def _run(name: str, platform: str | None = None):   # type: ignore[no-untyped-def]
    ns = SimpleNamespace(gnmi=str(CASES / name), name=None, platform=platform, gnmi_models=None)
    ((ds, facts),) = load_gnmi(ns)   # type: ignore[arg-type]
    return translate(ds, facts, _rulebooks())


def _points(t) -> dict:   # type: ignore[no-untyped-def,type-arg]
    return {(m.name, frozenset(a.items())): v for _s, m, a, v in t.iter_points()}


def test_srlinux_native_counters() -> None:
    raw = json.loads((CASES / "srlinux-native-proto.json").read_text())
    want = {}
    for r in raw:
        n = r["update"]
        name = n["prefix"]["elem"][0]["key"]["name"]
        for u in n["update"]:
            if u["path"]["elem"][0]["name"] == "in-octets":
                want[name] = int(u["val"]["uintVal"])
    t = _run("srlinux-native-proto.json", "nokia_srl")
    assert t.matched.chosen.id == "nokia/srlinux-gnmi"
    pts = _points(t)
    for name, v in want.items():
        key = ("hw.network.io", frozenset({("network.interface.name", name), ("network.io.direction", "receive")}))
        assert pts[key] == v


def test_openconfig_json_ietf_uint64_strings() -> None:
    raw = json.loads((CASES / "openconfig-json-ietf.json").read_text())
    want = {}
    for r in raw:
        for u in r.get("update", {}).get("update", []):
            elems = [e["name"] for e in u["path"]["elem"]]
            if elems[-1] == "counters":
                blob = json.loads(base64.b64decode(u["val"]["jsonIetfVal"]))
                assert isinstance(blob["out-octets"], str)     # RFC 7951: uint64 as a string
                want[u["path"]["elem"][1]["key"]["name"]] = int(blob["out-octets"])
    pts = _points(_run("openconfig-json-ietf.json"))
    assert want
    for name, v in want.items():
        key = ("hw.network.io", frozenset({("network.interface.name", name), ("network.io.direction", "transmit")}))
        assert pts[key] == v
