"""CLI collection with netmiko: login, prompt detection, paging, timeouts, then parsing with
ntc-templates or TTP. ``await poll(target)`` -> SourceDataset of parsed rows per command.

A parse failure (device error text, output no template matches) is an error on that command,
counted in ``dataset.errors`` — the raw string is never passed on as data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any

import paramiko
from netmiko import ConnectHandler, NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from netrosetta.collectors.cli.config import PLANS, CliCommand, CliTarget
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset, TargetError
from netrosetta.engine.textparse import ParseError, parse

log = logging.getLogger(__name__)
# flags are lost when the pattern is handed to netmiko, hence [Mm]
MORE = re.compile(r" ?-+ ?\(?[Mm][Oo][Rr][Ee]\)?[^\n-]*-+ ?")
ERASE = re.compile(r"\r +\r|\x08+ *\x08*")
VENDORS = {"arista_eos": "Arista", "cisco_nxos": "Cisco", "cisco_ios": "Cisco", "cisco_xr": "Cisco",
           "juniper_junos": "Juniper", "huawei_vrp": "Huawei"}


def commands_for(target: CliTarget) -> list[CliCommand]:
    if target.commands is not None:
        return target.commands
    if target.platform not in PLANS:
        raise target.fail("config", f"no default commands for platform {target.platform}; give `commands`")
    return PLANS[target.platform]


def _first(msg: str) -> str:
    return next((ln.strip() for ln in msg.splitlines() if ln.strip()), "")


def _connect(target: CliTarget) -> Any:
    if not target.hostkey_verify:
        log.warning("%s: SSH host-key verification is OFF", target.name)
    params: dict[str, Any] = dict(
        device_type=target.platform, host=target.host, port=target.port or 22, username=target.username,
        password=target.password.get_secret_value() if target.password else "",
        secret=target.secret.get_secret_value() if target.secret else "",
        conn_timeout=target.connect_timeout, auth_timeout=target.connect_timeout,
        banner_timeout=target.connect_timeout, read_timeout_override=target.timeout,
        ssh_strict=target.hostkey_verify, allow_agent=False, fast_cli=True,
        use_keys=target.key_file is not None, key_file=str(target.key_file) if target.key_file else None,
        system_host_keys=target.hostkey_verify and target.known_hosts is None,
        alt_host_keys=target.known_hosts is not None,
        alt_key_file=str(target.known_hosts) if target.known_hosts else "")
    return ConnectHandler(**params)


def _run(conn: Any, command: str, timeout: float) -> str:
    """send_command that also pages through --More-- if the device kept paging on."""
    prompt = re.escape(conn.base_prompt)
    pattern = rf"(?:{prompt}[^\n]*[>#\]]\s*$|{MORE.pattern})"
    out = conn.send_command(command, expect_string=pattern, read_timeout=timeout,
                            strip_prompt=False, strip_command=True)
    pages = 0
    while MORE.search(out[-60:]):
        pages += 1
        if pages > 100000:
            raise ReadTimeout("endless paging")
        out = MORE.sub("", out[:-60] + MORE.sub("\n", out[-60:]))
        conn.write_channel(" ")
        out += conn.read_until_pattern(pattern=pattern, read_timeout=timeout)
    out = ERASE.sub("", out)
    lines = out.rstrip().split("\n")
    if lines and re.search(prompt, lines[-1]):
        lines = lines[:-1]
    return "\n".join(ln.rstrip("\r") for ln in lines if not MORE.fullmatch(ln.strip()))


def _poll_sync(target: CliTarget, record: Path | None) -> SourceDataset:
    cmds = commands_for(target)
    try:
        conn = _connect(target)
    except NetmikoAuthenticationException:
        raise target.fail("auth", "login failed") from None
    except paramiko.BadHostKeyException:
        raise target.fail("hostkey", "host key changed (does not match known_hosts)") from None
    except paramiko.SSHException as exc:     # netmiko wraps host-key failures in its timeout error
        msg = str(exc)
        if "not found in known_hosts" in msg:
            raise target.fail("hostkey", "host key unknown (not in known_hosts)") from None
        if "does not match" in msg or "BadHostKey" in msg:
            raise target.fail("hostkey", "host key changed (does not match known_hosts)") from None
        if isinstance(exc, NetmikoTimeoutException):
            raise target.fail("timeout", f"connection timed out: {_first(msg)}") from None
        raise target.fail("connect", _first(msg)) from None
    except (ReadTimeout, ValueError) as exc:
        raise target.fail("prompt", f"unexpected prompt or banner: {_first(str(exc))}") from None
    except OSError as exc:
        raise target.fail("connect", str(exc) or type(exc).__name__) from None
    ds = SourceDataset("cli", target.name, target.platform,
                       facts=DeviceFacts(platform=target.platform, vendor=VENDORS.get(target.platform)))
    rec = Recording(record, kind="cli", platform=target.platform) if record else None
    try:
        for cmd in cmds:
            try:
                text = _run(conn, cmd.command, target.timeout)
            except ReadTimeout:
                raise target.fail("timeout", f"{cmd.command!r}: no prompt within {target.timeout:g}s") from None
            if rec is not None:
                rec.write(cmd.command, text + "\n", ".txt")
            try:
                ds.documents[cmd.command] = {cmd.template: parse(target.platform, cmd.command, text, cmd.template)}
            except ParseError as exc:
                ds.errors[cmd.command] = f"parse: {target.scrub(str(exc))}"
                log.warning("%s: %s", target.name, ds.errors[cmd.command])
    except (OSError, EOFError) as exc:
        raise target.fail("connect", f"session lost: {exc}") from None
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()
    if rec is not None:
        rec.save_manifest()
    if not ds.documents and ds.errors:
        raise target.fail("parse", "; ".join(f"{k}: {v}" for k, v in ds.errors.items()))
    return ds


async def poll(target: CliTarget, *, record: Path | None = None) -> SourceDataset:
    """Collect one CLI target; raises TargetError (reason: connect, timeout, auth, hostkey, prompt,
    parse). Documents: command -> {template: rows}. With ``record``, outputs are written there."""
    budget = target.connect_timeout * 3 + target.timeout * (len(commands_for(target)) + 1)
    try:
        return await asyncio.wait_for(asyncio.to_thread(_poll_sync, target, record), budget)
    except TimeoutError:
        raise target.fail("timeout", f"poll exceeded {budget:g}s") from None


__all__ = ["CliTarget", "TargetError", "poll"]
