"""`pip install netrosetta` as a user gets it: the wheel alone must translate, lint, explain and run
the lab from a folder that has nothing of the checkout in it (issue 15 item 1).

The wheel is built the way a user's pip builds it (isolated build), installed with ``--no-deps`` into
a fresh venv whose dependencies come from this venv's site-packages through a plain path line (a
``.pth`` path line does not process the editable install's own ``.pth`` finder, so the checkout
stays out of reach). The test checks that the package imported is the wheel's, not the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import need_shared

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools writes build/ beside the sources, and a user builds a clean tree
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "var",
                                                            "__pycache__", ".*_cache"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                            str(src)], capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (whl,) = (tmp / "dist").glob("netrosetta-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # the new venv's own pip installs the wheel (pip run from this venv would uninstall the checkout's
    # editable install first); dependencies come from this venv by a plain path line
    inst = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(whl)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert inst.returncode == 0, inst.stderr[-2000:]
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "deps-from-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


def _nr(py: Path, cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NETROSETTA_HOME", "PYTHONPATH")}
    return subprocess.run([str(py), "-m", "netrosetta", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env, check=False)


def test_the_package_imported_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed), "-c", "import netrosetta, netrosetta.paths as p; "
                            "print(netrosetta.__file__); print(p.MAPPINGS)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.split()
    venv_dir = installed.parent.parent
    assert Path(where[0]).is_relative_to(venv_dir), where
    assert Path(where[1]).is_relative_to(venv_dir) and "_data" in where[1], where


def _points(otlp_json: str) -> set[tuple[str, str, str]]:
    """(metric, attributes, value) of every data point, times left out (each run polls anew)."""
    out = set()
    for line in otlp_json.splitlines():
        for rm in json.loads(line)["resourceMetrics"] if line.strip() else []:
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    kind = next(k for k in ("sum", "gauge", "histogram") if k in m)
                    for dp in m[kind]["dataPoints"]:
                        value = dp.get("asInt", dp.get("asDouble"))
                        out.add((m["name"], json.dumps(dp.get("attributes", []), sort_keys=True), str(value)))
    return out


def test_translate_lint_explain_from_an_unrelated_folder(installed: Path, tmp_path: Path) -> None:
    walk = need_shared("corpus", "snmp", "arista_eos.snmprec")
    lint = _nr(installed, tmp_path, "rulebook", "lint")
    assert lint.returncode == 0, lint.stdout[-2000:] + lint.stderr[-2000:]
    assert "Traceback" not in lint.stderr
    out = _nr(installed, tmp_path, "translate", "--walk", str(walk), "--format", "otlp-json")
    assert out.returncode == 0, out.stderr[-2000:]
    ref = subprocess.run([sys.executable, "-m", "netrosetta", "translate", "--walk", str(walk), "--format",
                          "otlp-json"], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=True)
    # the checkout's translation, point for point: every rulebook, mixin and MIB symbol was shipped
    got, want = _points(out.stdout), _points(ref.stdout)
    assert got == want, sorted(got ^ want)[:10]
    assert {"hw.temperature", "system.cpu.utilization", "system.memory.usage"} <= {p[0] for p in got}
    expl = _nr(installed, tmp_path, "explain", "--walk", str(walk))
    assert expl.returncode == 0 and "arista/eos" in expl.stdout, expl.stdout[-2000:] + expl.stderr[-2000:]


def test_lab_runs_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    res = _nr(installed, tmp_path, "lab", "--run", "--only", "snmp", "--interval", "1", "--duration", "6",
              "--plain", "--out", str(tmp_path / "out"), "--http", "127.0.0.1:0", timeout=180)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    lines = (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()
    names = {m["name"] for line in lines for rm in json.loads(line)["resourceMetrics"]
             for sm in rm["scopeMetrics"] for m in sm["metrics"]}
    assert "hw.network.io" in names or "system.network.io" in names, sorted(names)
