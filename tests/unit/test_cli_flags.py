"""One rule for the flags users type (issue 15 item 7): every command that prints data takes
--format and, left out, prints a table on a terminal and its machine format into a pipe; the
recorded sources share --platform; gNMI get/capabilities offer no subscription options."""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from netrosetta.cli import build_parser
from tests.conftest import need_shared

ROOT = Path(__file__).resolve().parents[2]


def _subparsers(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[f"{prefix}{name}"] = sub
                out.update(_subparsers(sub, f"{prefix}{name} "))
    return out


def test_every_format_flag_follows_the_terminal_rule() -> None:
    subs = _subparsers(build_parser())
    with_format = {name: next(a for a in p._actions if "--format" in a.option_strings)
                   for name, p in subs.items() if any("--format" in a.option_strings for a in p._actions)}
    assert {"translate", "flow decode", "traps", "gnmi subscribe", "coverage"} <= set(with_format)
    for name, action in with_format.items():
        assert action.default is None and "table" in (action.choices or []), name
        assert "table on a terminal" in (action.help or ""), name


def test_recorded_sources_share_platform_and_gnmi_requests_offer_only_their_options() -> None:
    subs = _subparsers(build_parser())
    flags = {name: {o for a in p._actions for o in a.option_strings} for name, p in subs.items()}
    assert "--platform" in flags["translate"] and "--platform" in flags["explain"]
    for name in ("gnmi get", "gnmi capabilities"):
        assert not {"--mode", "--sub-mode", "--interval", "--count"} & flags[name], name
    assert not {"--path", "--encoding"} & flags["gnmi capabilities"]
    assert {"--mode", "--sub-mode", "--interval", "--count", "--format"} <= flags["gnmi subscribe"]


def _translate(walk: Path, tty: bool) -> str:
    cmd = [sys.executable, "-m", "netrosetta", "translate", "--walk", str(walk)]
    if not tty:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True, cwd=ROOT).stdout
    leader, follower = pty.openpty()          # a real terminal on stdout
    proc = subprocess.Popen(cmd, stdout=follower, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, "COLUMNS": "200"})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(120)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("tty", [False, True])
def test_translate_prints_a_table_on_a_terminal_and_json_into_a_pipe(tty: bool) -> None:
    walk = need_shared("corpus", "snmp", "arista_eos.snmprec")
    out = _translate(walk, tty)
    if tty:
        assert "hw.temperature" in out and "resourceMetrics" not in out
    else:
        first = json.loads(out.splitlines()[0])
        assert "resourceMetrics" in first
