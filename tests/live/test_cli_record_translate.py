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


def _host_names(out: str) -> list[str | None]:
    names = []
    for line in out.splitlines():
        for rm in json.loads(line)["resourceMetrics"]:
            attrs = {a["key"]: next(iter(a["value"].values())) for a in rm["resource"].get("attributes", [])}
            names.append(attrs.get("host.name"))
    return names


IOS_SHOW_VERSION = """\
Cisco IOS XE Software, Version 16.09.03
Cisco IOS Software [Fuji], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.3, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2019 by Cisco Systems, Inc.
Compiled Wed 20-Mar-19 07:56 by mcpre

ROM: IOS-XE ROMMON

csr1 uptime is 2 hours, 5 minutes
Uptime for this control processor is 2 hours, 7 minutes
System returned to ROM by reload
System image file is "bootflash:packages.conf"
Last reload reason: reload

cisco CSR1000V (VXE) processor (revision VXE) with 2392579K/3075K bytes of memory.
Processor board ID 9ESGOBARV9D
3 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.

Configuration register is 0x2102
"""


def test_recording_host_name_is_the_devices_never_the_folders(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    case = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    argv = ["translate", "--platform", "cisco_ios", "--format", "otlp-json", "--recording"]
    assert main([*argv, str(case)]) == 0
    assert _host_names(capsys.readouterr().out) == [None]        # no show version: no host.name, not "normal"
    rec = tmp_path / "normal"
    rec.mkdir()
    (rec / "show_interfaces.txt").write_text((case / "show_interfaces.txt").read_text())
    (rec / "show_version.txt").write_text(IOS_SHOW_VERSION)
    assert main([*argv, str(rec)]) == 0
    assert _host_names(capsys.readouterr().out) == ["csr1"]      # "csr1 uptime is ..." in show version
    assert main([*argv, str(rec), "--name", "edge-1"]) == 0
    assert _host_names(capsys.readouterr().out) == ["edge-1"]


@pytest.mark.parametrize("argv, message", [
    (["--recording", "/nonexistent/rec", "--platform", "cisco_ios"], "does not exist"),
    (["--recording", "{ios}"], "--platform is needed"),
    (["--recording", "{ios}", "--platform", "vendor_x"], "--platform vendor_x: unknown platform"),
    (["--recording", "{ios}", "--platform", "junos"], "did you mean juniper_junos?"),
])
def test_bad_input_is_one_clear_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    ios = str(need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal"))
    assert main(["translate", *[a.replace("{ios}", ios) for a in argv]]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.count("error:") == 1 and err.count(message) == 1, err     # said once


def test_record_bad_target_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("kind: netconf\nname: x\nhost: h\nusername: u\nplatform: juniper_junos\nport: notaport\n")
    assert main(["record", "--target", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "port" in err and str(bad) in err and "Traceback" not in err
