"""Interface description (and type where the source names an IANA type) from the NETCONF, CLI and
API rulebooks, on real captures (NAPALM's recordings, ntc-templates' CLI captures): every
interface's description is what the capture's own text says, read here with the standard library
(json / ElementTree / a regex over the CLI text), never the translator's output; an empty or
absent description gives no attribute. Our own fixtures with descriptions are checked by
test_napalm_fixtures.py (hand-written expectations)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netrosetta.cli.record import guess_kind
from netrosetta.collectors import registry
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_cli_corpus import captures, from_capture
from tests.golden.test_netconf_napalm import rulebooks

pytestmark = pytest.mark.golden

DESC, TYPE, NAME = "netrosetta.interface.description", "netrosetta.interface.type", "network.interface.name"
INTERFACE_METRICS = ("hw.network.io", "hw.network.packets", "hw.errors", "system.network.packet.dropped",
                     "hw.network.up")
# Arista's `hardware` kinds and the IANAifType names EOS's own IF-MIB gives those interfaces
EOS_IANA = {"ethernet": "ethernetCsmacd", "portChannel": "ieee8023adLag", "loopback": "softwareLoopback"}


def _described(case: Path, platform: str, t: DeviceTranslation | None = None) -> dict[str, tuple[str | None, str | None]]:
    """interface -> (description, type) over every interface metric; one interface must not carry
    two descriptions."""
    if t is None:
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


def cli_descriptions(text: str) -> dict[str, list[str | None]]:
    """interface -> the description of each of its blocks in order (a capture may hold two devices'
    output, so one name can have two blocks): the text after `Description:` to the end of the line."""
    want: dict[str, list[str | None]] = {}
    current: str | None = None
    seen: str | None = None
    for line in [*text.splitlines(), "END is over"]:
        head = re.match(r"^(\S+) is ", line)
        if head:
            if current is not None:
                want.setdefault(current, []).append(seen)
            current, seen = head.group(1), None
        elif current and re.match(r"^\s+Description:", line):
            seen = line.split("Description:", 1)[1].strip() or None
    return want


def block(want: dict[str, list[str | None]], name: str) -> str | None:
    """The description of the block a translated name stands for: the engine keeps a name seen
    twice in one document as `name#1` (its second block)."""
    base, _, nth = name.partition("#")
    return want[base][int(nth or 0)]


def test_ios_cli_description() -> None:
    case = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    want = cli_descriptions((case / "show_interfaces.txt").read_text())
    got = _described(case, "cisco_ios")
    assert got
    for name, (desc, kind) in got.items():
        assert desc == block(want, name), name
        assert kind is None, name


def test_iosxr_netconf_description() -> None:
    case = need_shared("corpus", "napalm", "iosxr_netconf", "test_get_interfaces_counters", "normal")
    ns = "{http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper}"
    root = ET.parse(case / "pfi-im-cmd-oper_interfaces.xml").getroot()
    want = {(el.findtext(f"{ns}interface-name") or "").strip(): (el.findtext(f"{ns}description") or "").strip() or None
            for el in root.iter(f"{ns}interface")}
    for name, (desc, _kind) in _described(case, "cisco_xr").items():
        assert desc == want[name], name


# ntc-templates' real captures of `show interface(s)` for the CLI rulebooks that read it
NTC = {"cisco_ios": ("show_interfaces", "show interfaces"), "cisco_nxos": ("show_interface", "show interface"),
       "arista_eos": ("show_interfaces", "show interfaces"), "cisco_xr": ("show_interfaces", "show interfaces")}


@pytest.mark.parametrize("platform, capture", captures(NTC))
def test_cli_description_matches_the_capture(platform: str, capture: str) -> None:
    """ntc-templates' real captures: the description is the text of the interface's Description
    line (quotes included: EOS prints a description given in quotes with them, where ntc-templates'
    parse drops them)."""
    folder, command = NTC[platform]
    raw = need_shared("corpus", "cli", platform, folder, capture)
    want = cli_descriptions(raw.read_text())
    try:
        got = _described(raw, platform, from_capture(platform, command, raw))
    except AssertionError as exc:
        if "no interface points" in str(exc):
            pytest.skip("no interface counters in this capture")
        raise
    for name, (desc, kind) in got.items():
        assert desc == block(want, name), name
        assert kind is None, f"{name}: the CLI names no IANA type"
