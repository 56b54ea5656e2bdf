"""eAPI recordings from NAPALM's test data through the EOS API rulebook, against NAPALM's
expected_result.json; and the same recording served by our HTTPS simulator and collected live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netrosetta.collectors.api import dataset as apd
from netrosetta.collectors.api.client import poll
from netrosetta.collectors.api.config import ApiCommand, ApiTarget
from netrosetta.collectors.api.lab.server import ApiSimulator
from netrosetta.collectors.recording import Recording, SourceDataset, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import check_counters, counters, environment, rulebooks

pytestmark = [pytest.mark.golden, pytest.mark.usefixtures("close_api_sessions")]


def _translate(src: SourceDataset) -> DeviceTranslation:
    t = translate(apd.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "arista/eos-api"
    return t


def _case(getter: str) -> Path:
    return need_shared("corpus", "napalm", "eos", f"test_{getter}", "normal")


def test_eos_interface_counters() -> None:
    case = _case("get_interfaces_counters")
    t = _translate(apd.from_recording(Recording.open(case), "arista_eos"))
    check_counters(counters(t), json.loads((case / "expected_result.json").read_text()))


def _check_env(t: DeviceTranslation, case: Path) -> None:
    want = json.loads((case / "expected_result.json").read_text())
    env = environment(t)
    assert {k: round(v * 100, 6) for k, v in env["cpu"].items()} == {
        k: v["%usage"] for k, v in want["cpu"].items()}
    assert env["temperature"] == {k: v["temperature"] for k, v in want["temperature"].items()}
    # NAPALM's is_alert / is_critical: above the sensor's overheat / critical threshold
    for name, w in want["temperature"].items():
        t = env["temperature"][name]
        assert (t > env["limits"][(name, "high.degraded")]) == w["is_alert"], name
        assert (t > env["limits"][(name, "high.critical")]) == w["is_critical"], name
    # NAPALM reports top's KiB figures as they are; ours are bytes
    assert env["memory_limit"]["0"] == want["memory"]["available_ram"] * 1024
    assert env["memory_used"]["0"] == want["memory"]["used_ram"] * 1024
    assert env["fans"] == {k: v["status"] for k, v in want["fans"].items()}
    assert env["power"] == {k: v["status"] for k, v in want["power"].items()}
    assert env["power_output"] == {k: v["output"] for k, v in want["power"].items()}


def test_eos_environment() -> None:
    case = _case("get_environment")
    _check_env(_translate(apd.from_recording(Recording.open(case), "arista_eos")), case)


async def test_eos_environment_collected_over_eapi() -> None:
    case = _case("get_environment")
    sim = ApiSimulator(case, username="u", password="p")
    port = await sim.start()
    # no platform configured: the rulebook is matched from `show version` read through eAPI
    target = ApiTarget(name="eos1", host="127.0.0.1", port=port, username="u", password="p",
                       api="eapi", ca_file=sim.cert, timeout=5,
                       commands=[ApiCommand(command="show version"),
                                 ApiCommand(command="show system environment temperature"),
                                 ApiCommand(command="show system environment cooling"),
                                 ApiCommand(command="show system environment power"),
                                 ApiCommand(command="show processes top once", format="text")])
    try:
        src = await poll(target)
    finally:
        await sim.stop()
    t = _translate(src)
    _check_env(t, case)
    assert t.resource["device.model.identifier"] == "DCS-7280SR-48C6-M-R"
