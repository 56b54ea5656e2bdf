"""`-v` as a user types it: after the subcommand too, netrosetta's own INFO lines only — never the
libraries' (ncclient logs whole NETCONF replies at INFO) — and no secret; the help is whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from netrosetta.collectors.netconf.lab.server import NetconfSimulator
from tests.conftest import need_shared
from tests.live.test_cli_record_translate import LoopThread, loop  # noqa: F401  (fixture)

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def _nr(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netrosetta", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_record_logs_ours_not_the_libraries(where: str, loop: LoopThread, tmp_path: Path) -> None:  # noqa: F811
    case = need_shared("corpus", "napalm", "junos", "test_get_environment", "mx10003")
    sim = NetconfSimulator(case, username="rec", password="Rec0rd!", platform="juniper_junos")
    port = loop.run(sim.start())
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = tmp_path / "target.yaml"
    target.write_text(f"kind: netconf\nname: mx1\nhost: 127.0.0.1\nport: {port}\nusername: rec\n"
                      f"password_env: NR_TEST_PW\nplatform: juniper_junos\nknown_hosts: {kh}\ntimeout: 5\n")
    cmd = ["record", "--target", str(target), "--out", str(tmp_path / "rec")]
    try:
        res = _nr(*(["-v", *cmd] if where == "before" else [*cmd, "-v"]), env={"NR_TEST_PW": "Rec0rd!"})
    finally:
        loop.run(sim.stop())
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stderr.splitlines()
    library = [line for line in lines if " INFO " in line and " INFO netrosetta." not in line]
    assert not library, "library INFO lines at -v:\n" + "\n".join(library[:5])
    assert "<rpc-reply" not in res.stderr and "Rec0rd!" not in res.stderr


def test_help_is_whole_and_verbose_is_everywhere() -> None:
    res = _nr("--help")
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    assert "translated by versioned YAML rulebooks into one OpenTelemetry schema." in text
    for sub in ("translate", "rulebook", "run", "lab", "flow", "record"):
        h = _nr(sub, "--help")
        assert "--verbose" in h.stdout, f"`{sub} --help` has no -v"
