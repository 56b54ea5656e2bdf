"""Kept sessions against the project's SSH device simulators (real SSH, real NETCONF framing):
N polls are one login on the device; a session the device cuts is logged into again and counted;
a device that stops answering logins is retried with backoff; a CLI question is asked in the
platform's spellings until one works, and that spelling is asked first from then on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from netrosetta.collectors import sessions
from netrosetta.collectors.cli import client as cli_client
from netrosetta.collectors.cli import dataset as cld
from netrosetta.collectors.cli.config import CliCommand, CliTarget
from netrosetta.collectors.cli.lab.server import CliSimulator
from netrosetta.collectors.netconf import client as nc_client
from netrosetta.collectors.netconf.config import NetconfTarget
from netrosetta.collectors.netconf.lab.server import NetconfSimulator
from netrosetta.collectors.recording import Recording, TargetError
from tests.conftest import need_shared

pytestmark = pytest.mark.live
SECRET = "k3pt-S3ssion"
# Catalyst 3850, IOS-XE 16.6: `show env temperature status` (NAPALM's ios test fixture 3850_16.06);
# this IOS release refuses the older `show environment temperature` spelling in our simulator
TEMP_STATUS = """Inlet Temperature Value: 25 Degree Celsius
Temperature State: GREEN
Yellow Threshold : 46 Degree Celsius
Red Threshold : 56 Degree Celsius

Hotspot Temperature Value: 38 Degree Celsius
Temperature State: GREEN
Yellow Threshold : 105 Degree Celsius
Red Threshold : 125 Degree Celsius
"""


async def _cli(tmp_path: Path, outputs: dict[str, str | Path], name: str) -> tuple[CliSimulator, CliTarget]:
    sim = CliSimulator("cisco_ios", username="op", password=SECRET, outputs=outputs)
    port = await sim.start()
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = CliTarget(name=name, host="127.0.0.1", port=port, username="op", password=SECRET,
                       platform="cisco_ios", known_hosts=kh, timeout=4, connect_timeout=4)
    return sim, target


async def _temperature_device(tmp_path: Path, name: str, spelling: str = "show environment temperature status"
                              ) -> tuple[CliSimulator, CliTarget]:
    """A Catalyst answering the temperature question to ``spelling`` only; the target asks it."""
    out = tmp_path / "temp.txt"
    out.write_text(TEMP_STATUS)
    sim, target = await _cli(tmp_path, {spelling: out}, name)
    target.commands = [CliCommand(command="show environment temperature")]
    return sim, target


async def test_cli_polls_share_one_login_and_a_cut_session_is_reconnected(tmp_path: Path) -> None:
    sim, target = await _temperature_device(tmp_path, "keep-cli")
    try:
        for _ in range(3):
            ds = await cli_client.poll(target)
            assert ds.documents["show environment temperature"][None][0]["inlet_temperature_value"] == "25"
        assert sim.sessions.logins == 1                  # counted by the device, not by us
        assert sim.sessions.drop_all() == 1              # the device cuts the session
        ds = await cli_client.poll(target)
        assert ds.documents["show environment temperature"][None][0]["hotspot_red_threshold"] == "125"
        assert sim.sessions.logins == 2
        st = sessions.stats(target)
        assert st is not None and (st.logins, st.reconnects, st.up) == (2, 1, True)
        await cli_client.close(target)
        for _ in range(100):                           # the device sees the logout a moment later
            if not sim.sessions.open:
                break
            await asyncio.sleep(0.05)
        assert sim.sessions.open == set()              # close() logged out
    finally:
        await cli_client.close(target)
        await sim.stop()
    # the question's first spelling was refused once; every later poll asked the one that worked
    asked = [c for c in sim.received if "temperature" in c]
    assert asked == ["show environment temperature", "show environment temperature status",
                     *["show environment temperature status"] * 3]


async def test_cli_login_failures_back_off(tmp_path: Path) -> None:
    sim, target = await _cli(tmp_path, {}, "backoff-cli")
    target.commands = [CliCommand(command="show version")]
    await sim.stop()                                    # nothing listens on the port any more
    reasons = []
    for _ in range(3):
        with pytest.raises(TargetError) as err:
            await cli_client.poll(target)
        reasons.append((err.value.reason, "next login attempt" in str(err.value)))
    # the first retry is at once (a fixed config is picked up); the next waits, without a login
    # attempt, and says so beside the last attempt's fault (refused: connect or timeout)
    assert reasons[0][0] in ("connect", "timeout")
    assert reasons == [(reasons[0][0], False), (reasons[0][0], False), (reasons[0][0], True)]
    st = sessions.stats(target)
    assert st is not None and (st.failures, st.logins, st.up) == (2, 0, False)
    await cli_client.close(target)


async def test_cli_not_persistent_logs_in_per_poll(tmp_path: Path) -> None:
    sim, target = await _temperature_device(tmp_path, "per-poll-cli", "show environment temperature")
    target.persistent = False
    try:
        for _ in range(2):
            await cli_client.poll(target)
    finally:
        await sim.stop()
    assert sim.sessions.logins == 2


async def test_netconf_polls_share_one_login_and_a_cut_session_is_reconnected(tmp_path: Path) -> None:
    rec = need_shared("corpus", "napalm", "junos", "test_get_environment", "mx10003")
    sim = NetconfSimulator(rec, username="op", password=SECRET, platform="juniper_junos")
    port = await sim.start()
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = NetconfTarget(name="keep-nc", host="127.0.0.1", port=port, username="op", password=SECRET,
                           platform="juniper_junos", known_hosts=kh, timeout=3, connect_timeout=3)
    try:
        first = await nc_client.poll(target)
        for _ in range(2):
            again = await nc_client.poll(target)
            assert sorted(again.documents) == sorted(first.documents)
        assert sim.sessions.logins == 1
        assert sim.sessions.drop_all() == 1
        again = await nc_client.poll(target)
        assert sorted(again.documents) == sorted(first.documents)
        assert sim.sessions.logins == 2
        st = sessions.stats(target)
        assert st is not None and (st.logins, st.reconnects) == (2, 1)
    finally:
        await nc_client.close(target)
        await sim.stop()


async def test_a_recording_of_the_spelling_that_answered_translates_offline(tmp_path: Path) -> None:
    sim, target = await _temperature_device(tmp_path, "record-cli")
    try:
        live = await cli_client.poll(target, record=tmp_path / "rec")
    finally:
        await cli_client.close(target)
        await sim.stop()
    # both spellings were sent and recorded under their own names, as the device answered them
    assert sorted(p.name for p in (tmp_path / "rec").glob("*.txt")) == [
        "show_environment_temperature.txt", "show_environment_temperature_status.txt"]
    offline = cld.from_recording(Recording.open(tmp_path / "rec"), "cisco_ios", target.commands)
    assert offline.documents == live.documents and not offline.errors
