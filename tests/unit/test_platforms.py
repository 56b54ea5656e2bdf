"""Platform definitions (mappings/platforms/*.yaml): every shipped one loads, and a broken one is
reported at its file:line:column by `netrosetta rulebook lint` — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.platforms import PLATFORMS_DIR, lint_platforms, platforms

SHIPPED = sorted(p.stem for p in PLATFORMS_DIR.glob("*.yaml"))


def test_every_shipped_definition_loads_and_lints_clean() -> None:
    assert not lint_platforms()
    defs = platforms()
    assert sorted(d.platform for d in defs.defs) == SHIPPED
    # what used to be Python maps is now read from the definitions
    assert defs.vendor("cisco_xe") == "Cisco" and defs.vendor("juniper_junos") == "Juniper"
    assert defs.for_api("eapi") == "arista_eos" and defs.for_api("nxapi") == "cisco_nxos"
    junos = defs.get("juniper_junos")
    assert junos is not None and junos.netconf.device_handler == "junos" and junos.netconf.strip_namespaces
    xr = defs.from_capabilities(["http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper?module=x"])
    assert xr is not None and xr.platform == "cisco_xr"
    assert [r.key() for r in xr.netconf.requests][:1] == ["pfi-im-cmd-oper_interfaces"]


@pytest.mark.parametrize(("text", "name", "where", "words"), [
    ("platform: acme_os\nvendor: Acme\ncli:\n  questoins: {}\n", "acme_os", (4, 3), "unknown key 'questoins'"),
    ("platform: acme_os\nvendor: Acme\ncli:\n  questions:\n    show cpu: []\n", "acme_os", (5, 5), "no spelling"),
    ("platform: acme_os\nvendor: Acme\n", "other_os", (1, 11), "named other_os.yaml"),
    ("platform: acme_os\nvendor: Acme\ncli:\n  questions:\n    show cpu:\n      - {command: show cpu, "
     "template: templates/acme/none.ttp}\n", "acme_os", (6, 39), "not found"),
    ("platform: acme_os\nvendor: [Acme\n", "acme_os", (3, 1), "invalid YAML"),
    ("platform: acme_os\n", "acme_os", (1, 1), "missing required key 'vendor'"),
])
def test_a_broken_definition_is_located(tmp_path: Path, text: str, name: str, where: tuple[int, int],
                                        words: str) -> None:
    (tmp_path / f"{name}.yaml").write_text(text)
    [problem] = lint_platforms(tmp_path)
    assert (problem.file, problem.line, problem.column) == (str(tmp_path / f"{name}.yaml"), *where)
    assert words in problem.message


def test_two_files_claiming_one_platform(tmp_path: Path) -> None:
    (tmp_path / "acme_os.yaml").write_text("platform: acme_os\nvendor: Acme\n")
    (tmp_path / "acme_x.yaml").write_text("platform: acme_x\nvendor: Acme\naliases: [acme_os]\n")
    [problem] = lint_platforms(tmp_path)
    assert "also defined by acme_os.yaml" in problem.message
