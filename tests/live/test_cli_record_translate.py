"""`netrosetta record` against the simulators, and `netrosetta translate --recording` on both our
recordings and NAPALM's; bad input gives one clear error line, never a traceback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netrosetta.cli import main
from netrosetta.collectors.netconf.lab.server import NetconfSimulator
from tests.conftest import need_shared

pytestmark = pytest.mark.live


class LoopThread:
    """An event loop in a thread, so sync CLI calls can talk to an async simulator."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.close()


def _otlp_points(out: str) -> dict[tuple[str, tuple[tuple[str, Any], ...]], float]:
    points = {}
    for line in out.splitlines():
        req = json.loads(line)
        for rm in req["resourceMetrics"]:
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    body = m.get("sum") or m.get("gauge") or {}
                    for dp in body.get("dataPoints", []):
                        attrs = tuple(sorted((a["key"], next(iter(a["value"].values())))
                                             for a in dp.get("attributes", [])))
                        points[(m["name"], attrs)] = float(dp.get("asDouble", dp.get("asInt")))  # int64 is a JSON string
    return points


def test_record_then_translate_equals_translating_the_original(loop: LoopThread, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    case = need_shared("corpus", "napalm", "junos", "test_get_environment", "mx10003")
    sim = NetconfSimulator(case, username="rec", password="Rec0rd!", platform="juniper_junos")
    port = loop.run(sim.start())
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = tmp_path / "target.yaml"
    target.write_text(f"kind: netconf\nname: mx1\nhost: 127.0.0.1\nport: {port}\nusername: rec\n"
                      f"password_env: NR_TEST_PW\nplatform: juniper_junos\nknown_hosts: {kh}\ntimeout: 5\n")
    monkeypatch.setenv("NR_TEST_PW", "Rec0rd!")
    try:
        assert main(["record", "--target", str(target), "--out", str(tmp_path / "rec")]) == 0
    finally:
        loop.run(sim.stop())
    err = capsys.readouterr().err
    assert "Rec0rd!" not in err and "get-interface-information" in err   # not in this recording: counted
    assert main(["translate", "--recording", str(tmp_path / "rec"), "--format", "otlp-json"]) == 0
    ours = _otlp_points(capsys.readouterr().out)
    assert main(["translate", "--recording", str(case), "--platform", "juniper_junos",
                 "--format", "otlp-json"]) == 0
    original = _otlp_points(capsys.readouterr().out)
    assert ours and ours == original


def test_translate_cli_recording(capsys: pytest.CaptureFixture[str]) -> None:
    case = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    assert main(["translate", "--recording", str(case), "--platform", "cisco_ios", "--format", "otlp-json"]) == 0
    points = _otlp_points(capsys.readouterr().out)
    key = ("hw.network.io", (("network.interface.name", "GigabitEthernet1"), ("network.io.direction", "receive")))
    assert points[key] == 25963     # "297 packets input, 25963 bytes" in show_interfaces.txt


@pytest.mark.parametrize("argv, message", [
    (["--recording", "/nonexistent/rec", "--platform", "cisco_ios"], "does not exist"),
    (["--recording", "{ios}"], "--platform is needed"),
    (["--recording", "{ios}", "--platform", "vendor_x"], "no CLI rulebook"),
])
def test_bad_input_is_one_clear_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    ios = str(need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal"))
    assert main(["translate", *[a.replace("{ios}", ios) for a in argv]]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_record_bad_target_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("kind: netconf\nname: x\nhost: h\nusername: u\nplatform: juniper_junos\nport: notaport\n")
    assert main(["record", "--target", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "port" in err and str(bad) in err and "Traceback" not in err
