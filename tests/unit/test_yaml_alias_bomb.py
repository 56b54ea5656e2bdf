"""Issue 12 item 7: a few hundred bytes of nested YAML aliases once took the loader ~1 minute and
gigabytes (every alias was rebuilt). Each command that reads YAML is run as a user runs it, on a
real file, and must fail fast with file:line:col, in bounded memory."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from netrosetta.engine.yaml_source import MAX_ALIAS_NODES, load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 2 << 30            # address-space limit for the child: an unfixed loader dies, not the machine
# a bounded load stays within this of the same command on a tiny valid file: the child's peak RSS
# includes what the forking pytest process held before exec, so only a difference means anything
RSS_MARGIN_KB = 300 * 1024
_BASELINE: list[int] = []


def bomb(levels: int = 9) -> str:
    """`a` holds 9 strings, each next anchor 9 aliases of the previous: 9**levels strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"[:levels - 1], strict=False):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def run(*args: str, tmp: Path) -> tuple[int, str, int]:
    """exit code, stdout+stderr, peak RSS (KiB) of `python -m netrosetta ARGS`, reaped here so
    that the resource usage is this child's alone."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    out = tmp / "output.txt"
    with open(out, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "netrosetta", *args], cwd=ROOT, stdout=f,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=limit)
    deadline = time.monotonic() + 120
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)   # reaped: Popen must not wait again
            return proc.returncode, out.read_text(errors="replace"), usage.ru_maxrss
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"netrosetta {' '.join(args)} did not finish in 120 s")
        time.sleep(0.05)


def assert_located_refusal(code: int, err: str, path: Path, peak_kb: int) -> None:
    assert code == 1, err[-2000:]
    assert "Traceback" not in err and "MemoryError" not in err
    # the anchored list whose copies crossed the bound: line and column in the file
    assert f"{path}:" in err and "alias" in err, err
    assert any(f"{path}:{n}:" in err for n in range(1, 10)), err
    if not _BASELINE:
        ok = path.parent / "baseline.yaml"
        ok.write_text("outputs: {from_env: false}\n")
        code0, out0, base = run("config", "check", str(ok), tmp=path.parent)
        assert code0 == 0, out0
        _BASELINE.append(base)
    assert peak_kb < _BASELINE[0] + RSS_MARGIN_KB, f"peak RSS {peak_kb} KiB vs {_BASELINE[0]} KiB for a valid file"


def test_the_bomb_expands_past_the_bound_and_small_aliases_still_load() -> None:
    assert MAX_ALIAS_NODES < 9 ** 9 and len(bomb()) < 435
    doc = load_yaml_text(bomb(3))           # 9 + 81 + 729 copied strings: ordinary alias use
    assert len(doc.data["c"]) == 9 and doc.data["c"][8][8] == ["lol"] * 9


def test_rulebook_lint_refuses_an_alias_bomb(tmp_path: Path) -> None:
    rb = tmp_path / "bomb.yaml"
    rb.write_text("id: t/bomb\nversion: 1.0.0\nrules: []\n" + bomb())
    code, out, peak = run("rulebook", "lint", str(tmp_path), tmp=tmp_path)
    assert_located_refusal(code, out, rb, peak)


def test_translate_refuses_an_alias_bomb_rulebook(tmp_path: Path) -> None:
    rb = tmp_path / "bomb.yaml"
    rb.write_text("id: t/bomb\nversion: 1.0.0\nrules: []\n" + bomb())
    walk = tmp_path / "w.snmprec"
    walk.write_text("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10\n")
    code, err, peak = run("translate", "--walk", str(walk), "--rulebooks", str(tmp_path), tmp=tmp_path)
    assert_located_refusal(code, err, rb, peak)


def test_config_check_refuses_an_alias_bomb(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("outputs: {from_env: false}\n" + bomb())
    code, err, peak = run("config", "check", str(cfg), tmp=tmp_path)
    assert_located_refusal(code, err, cfg, peak)


def test_rulebook_test_reports_a_broken_gnmi_target_yaml_with_its_line(tmp_path: Path) -> None:
    """A gNMI fixture's target.yaml went through yaml.safe_load: a syntax error was a traceback."""
    case = tmp_path / "testcases" / "iosxe-gnmi-native"
    shutil.copytree(ROOT / "mappings" / "cisco" / "testcases" / "iosxe-gnmi-native", case)
    (case / "target.yaml").write_text("platform: [cisco_xe\n")
    code, out, _peak = run("rulebook", "test", str(tmp_path), tmp=tmp_path)
    assert code == 1 and "Traceback" not in out, out
    assert f"{case / 'target.yaml'}:2:1: invalid YAML" in out, out
