"""NETCONF recordings from NAPALM's test data, translated through our rulebooks, against NAPALM's
normalised expected_result.json (get_interfaces_counters, get_environment).

Where NAPALM marks a value unavailable (-1) our output must have no point at all. Where NAPALM and
the raw reply disagree, the test says which the raw data supports (see XR_TOTAL_AS_UNICAST).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.netconf import dataset as ncd
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from tests.conftest import need_shared

pytestmark = pytest.mark.golden
MB = 1048576

# --- shared helpers (imported by the API and CLI golden tests) ----------------------------------

COUNTER_KEYS = {
    ("hw.network.io", "receive", None): "rx_octets", ("hw.network.io", "transmit", None): "tx_octets",
    ("hw.errors", "receive", None): "rx_errors", ("hw.errors", "transmit", None): "tx_errors",
    ("system.network.packet.dropped", "receive", None): "rx_discards",
    ("system.network.packet.dropped", "transmit", None): "tx_discards",
}
for _d, _p in (("receive", "rx"), ("transmit", "tx")):
    for _c in ("unicast", "multicast", "broadcast"):
        COUNTER_KEYS[("hw.network.packets", _d, _c)] = f"{_p}_{_c}_packets"


@functools.lru_cache(maxsize=1)
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()      # loading every rulebook takes seconds: once per session


def counters(t: DeviceTranslation) -> dict[str, dict[str, float]]:
    """Unified interface counters in NAPALM's get_interfaces_counters shape."""
    out: dict[str, dict[str, float]] = {}
    for _scope, m, attrs, value in t.iter_points():
        key = COUNTER_KEYS.get((m.name, attrs.get("network.io.direction"), attrs.get("netrosetta.packet.cast")))
        if key is None:
            continue
        row = out.setdefault(attrs["network.interface.name"], {})
        assert key not in row, f"two points for {attrs['network.interface.name']} {key}"
        row[key] = value
    return out


def environment(t: DeviceTranslation) -> dict[str, Any]:
    """Unified CPU (ratio), memory (bytes) and temperatures keyed like NAPALM's get_environment."""
    env: dict[str, Any] = {"cpu": {}, "temperature": {}, "memory_limit": {}, "memory_used": {},
                           "fans": {}, "power": {}, "power_output": {}, "limits": {}}
    for _scope, m, attrs, value in t.iter_points():
        if m.name == "system.cpu.utilization":
            env["cpu"][attrs["hw.id"]] = value
        elif m.name == "hw.temperature":
            env["temperature"][attrs["hw.name"]] = value
        elif m.name == "system.memory.limit":
            env["memory_limit"][attrs["hw.id"]] = value
        elif m.name == "system.memory.usage" and attrs.get("system.memory.state") == "used":
            env["memory_used"][attrs["hw.id"]] = value
        elif m.name == "hw.status" and attrs.get("hw.state") == "ok":
            # NAPALM's status flag is "the component is OK"
            kind = {"fan": "fans", "power_supply": "power"}[attrs["hw.type"]]
            env[kind][attrs["hw.name"]] = bool(value)
        elif m.name == "hw.temperature.limit":
            env["limits"][(attrs["hw.name"], attrs["hw.limit_type"])] = value
        elif m.name == "hw.power":
            env["power_output"][attrs["hw.name"]] = value
    return env


def check_counters(ours: dict[str, dict[str, float]], expected: dict[str, dict[str, int]],
                   exceptions: dict[tuple[str, str], Any] | None = None) -> None:
    """Every value NAPALM has is ours; every -1 is absent; ``exceptions`` are documented disagreements
    ((interface, key) -> the value the raw reply supports, or None for absent)."""
    exceptions = exceptions or {}
    problems = []
    for ifname, want in expected.items():
        got = ours.get(ifname, {})
        for key, value in want.items():
            if (ifname, key) in exceptions:
                exp = exceptions[(ifname, key)]
                if got.get(key) != exp:
                    problems.append(f"{ifname} {key}: {got.get(key)} != raw-supported {exp}")
            elif value == -1:
                if key in got:
                    problems.append(f"{ifname} {key}: NAPALM says unavailable but we have {got[key]}")
            elif got.get(key) != value:
                problems.append(f"{ifname} {key}: {got.get(key)} != NAPALM {value}")
    extra = set(ours) - set(expected)
    assert not extra, f"interfaces NAPALM does not list: {sorted(extra)[:5]}"
    assert not problems, "\n".join(problems[:30])


def approx(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- NETCONF --------------------------------------------------------------------------------------

def _translate(case: Path, platform: str) -> DeviceTranslation:
    src = ncd.from_recording(Recording.open(case), platform)
    t = translate(ncd.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None, t.matched
    return t


def _napalm(case: Path) -> Any:
    return json.loads((case / "expected_result.json").read_text())


def test_junos_interface_counters() -> None:
    case = need_shared("corpus", "napalm", "junos", "test_get_interfaces_counters", "normal")
    check_counters(counters(_translate(case, "juniper_junos")), _napalm(case))


# IOS-XR reports packets-received as the total over all casts (Bundle-Ether1: 125 received of which
# 119 multicast); NAPALM copies the total into rx_unicast_packets. The raw data supports
# unicast = total - multicast - broadcast, which is what we emit (and what SNMP's ifHCInUcastPkts means).
def _xr_unicast_from_raw(case: Path) -> dict[tuple[str, str], Any]:
    from lxml import etree
    ns = {"x": "http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper"}
    root = etree.parse(str(case / "pfi-im-cmd-oper_interfaces.xml"))
    out: dict[tuple[str, str], Any] = {}
    for itf in root.iterfind(".//x:interface", ns):
        name = itf.findtext("x:interface-name", namespaces=ns)
        st = itf.find(".//x:full-interface-stats", ns)
        if st is None:
            st = itf.find(".//x:basic-interface-stats", ns)
        if st is None or name is None:
            continue

        def n(tag: str, st: Any = st) -> int:
            return int(st.findtext(f"x:{tag}", default="0", namespaces=ns))
        out[(name, "rx_unicast_packets")] = (n("packets-received") - n("multicast-packets-received")
                                             - n("broadcast-packets-received"))
        out[(name, "tx_unicast_packets")] = (n("packets-sent") - n("multicast-packets-sent")
                                             - n("broadcast-packets-sent"))
    return out


def test_iosxr_interface_counters() -> None:
    case = need_shared("corpus", "napalm", "iosxr_netconf", "test_get_interfaces_counters", "normal")
    expected = _napalm(case)
    raw_unicast = _xr_unicast_from_raw(case)
    # NAPALM's "unicast" is the total: check that reading of the raw data before overriding it
    for (ifname, key), _v in raw_unicast.items():
        if ifname in expected and expected[ifname][key] != -1:
            total_key = "packets-received" if key.startswith("rx") else "packets-sent"
            assert expected[ifname][key] >= raw_unicast[(ifname, key)], (ifname, total_key)
    check_counters(counters(_translate(case, "cisco_xr")), expected,
                   {k: v for k, v in raw_unicast.items() if k[0] in expected})


@pytest.mark.parametrize("case", ["normal", "ex9208", "mx10003", "virtualchassis", "issue1183_srx_multi_node"])
def test_junos_environment(case: str) -> None:
    folder = need_shared("corpus", "napalm", "junos", "test_get_environment", case)
    want = _napalm(folder)
    env = environment(_translate(folder, "juniper_junos"))
    assert {k: round(v * 100, 6) for k, v in env["cpu"].items()} == {
        k: float(v["%usage"]) for k, v in want["cpu"].items()}
    # NAPALM reports 0 degrees for sensors the reply lists as Absent with no reading (ex9208
    # "CB 1 ACBC"); the raw reply has no temperature there, so we emit none.
    from lxml import etree
    raw = etree.parse(str(folder / "get-environment-information.xml"))
    unread = {i.findtext("name").strip() for i in raw.iter("environment-item")
              if i.find("temperature") is None and i.findtext("name")}
    napalm = {k: v["temperature"] for k, v in want["temperature"].items() if k not in unread}
    assert all(want["temperature"][k]["temperature"] == 0 for k in set(want["temperature"]) & unread)
    assert env["temperature"] == napalm
    assert env["fans"] == {k: v["status"] for k, v in want["fans"].items()}
    # NAPALM's is_alert / is_critical: the reading at or above the yellow / red alarm level.
    # Junos gives thresholds per component ("Routing Engine", "FPC 2", "Chassis default"), which
    # we emit as they are; a sensor takes its component's (longest name prefix), else the default.
    limits = env["limits"]
    components = sorted({n for n, _t in limits}, key=len, reverse=True)
    checked = 0
    for name, w in want["temperature"].items():
        if name not in env["temperature"]:
            continue
        comp = next((c for c in components if name.startswith(c)), "Chassis default")
        if (comp, "high.degraded") not in limits:
            continue
        t = env["temperature"][name]
        assert (t >= limits[(comp, "high.degraded")]) == w["is_alert"], name
        assert (t >= limits[(comp, "high.critical")]) == w["is_critical"], name
        checked += 1
    assert checked
    # power: NAPALM names supplies from get-power-usage-information, the environment RPC may use
    # other names (ex9208 "PEM 0"); compare the ones both name
    both = set(env["power"]) & set(want["power"])
    assert both or case in ("ex9208", "mx10003")
    assert {k: env["power"][k] for k in both} == {k: want["power"][k]["status"] for k in both}
    # NAPALM keeps one routing engine (the last listed, overwriting the others) in whole MB,
    # rounded; ours is bytes per RE: dram-size MB x buffer-utilization %, unrounded
    last = list(env["memory_limit"])[-1]
    assert env["memory_limit"][last] == want["memory"]["available_ram"] * MB
    assert round(env["memory_used"][last] / MB) == want["memory"]["used_ram"]


@pytest.mark.parametrize("case", ["xrv9k", "ncs540-sysadmin-envmon-ui"])
def test_iosxr_environment(case: str) -> None:
    folder = need_shared("corpus", "napalm", "iosxr_netconf", "test_get_environment", case)
    want = _napalm(folder)
    env = environment(_translate(folder, "cisco_xr"))
    assert {k: round(v * 100, 6) for k, v in env["cpu"].items()} == {
        k: float(v["%usage"]) for k, v in want["cpu"].items()}
    # NAPALM keeps one temperature per location (its first sensor, keyed "0/RP0"); we keep every
    # sensor ("0/RP0-Control Sensor", ...): compare NAPALM's value with that location's first sensor
    firsts: dict[str, float] = {}
    for name, value in env["temperature"].items():
        firsts.setdefault(name.split("-", 1)[0], value)
    assert {k: firsts.get(k) for k in want["temperature"]} == {
        k: v["temperature"] for k, v in want["temperature"].items()}
    # NAPALM leaves out the power modules' sensors (0/PM0-Hotspot Temperature 39 on the NCS540);
    # the reply has them, so we keep them: each extra must be a reading present in the raw reply
    raw = (folder / "sysadmin-envmon-ui_environment.xml").read_text()
    for name, value in env["temperature"].items():
        assert f"<sensor>{name}</sensor>" in raw and f"<temperature_value>{value}<" in raw
    # NAPALM reports the route processor's memory only; we report every node
    rp = [n for n in env["memory_limit"] if "/RP" in n]
    assert len(rp) == 1
    assert env["memory_limit"][rp[0]] == want["memory"]["available_ram"]
    assert env["memory_used"][rp[0]] == want["memory"]["used_ram"]
