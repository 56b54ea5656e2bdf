"""Interface description (and type where the source names an IANA type) from the NETCONF, CLI and
API rulebooks, on the NAPALM drivers' real recordings: every interface's description is what the
recording's own text says, read here with the standard library (json / ElementTree / a regex over
the CLI text), never the translator's output; an empty or absent description gives no attribute.
Our own fixtures with descriptions are checked by test_napalm_fixtures.py (hand-written
expectations)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netrosetta.cli.record import guess_kind
from netrosetta.collectors import registry
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import rulebooks

pytestmark = pytest.mark.golden

DESC, TYPE, NAME = "netrosetta.interface.description", "netrosetta.interface.type", "network.interface.name"
INTERFACE_METRICS = ("hw.network.io", "hw.network.packets", "hw.errors", "system.network.packet.dropped",
                     "hw.network.up")
# Arista's `hardware` kinds and the IANAifType names EOS's own IF-MIB gives those interfaces
EOS_IANA = {"ethernet": "ethernetCsmacd", "portChannel": "ieee8023adLag", "loopback": "softwareLoopback"}


def _described(case: Path, platform: str) -> dict[str, tuple[str | None, str | None]]:
    """interface -> (description, type) over every interface metric; one interface must not carry
    two descriptions."""
    rec = Recording.open(case)
    kind = registry.recording_of(guess_kind(rec.path))
    src = kind.replay(rec, platform, rulebooks(), None)
    t = translate(kind.to_engine(src), engine_facts(src), rulebooks())
    out: dict[str, tuple[str | None, str | None]] = {}
    for _s, m, attrs, _v in t.iter_points():
        if m.name not in INTERFACE_METRICS:
            continue
        got = (attrs.get(DESC), attrs.get(TYPE))
        name = str(attrs[NAME])
        assert out.setdefault(name, got) == got, f"{name}: two descriptions {out[name]} / {got}"
    assert out, f"{case}: no interface points"
    return out


def test_eos_api_description_and_type() -> None:
    case = need_shared("corpus", "napalm", "eos", "test_get_interfaces_counters", "normal")
    ifs = json.loads((case / "show_interfaces.json").read_text())["interfaces"]
    got = _described(case, "arista_eos")
    for name, (desc, kind) in got.items():
        row = ifs[name]
        assert desc == (row.get("description", "").strip() or None), name
        assert kind == EOS_IANA.get(row.get("hardware", "")), name
    assert any(d for d, _ in got.values()), "the recording describes its interfaces"


def test_junos_netconf_description() -> None:
    case = need_shared("corpus", "napalm", "junos", "test_get_interfaces_counters", "normal")
    root = ET.parse(case / "get-interface-information.xml").getroot()
    want = {}
    for tag in ("physical-interface", "logical-interface"):
        for el in root.iter(tag):
            want[(el.findtext("name") or "").strip()] = (el.findtext("description") or "").strip() or None
    for name, (desc, kind) in _described(case, "juniper_junos").items():
        assert desc == want[name], name
        assert kind is None, f"{name}: Junos gives no IANA type name"


def test_ios_cli_description() -> None:
    case = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    text = (case / "show_interfaces.txt").read_text()
    want: dict[str, str | None] = {}
    current = None
    for line in text.splitlines():
        head = re.match(r"^(\S+) is .*, line protocol is ", line)
        if head:
            current = head.group(1)
            want[current] = None
        elif current and line.strip().startswith("Description:"):
            want[current] = line.split("Description:", 1)[1].strip() or None
    got = _described(case, "cisco_ios")
    assert set(got) <= set(want)
    for name, (desc, kind) in got.items():
        assert desc == want[name], name
        assert kind is None, name


def test_iosxr_netconf_description() -> None:
    case = need_shared("corpus", "napalm", "iosxr_netconf", "test_get_interfaces_counters", "normal")
    ns = "{http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper}"
    root = ET.parse(case / "pfi-im-cmd-oper_interfaces.xml").getroot()
    want = {(el.findtext(f"{ns}interface-name") or "").strip(): (el.findtext(f"{ns}description") or "").strip() or None
            for el in root.iter(f"{ns}interface")}
    for name, (desc, _kind) in _described(case, "cisco_xr").items():
        assert desc == want[name], name
