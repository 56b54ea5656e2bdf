"""netmiko against the project's SSH device emulator: prompts, paging, parsing, faults."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncssh
import pytest
import yaml

from netrosetta.collectors.cli.client import poll
from netrosetta.collectors.cli.config import CliCommand, CliTarget
from netrosetta.collectors.cli.lab.server import CliSimulator, Faults
from netrosetta.collectors.recording import Recording, TargetError
from tests.conftest import need_shared

pytestmark = pytest.mark.live
SECRET = "cli-P4ss#word"
IOS_TTP = "templates/cisco_ios/show_interfaces.ttp"
# one real capture per platform from ntc-templates' tests, with the command that produced it
CASES = {
    "cisco_ios": ("show interfaces", "cisco_ios/show_interfaces/cisco_ios_show_interfaces.raw"),
    "cisco_nxos": ("show interface", "cisco_nxos/show_interface/cisco_nxos_show_interface.raw"),
    "cisco_xr": ("show interfaces", "cisco_xr/show_interfaces/cisco_xr_show_interfaces.raw"),
    "arista_eos": ("show interfaces", "arista_eos/show_interfaces/arista_eos_show_interfaces.raw"),
    "juniper_junos": ("show interfaces", "juniper_junos/show_interfaces/juniper_junos_show_interfaces.raw"),
    "huawei_vrp": ("display interface", "huawei_vrp/display_interface/huawei_vrp_display_interface.raw"),
}


async def _start(platform: str, tmp_path: Path, **kw: object) -> tuple[CliSimulator, CliTarget]:
    sim = CliSimulator(platform, username="op", password=SECRET, **kw)  # type: ignore[arg-type]
    port = await sim.start()
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = CliTarget(name="r1", host="127.0.0.1", port=port, username="op", password=SECRET,
                       platform=platform, known_hosts=kh, timeout=4, connect_timeout=4)
    return sim, target


@pytest.mark.parametrize("platform", sorted(CASES))
async def test_every_platform_parses_like_ntc_samples(platform: str, tmp_path: Path) -> None:
    command, rel = CASES[platform]
    raw = need_shared("corpus", "cli", *rel.split("/"))
    expected = yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]
    sim, target = await _start(platform, tmp_path, outputs={command: raw})
    target.commands = [CliCommand(command=command)]
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    rows = ds.documents[command][None]
    # every field ntc-templates' own sample has, read through netmiko + prompt + paging, equals it
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert {k: got[k] for k in want} == want


async def test_paging_left_on_is_paged_through(tmp_path: Path) -> None:
    raw = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    sim, target = await _start("cisco_ios", tmp_path, recording=raw, faults=Faults(never_unpage=True))
    target.commands = [CliCommand(command="show interfaces", template=IOS_TTP)]
    try:
        ds = await poll(target, record=tmp_path / "rec")
    finally:
        await sim.stop()
    got = Recording.open(tmp_path / "rec").read("show interfaces", "cli")
    want = (raw / "show_interfaces.txt").read_text()
    assert got.split() == want.split()          # no --More-- or erase residue, nothing lost
    rows = ds.documents["show interfaces"][IOS_TTP]
    assert [r["interface"] for r in rows] == [f"GigabitEthernet{i}" for i in range(1, 5)]


async def test_refused_and_unparsable_commands_are_errors_not_strings(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not what show interfaces prints\n")
    sim, target = await _start("cisco_ios", tmp_path, outputs={"show interfaces": junk})
    target.commands = [CliCommand(command="show interfaces"), CliCommand(command="show bogus")]
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "parse"
    assert "Invalid input" in str(err.value) and "matched no row" in str(err.value)


async def test_unexpected_prompt(tmp_path: Path) -> None:
    sim, target = await _start("cisco_ios", tmp_path, faults=Faults(banner_prompt="bash-4.2$ "))
    target.connect_timeout = 2
    target.timeout = 2
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason in {"prompt", "timeout"}


async def test_command_timeout(tmp_path: Path) -> None:
    raw = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    sim, target = await _start("cisco_ios", tmp_path, recording=raw, faults=Faults(delay={"show interfaces": 6}))
    target.timeout = 1
    target.commands = [CliCommand(command="show interfaces", template=IOS_TTP)]
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "timeout"


async def test_login_failure_hides_password(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim, target = await _start("arista_eos", tmp_path)
    wrong = "bad-" + SECRET
    target.password = wrong  # type: ignore[assignment]
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "auth"
    assert wrong not in str(err.value) and wrong not in caplog.text and wrong not in repr(target)


async def test_host_key_mismatch(tmp_path: Path) -> None:
    sim, target = await _start("cisco_ios", tmp_path)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().strip()
    assert target.known_hosts is not None
    target.known_hosts.write_text(f"[127.0.0.1]:{sim.port} {other}\n")
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "hostkey"
        target.known_hosts.write_text("")
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "hostkey"
    finally:
        await sim.stop()


async def test_key_based_login(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    key_file.write_bytes(key.export_private_key("openssh"))
    key_file.chmod(0o600)
    raw = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    sim, target = await _start("cisco_ios", tmp_path, recording=raw, client_keys=[key])
    target.password = None
    target.key_file = key_file
    target.commands = [CliCommand(command="show interfaces", template=IOS_TTP)]
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    assert len(ds.documents["show interfaces"][IOS_TTP]) == 4
