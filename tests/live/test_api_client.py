"""Device API client against the project's HTTPS simulator (eAPI, NX-API, RESTCONF over real TLS)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from netrosetta.collectors.api.client import poll
from netrosetta.collectors.api.config import ApiCommand, ApiTarget
from netrosetta.collectors.api.lab.server import ApiSimulator, Faults
from netrosetta.collectors.recording import Recording, TargetError
from tests.conftest import need_shared

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("close_api_sessions")]
SECRET = "api-S3cret!"


@pytest.fixture
def eos_env() -> Path:
    return need_shared("corpus", "napalm", "eos", "test_get_environment", "normal")


async def _start(rec: Path, api: str, **kw: object) -> tuple[ApiSimulator, ApiTarget]:
    sim = ApiSimulator(rec, username="op", password=SECRET, **kw)  # type: ignore[arg-type]
    port = await sim.start()
    target = ApiTarget(name="sw1", host="127.0.0.1", port=port, username="op", password=SECRET,
                       platform="arista_eos" if api == "eapi" else "cisco_nxos", api=api, ca_file=sim.cert,
                       timeout=3, connect_timeout=3)
    return sim, target


async def test_eapi_json_and_text(eos_env: Path, tmp_path: Path) -> None:
    sim, target = await _start(eos_env, "eapi")
    try:
        ds = await poll(target, record=tmp_path / "rec")
    finally:
        await sim.stop()
    # `show interfaces` is not in this recording: the device's JSON-RPC error is counted, the rest kept
    assert "show interfaces" in ds.errors and "1002" in ds.errors["show interfaces"]
    raw = json.loads((eos_env / "show_system_environment_temperature.json").read_text())
    assert ds.documents["show system environment temperature"] == raw
    assert ds.documents["show processes top once"].startswith("top - ")
    assert ds.facts.model == "DCS-7280SR-48C6-M-R" and ds.facts.vendor == "Arista"
    rec = Recording.open(tmp_path / "rec")
    assert rec.find("show version", "api") is not None
    assert rec.find("show processes top once", "cli") is not None


async def test_nxapi_and_restconf(eos_env: Path) -> None:
    sim, target = await _start(eos_env, "nxapi")
    target.commands = [ApiCommand(command="show version"), ApiCommand(command="show nothing")]
    try:
        ds = await poll(target)
        assert ds.documents["show version"]["version"] == "4.15.5M"
        assert "Invalid params" in ds.errors["show nothing"]
        target.api = "restconf"
        target.commands = [ApiCommand(command="show_version"),
                           ApiCommand(command="openconfig-interfaces:interfaces")]
        ds = await poll(target)
        assert ds.documents["show_version"]["modelName"] == "DCS-7280SR-48C6-M-R"
        assert "HTTP 404" in ds.errors["openconfig-interfaces:interfaces"]
    finally:
        await sim.stop()


async def test_html_error_page(eos_env: Path) -> None:
    sim, target = await _start(eos_env, "eapi", faults=Faults(html_error=True))
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "bad-reply" and "HTML" in str(err.value)


async def test_auth_failure_hides_password(eos_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim, target = await _start(eos_env, "eapi")
    wrong = "nope-" + SECRET
    target.password = wrong  # type: ignore[assignment]
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "auth"
    assert wrong not in str(err.value) and wrong not in caplog.text and wrong not in repr(target)


async def test_untrusted_certificate_and_timeout(eos_env: Path) -> None:
    sim, target = await _start(eos_env, "eapi", faults=Faults(delay={"show version": 5}))
    try:
        target.ca_file = None             # system CAs do not know the lab cert
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "tls"
        target.ca_file = sim.cert
        target.timeout = 1
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "timeout"
    finally:
        await sim.stop()


async def test_a_failing_target_leaves_the_others_alone(eos_env: Path) -> None:
    good_sim, good = await _start(eos_env, "eapi")
    bad_sim, bad = await _start(eos_env, "eapi", faults=Faults(html_error=True))
    slow_sim, slow = await _start(eos_env, "eapi", faults=Faults(delay={"show version": 5}))
    slow.timeout = 1
    try:
        results = await asyncio.gather(poll(good), poll(bad), poll(slow), return_exceptions=True)
    finally:
        for sim in (good_sim, bad_sim, slow_sim):
            await sim.stop()
    ok, html, timeout = results
    assert not isinstance(ok, BaseException) and ok.documents
    assert isinstance(html, TargetError) and html.reason == "bad-reply"
    assert isinstance(timeout, TargetError) and timeout.reason == "timeout"
