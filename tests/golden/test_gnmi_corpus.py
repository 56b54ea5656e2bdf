"""Every recorded gNMI case in ../shared/corpus/gnmi, replayed and checked against Telegraf's decode.

1. Replay: the simulator sends the recorded SubscribeResponses over a real socket; what the
   collector decodes equals the decode of the file itself (transport changes nothing).
2. Values: every field Telegraf decoded (expected.out) is found among our leaves at the same device
   timestamp under the same leaf name with the same value. Where the two disagree the raw response
   decides; the cases are listed in DISAGREEMENTS with the reason.
3. Unified output: the OpenConfig rulebook's data points for the cases it covers carry the
   numbers Telegraf decoded for those leaves.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
from typing import Any

import pytest

from netrosetta.collectors.gnmi.config import GnmiTarget
from netrosetta.collectors.gnmi.dataset import GnmiDataset
from netrosetta.collectors.gnmi.flatten import Leaf, flatten_response
from netrosetta.collectors.gnmi.lab.simulator import SimConfig, SimServer
from netrosetta.collectors.gnmi.recording import load_responses
from netrosetta.collectors.gnmi.session import Batch, run_target
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from netrosetta.yang_catalog import default_catalog
from tests.conftest import SHARED, need_shared

pytestmark = pytest.mark.golden

CASES = sorted(p.name for p in (SHARED / "corpus" / "gnmi").iterdir()) if (SHARED / "corpus" / "gnmi").is_dir() \
    else ["(corpus absent)"]

# Where Telegraf's decode and ours differ, the raw response decides (see _same):
# - issue_15046 jsonIetfVal {"instant":"35.000000"}: decimal64 in openconfig-platform, and RFC 7951
#   puts decimals in JSON strings. Telegraf keeps the string; we give the number the model defines.
# - issue_15046 "alarm-severity":"openconfig-alarm-types:MINOR": an identityref; we drop the module
#   prefix of identity values (rulebooks map MINOR, whatever module qualified it).
# - issue_12831 decimalVal {digits: 204, precision: 1}: Telegraf 20.399999618530273 (a float32
#   detour), we 20.4 - the exact decimal the device sent; equal within float32 precision.
# - float_val leaves (issue_17154 36.66): a float32 on the wire; both widen it exactly.


# ---- an independent reading of Telegraf's line protocol ------------------------------------

_FIELD = re.compile(r'([^=,]+)=("(?:[^"\\]|\\.)*"|[^,]+)')


def parse_line_protocol(text: str) -> list[tuple[str, dict[str, str], dict[str, Any], int]]:
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        # measurement,tags fields ts  (tags may contain spaces only escaped; none in the corpus)
        head, rest = _split_unescaped_space(line)
        fields_s, ts_s = rest.rsplit(" ", 1)
        meas, *tag_parts = _split_commas(head)
        tags = dict(t.split("=", 1) for t in tag_parts)
        fields: dict[str, Any] = {}
        for m in _FIELD.finditer(fields_s):
            k, v = m.group(1).lstrip(","), m.group(2)
            fields[k] = _lp_value(v)
        out.append((meas, tags, fields, int(ts_s)))
    return out


def _split_unescaped_space(line: str) -> tuple[str, str]:
    in_q = False
    for i, c in enumerate(line):
        if c == '"':
            in_q = not in_q
        if c == " " and not in_q and line[i - 1] != "\\":
            return line[:i], line[i + 1:]
    raise ValueError(line)


def _split_commas(head: str) -> list[str]:
    return re.split(r"(?<!\\),", head)


def _lp_value(v: str) -> Any:
    if v.startswith('"'):
        return re.sub(r"\\(.)", r"\1", v[1:-1])
    if v in ("true", "false"):
        return v == "true"
    if v[-1] in "iu":
        return int(v[:-1])
    return float(v)


def _norm(name: str) -> str:
    tail = name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail.replace("-", "_").lower()


def _same(expected: Any, ours: Any) -> bool:
    if isinstance(expected, bool) or isinstance(ours, bool):
        return expected == ours
    if isinstance(expected, int | float) and isinstance(ours, int | float):
        return math.isclose(float(expected), float(ours), rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(expected, str) and isinstance(ours, int | float):
        try:
            return math.isclose(float(expected), float(ours), rel_tol=1e-6)
        except ValueError:
            return False
    if isinstance(expected, str) and isinstance(ours, str):
        return expected == ours or expected.rsplit(":", 1)[-1] == ours
    return False


def decode_file(case: str) -> tuple[list[Leaf], list[Any]]:
    path = need_shared("corpus", "gnmi", case, "responses.json")
    leaves: list[Leaf] = []
    deletes: list[Any] = []
    for r in load_responses(path):
        flat = flatten_response(r, default_catalog())
        assert not flat.errors, flat.errors
        leaves.extend(flat.leaves)
        deletes.extend(flat.deletes)
    return leaves, deletes


@pytest.mark.parametrize("case", CASES)
async def test_replay_through_simulator_equals_file_decode(case: str) -> None:
    path = need_shared("corpus", "gnmi", case, "responses.json")
    recorded = load_responses(path)
    srv = SimServer(SimConfig(replay=recorded)).start()
    try:
        t = GnmiTarget.model_validate({"name": case, "address": srv.address, "tls": {"enabled": False},
                                       "mode": "once", "subscriptions": [{"path": "/"}]})
        got: list[Batch] = []
        await asyncio.wait_for(run_target(t, got.append), 10)
    finally:
        srv.stop()
    leaves = [lf for b in got for lf in b.leaves]
    deletes = [d for b in got for d in b.deletes]
    want_leaves, want_deletes = decode_file(case)
    assert leaves == want_leaves
    assert deletes == want_deletes
    assert got[-1].sync


@pytest.mark.parametrize("case", CASES)
def test_every_telegraf_value_is_in_our_decode(case: str) -> None:
    expected = parse_line_protocol(need_shared("corpus", "gnmi", case, "expected.out").read_text())
    leaves, deletes = decode_file(case)
    by_ts: dict[int, list[Leaf]] = {}
    for lf in leaves:
        by_ts.setdefault(lf.ts, []).append(lf)
    checked = 0
    for _meas, tags, fields, ts in expected:
        for name, value in fields.items():
            if name == "operation" and value == "delete":
                # Telegraf's delete marker: our Delete carries the same keys at the same time
                assert any(d.ts == ts and set(tags.values()) & {v for _e, _k, v in d.keys} for d in deletes)
                checked += 1
                continue
            cands = [lf for lf in by_ts.get(ts, []) if _norm(lf.path) == _norm(name)]
            assert cands, f"{case}: no leaf for Telegraf field {name} at {ts}"
            assert any(_same(value, lf.value) for lf in cands), \
                f"{case}: {name}={value!r} but ours {[lf.value for lf in cands]}"
            checked += 1
    assert checked > 0


# ---- unified output against Telegraf's numbers ---------------------------------------------

@functools.cache
def _rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


def _translate(case: str) -> Any:
    ds = GnmiDataset(case)
    for r in load_responses(need_shared("corpus", "gnmi", case, "responses.json")):
        ds.apply(flatten_response(r, default_catalog()))
    return translate(ds, DeviceFacts(name=case), _rulebooks()), ds


def _points(t: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(m.name, frozenset(a.items())): v for _s, m, a, v in t.iter_points()}


def _tel(case: str) -> list[tuple[str, dict[str, str], dict[str, Any], int]]:
    return parse_line_protocol(need_shared("corpus", "gnmi", case, "expected.out").read_text())


def test_unified_platform_from_openconfig_components() -> None:
    t, _ = _translate("issue_12831")
    pts = _points(t)
    lines: dict[str, dict[str, Any]] = {}
    for _m, tags, f, _ts in _tel("issue_12831"):
        lines.setdefault(tags["component_name"], {}).update(f)
    for comp in ("CM-1", "AP-1", "LM-1"):
        tel = lines[comp]
        got = pts[("hw.temperature", frozenset({("hw.id", comp), ("hw.name", comp)}))]
        # Telegraf 20.399999618530273 (a float32 detour); raw decimal64 digits=204 precision=1 is 20.4
        assert math.isclose(got, tel["state/temperature/instant"], rel_tol=1e-6)
    cm = lines["CM-1"]
    ident = {("hw.id", "CM-1"), ("hw.name", "CM-1")}
    assert pts[("system.cpu.utilization", frozenset(ident))] == cm[
        "cpu/openconfig_platform_cpu:utilization/state/instant"] / 100
    assert pts[("system.memory.usage", frozenset(ident | {("system.memory.state", "used")}))] == \
        cm["state/memory/utilized"]
    assert pts[("system.memory.usage", frozenset(ident | {("system.memory.state", "free")}))] == \
        cm["state/memory/available"]
    assert pts[("system.memory.limit", frozenset(ident))] == \
        cm["state/memory/utilized"] + cm["state/memory/available"]
    for m in t.scopes[0].metrics.values():
        if m.points:
            assert set(m.timestamps or ()) == {1714598222912553000}   # device time kept


def test_unified_power_from_base64_ieeefloat32_in_json_ietf() -> None:
    t, _ = _translate("issue_15046")
    pts = _points(t)
    for _m, tags, f, _ts in _tel("issue_15046"):
        if "openconfig_platform_psu:output_power" in f:
            key = ("hw.power", frozenset({("hw.id", tags["name"]), ("hw.name", tags["name"]),
                                          ("hw.type", "power_supply")}))
            assert pts[key] == f["openconfig_platform_psu:output_power"]
        if "instant" in f:
            key = ("hw.temperature", frozenset({("hw.id", tags["name"]), ("hw.name", tags["name"])}))
            assert pts[key] == float(f["instant"])


def test_unified_interface_counters_with_prefix() -> None:
    t, ds = _translate("issue_14530")
    pts = _points(t)
    ((_m, tags, f, _ts),) = _tel("issue_14530")
    name = tags["name"]
    for metric, direction, field in (("hw.network.io", "receive", "in_octets"),
                                     ("hw.network.io", "transmit", "out_octets")):
        key = (metric, frozenset({("network.interface.name", name), ("network.io.direction", direction)}))
        assert pts[key] == f[field]
    assert {p for _o, p in ds.unused()} >= {"/interfaces/interface/state/counters/in-pkts"}


def test_latest_sample_wins_and_keeps_its_timestamp() -> None:
    t, _ = _translate("issue_14946")
    mem = t.scopes[0].metrics["system.memory.usage"]
    tel = [(f, ts) for m, _t, f, ts in _tel("issue_14946") if m == "gnmi_sys_memory" and "used" in f]
    last_value, last_ts = tel[-1][0]["used"], tel[-1][1]
    assert mem.points[0][1] == last_value and mem.timestamps == [last_ts]


def test_delete_ends_the_series() -> None:
    _leaves, deletes = decode_file("issue_17622")
    (d,) = deletes
    ds = GnmiDataset("x")
    keys = (("network-instance", "name", "default"), ("ipv4-entry", "prefix", "192.168.170.170/32"))
    other = (("network-instance", "name", "default"), ("ipv4-entry", "prefix", "10.0.0.0/8"))
    leaf_path = d.path + "/state/packets-forwarded"
    ds.apply([Leaf("openconfig", leaf_path, keys, 5, 1), Leaf("openconfig", leaf_path, other, 7, 1)])
    ended = ds.apply([], [d])
    assert [lf.keys for lf in ended] == [keys]
    assert len(ds) == 1



def _translate_as(case: str, platform: str) -> Any:
    from netrosetta.cli.gnmi import load_gnmi

    ns = type("A", (), {"gnmi": str(need_shared("corpus", "gnmi", case, "responses.json")),
                        "name": case, "platform": platform, "gnmi_models": None})()
    ((ds, facts),) = load_gnmi(ns)   # type: ignore[arg-type]
    t = translate(ds, facts, _rulebooks())
    return t


def test_juniper_optics_per_lane_from_header_tagged_updates() -> None:
    t = _translate_as("issue_17154", "juniper_junos")
    assert t.matched.chosen.id == "juniper/junos-gnmi"
    pts = _points(t)
    n = 0
    for _m, tags, f, _ts in _tel("issue_17154"):
        if "lane_number" not in tags:
            continue
        lane = {("network.interface.name", tags["name"]), ("netrosetta.transceiver.lane", tags["lane_number"])}
        assert pts[("netrosetta.transceiver.rx.power", frozenset(lane))] == pytest.approx(
            f["lanediags/lane/lane_laser_receiver_power_dbm"], rel=1e-6)
        assert pts[("netrosetta.transceiver.tx.power", frozenset(lane))] == pytest.approx(
            f["lanediags/lane/lane_laser_output_power_dbm"], rel=1e-6)
        assert pts[("netrosetta.transceiver.bias.current", frozenset(lane))] == pytest.approx(
            f["lanediags/lane/lane_laser_bias_current"] / 1000, rel=1e-6)   # mA -> A
        n += 1
    assert n == 4


def test_juniper_linecard_memory() -> None:
    t = _translate_as("issue_13052", "juniper_junos")
    pts = _points(t)
    tel = {tags["/components/component/properties/property/name"]: (tags["name"], f)
           for _m, tags, f, _ts in _tel("issue_13052")}
    comp, f = tel["mem-util-kernel-size"]
    ident = {("hw.id", comp), ("hw.name", comp)}
    assert pts[("system.memory.limit", frozenset(ident))] == f["component/properties/property/state/value"]
    comp, f = tel["mem-util-kernel-bytes-allocated"]
    assert pts[("system.memory.usage", frozenset(ident | {("system.memory.state", "used")}))] == \
        f["component/properties/property/state/value"]


@pytest.mark.parametrize("platform", ["arista_eos", "cisco_xe", "cisco_xr", "juniper_junos", "nokia_srl",
                                      "nokia_sros"])
def test_vendor_rulebooks_keep_openconfig_rules_working(platform: str) -> None:
    # vendor rulebooks extend the OpenConfig mixins; their own naming must not break inherited rules
    t = _translate_as("issue_14530", platform)
    assert t.matched.chosen.id.endswith("-gnmi")
    ((_m, tags, f, _ts),) = _tel("issue_14530")
    pts = _points(t)
    key = ("hw.network.io", frozenset({("network.interface.name", tags["name"]), ("network.io.direction", "receive")}))
    assert pts[key] == f["in_octets"]
    assert sum(t.skipped().values()) == 0


def test_rulebook_chosen_by_capabilities_models() -> None:
    from types import SimpleNamespace

    from netrosetta.cli.gnmi import load_gnmi
    from netrosetta.engine.matching import match_rulebook

    ns = SimpleNamespace(gnmi=str(need_shared("corpus", "gnmi", "issue_14530", "responses.json")), name=None,
                         platform=None, gnmi_models="openconfig-interfaces,Cisco-IOS-XR-infra-statsd-oper")
    ((_ds, facts),) = load_gnmi(ns)   # type: ignore[arg-type]
    facts.gnmi_organizations = ["Cisco Systems, Inc."]   # a live session takes it from Capabilities
    m = match_rulebook(_rulebooks(), facts, "gnmi")
    assert m.chosen is not None and m.chosen.id == "cisco/iosxr-gnmi"
    assert "Cisco-IOS-XR-infra-statsd-oper" in m.reason
    ns.gnmi_models = "openconfig-interfaces"
    ((_ds, facts),) = load_gnmi(ns)   # type: ignore[arg-type]
    m = match_rulebook(_rulebooks(), facts, "gnmi")
    assert m.chosen is not None and m.chosen.id == "openconfig/gnmi" and m.fell_back
