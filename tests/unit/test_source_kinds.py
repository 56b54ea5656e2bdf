"""The built-in source kinds as the registry lists them, and what it says about a kind it lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.cli.record import guess_kind
from netrosetta.collectors import registry
from netrosetta.errors import NetrosettaError
from netrosetta.service.sources import make_source


def test_builtin_kinds_and_their_selectors() -> None:
    assert [(k.name, k.selector) for k in registry.kinds()] == [
        ("snmp", "snmp"), ("gnmi", "gnmi"), ("netconf", "xpath"), ("api", "json"), ("cli", "cli")]
    assert [k.name for k in registry.recorded_kinds()] == ["netconf", "api", "cli"]


def test_an_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(NetrosettaError, match=r"unknown source kind 'telnet' \(known: snmp, gnmi, netconf, api, cli\)"):
        make_source("telnet", "telnet/r1", {"name": "r1"})
    with pytest.raises(NetrosettaError, match="has no recordings"):
        registry.recording_of("snmp")


@pytest.mark.parametrize("files, kind", [
    (["get-interface-information.xml", "expected_result.json"], "netconf"),
    (["show_interfaces.json", "server_capabilities.xml"], "api"),
    (["show_interface___json.txt"], "api"),
    (["show_interfaces.txt"], "cli"),
])
def test_a_folder_is_recognised_by_its_files(files: list[str], kind: str, tmp_path: Path) -> None:
    for name in files:
        (tmp_path / name).write_text("x")
    assert guess_kind(tmp_path) == kind
