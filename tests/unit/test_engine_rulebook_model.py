"""Rulebook loading: strict keys, file:line:col errors, extends/remove/override, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.engine.rulebooks import RulebookSet, load_rulebook
from netrosetta.engine.yaml_source import InvalidDocument, load_yaml_text
from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


BASE = """\
id: test/base
version: 1.0.0
abstract: true
rules:
  - name: in-octets
    metric: hw.network.io
    snmp: {value: 1.3.6.1.2.1.2.2.1.10}
    attributes: {network.interface.name: {index: 0}, network.io.direction: receive}
  - name: out-octets
    metric: hw.network.io
    snmp: {value: 1.3.6.1.2.1.2.2.1.16}
    attributes: {network.interface.name: {index: 0}, network.io.direction: transmit}
"""


def test_misspelled_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    p = write(tmp_path, "x.yaml", BASE.replace("    attributes: {network.interface.name: {index: 0}, network.io.direction: transmit}",
                                                "    atributes: {network.interface.name: {index: 0}}"))
    with pytest.raises(InvalidDocument) as exc:
        load_rulebook(p)
    problems = exc.value.problems
    assert any(pr.line == 12 and "unknown key 'atributes'" in pr.message for pr in problems)
    assert str(problems[0]).startswith(f"{p}:12:")


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "x.yaml", "id: a\nrules: [\n  - name: x\n")
    with pytest.raises(NetrosettaError) as exc:
        load_rulebook(p)
    assert exc.value.file == str(p)
    assert exc.value.line is not None and exc.value.line >= 2


def test_duplicate_yaml_keys_are_rejected() -> None:
    with pytest.raises(NetrosettaError):
        load_yaml_text("a: 1\na: 2\n", "dup.yaml")


def test_version_must_be_semver(tmp_path: Path) -> None:
    p = write(tmp_path, "x.yaml", BASE.replace("version: 1.0.0", "version: one"))
    with pytest.raises(InvalidDocument) as exc:
        load_rulebook(p)
    assert exc.value.line == 2
    assert "semantic" in exc.value.message


def test_a_rule_needs_exactly_one_selector(tmp_path: Path) -> None:
    p = write(tmp_path, "x.yaml", BASE.replace("    snmp: {value: 1.3.6.1.2.1.2.2.1.10}\n",
                                                "    snmp: {value: 1.3.6.1.2.1.2.2.1.10}\n    gnmi: {path: /a/b}\n"))
    with pytest.raises(InvalidDocument) as exc:
        load_rulebook(p)
    assert "exactly one selector" in exc.value.message


def test_extends_override_and_remove(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    write(tmp_path, "child.yaml", """\
id: test/child
version: 2.1.0
extends: [test/base]
remove: [out-octets]
match: {snmp: [{sys_object_id: 1.3.6.1.4.1.99999.*}]}
rules:
  - name: in-octets
    metric: hw.network.io
    snmp: {value: 1.3.6.1.2.1.31.1.1.1.6}
    attributes: {network.interface.name: {index: 0}, network.io.direction: receive}
""")
    rs = RulebookSet.from_paths([tmp_path])
    child = rs.resolve("test/child")
    assert [r.name for r in child.rules] == ["in-octets"]
    assert child.rules[0].snmp is not None and child.rules[0].snmp.value == "1.3.6.1.2.1.31.1.1.1.6"
    assert child.origin["in-octets"] == "test/child"
    assert [r.id for r in rs.concrete()] == ["test/child"]


def test_remove_of_unknown_rule_is_located(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    p = write(tmp_path, "child.yaml", "id: test/child\nversion: 1.0.0\nextends: [test/base]\nremove: [nope]\n")
    rs = RulebookSet.from_paths([tmp_path])
    with pytest.raises(NetrosettaError) as exc:
        rs.resolve("test/child")
    assert exc.value.file == str(p) and exc.value.line == 4 and "nope" in exc.value.message


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: t/a\nversion: 1.0.0\nextends: [t/b]\n")
    write(tmp_path, "b.yaml", "id: t/b\nversion: 1.0.0\nextends: [t/a]\n")
    with pytest.raises(NetrosettaError, match="cycle"):
        RulebookSet.from_paths([tmp_path]).resolve("t/a")


def test_shipped_rulebooks_load() -> None:
    rs = RulebookSet.from_paths([MAPPINGS])
    assert "mixins/if-mib" in rs and "generic/snmp" in rs
    generic = rs.resolve("generic/snmp")
    names = {r.name for r in generic.rules}
    assert {"if-in-octets", "if-out-octets", "hr-cpu", "sys-uptime"} <= names
