"""ifAlias and ifType on interface series, against the walk's own rows: the description is the
walk's ifAlias text at the interface's ifIndex (absent when empty), the type the IANAifType name
the IANAifType-MIB text gives the walk's ifType number (parsed here, not from the MIB index)."""

from __future__ import annotations

import re
from functools import cache

import pytest

from tests.conftest import need_shared
from tests.golden.snmp_corpus import Points, Walk, load_walk, translate_walk

IF_DESCR, IF_TYPE, IF_NAME, IF_ALIAS = ("1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.3",
                                        "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.18")
WALKS = ["arista_eos", "junos_vmx", "iosxr_asr9001", "vrp_5720", "nxos_n9k-c93180yc-fx3"]


@cache
def iana_if_types() -> dict[int, str]:
    """number -> name from the IANAifType textual convention's SYNTAX INTEGER { ... }."""
    text = need_shared("mibs", "IANAifType-MIB").read_text(encoding="utf-8", errors="replace")
    body = text[text.index("IANAifType ::= TEXTUAL-CONVENTION"):]
    body = body[body.index("SYNTAX"):]
    body = body[body.index("{") + 1:body.index("}")]
    body = re.sub(r"--[^\n]*", "", body)
    return {int(n): name for name, n in re.findall(r"([A-Za-z][\w-]*)\s*\(\s*(\d+)\s*\)", body)}


def _index_of(walk: Walk, attrs: dict[str, str]) -> str:
    if "netrosetta.interface.index" in attrs:
        return attrs["netrosetta.interface.index"]
    name = attrs["network.interface.name"]
    hits = {i for col in (IF_NAME, IF_DESCR) for i, v in walk.column(col).items() if walk.text(v) == name}
    if not hits and name.startswith("ifIndex "):
        hits = {name.split()[1]}
    assert len(hits) == 1, (name, hits)
    return hits.pop()


@pytest.mark.parametrize("name", WALKS)
def test_alias_and_type_are_the_walks(name: str) -> None:
    walk, t = load_walk(name), translate_walk(name)
    names = iana_if_types()
    series = Points(t).series("hw.network.up")
    assert series, "no interface status series"
    described = typed = 0
    for attrs, _v in series:
        idx = _index_of(walk, attrs)
        alias = walk.text(walk.column(IF_ALIAS).get(idx))
        if alias:
            assert attrs.get("netrosetta.interface.description") == alias, (idx, attrs)
            described += 1
        else:                                      # empty ifAlias: no attribute, not ""
            assert "netrosetta.interface.description" not in attrs, (idx, attrs)
        code = walk.column(IF_TYPE).get(idx)
        if isinstance(code, int):
            assert attrs.get("netrosetta.interface.type") == names.get(code, str(code)), (idx, attrs)
            typed += 1
    assert typed == len(series)
    # every walk here has at least one described interface
    assert described > 0
