"""Fault recordings (collectors/cli/testcases): a refused command or unexpected output is a parse
error on that command — the raw text never becomes data."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.cli import dataset as cld
from netrosetta.collectors.cli.config import CliCommand
from netrosetta.collectors.recording import Recording
from netrosetta.engine.textparse import ParseError, parse

CASES = Path(__file__).resolve().parents[2] / "collectors" / "cli" / "testcases"
IOS = [CliCommand(command="show interfaces", template="templates/cisco_ios/show_interfaces.ttp"),
       CliCommand(command="show interfaces")]


@pytest.mark.parametrize("case, message", [("refused", "device refused"), ("unexpected", "matched no row")])
def test_fault_is_a_parse_error(case: str, message: str) -> None:
    src = cld.from_recording(Recording.open(CASES / case), "cisco_ios", IOS)
    assert message in src.errors["show interfaces"]
    assert not src.documents.get("show interfaces")


def test_missing_template_and_output() -> None:
    with pytest.raises(ParseError, match="not found"):
        parse("cisco_ios", "show interfaces", "x\n", "templates/none.ttp")
    with pytest.raises(ParseError, match="not found"):
        parse("cisco_ios", "show interfaces", "x\n", "../../etc/passwd")
    with pytest.raises(ParseError, match="no ntc-template"):
        parse("cisco_ios", "show nothing at all", "x\n")
    src = cld.from_outputs({}, "cisco_ios", IOS[:1], "r1")
    assert "missing" in src.errors["show interfaces"]
