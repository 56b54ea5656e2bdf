"""CLI collection with netmiko: login, prompt detection, paging, timeouts, then parsing with
ntc-templates or TTP. ``await poll(target)`` -> SourceDataset of parsed rows per command.

A parse failure (device error text, output no template matches) is an error on that command,
counted in ``dataset.errors`` — the raw string is never passed on as data.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import paramiko
from netmiko import ConnectHandler, NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from netrosetta.collectors import sessions
from netrosetta.collectors.cli.config import CliCommand, CliTarget
from netrosetta.collectors.cli.dataset import default_commands, parse_answer, variants, vendor
from netrosetta.collectors.platforms import Variant
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset, TargetError
from netrosetta.collectors.sessions import KEEPALIVE, BackingOff, Session, session_for
from netrosetta.engine.textparse import ParseError

log = logging.getLogger(__name__)
# flags are lost when the pattern is handed to netmiko, hence [Mm]
MORE = re.compile(r" ?-+ ?\(?[Mm][Oo][Rr][Ee]\)?[^\n-]*-+ ?")
ERASE = re.compile(r"\r +\r|\x08+ *\x08*")


def commands_for(target: CliTarget) -> list[CliCommand]:
    if target.commands is not None:
        return target.commands
    cmds = default_commands(target.platform)
    if not cmds:
        raise target.fail("config", f"no default commands for platform {target.platform}; give `commands`")
    return cmds


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
        alt_key_file=str(target.known_hosts) if target.known_hosts else "", keepalive=KEEPALIVE)
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


def _login(sess: Session, target: CliTarget) -> Any:
    try:
        return sess.use()
    except BackingOff as exc:      # the last attempt's fault, with when the next one is due
        reason, message = _login_fault(exc.last)
        raise target.fail(reason, f"{message} ({exc})") from None
    except (paramiko.SSHException, ReadTimeout, ValueError, OSError) as exc:
        raise target.fail(*_login_fault(exc)) from None


def _login_fault(exc: BaseException) -> tuple[str, str]:
    """(reason, message) of a failed login; netmiko wraps host-key failures in its timeout error."""
    msg = str(exc)
    if isinstance(exc, NetmikoAuthenticationException):
        return "auth", "login failed"
    if isinstance(exc, paramiko.BadHostKeyException) or (
            isinstance(exc, paramiko.SSHException) and ("does not match" in msg or "BadHostKey" in msg)):
        return "hostkey", "host key changed (does not match known_hosts)"
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in msg:
        return "hostkey", "host key unknown (not in known_hosts)"
    if isinstance(exc, NetmikoTimeoutException):
        return "timeout", f"connection timed out: {_first(msg)}"
    if isinstance(exc, paramiko.SSHException):
        return "connect", _first(msg)
    if isinstance(exc, ReadTimeout | ValueError):
        return "prompt", f"unexpected prompt or banner: {_first(msg)}"
    return "connect", msg or type(exc).__name__


def _ask(conn: Any, sess: Session, target: CliTarget, cmd: CliCommand, rec: Recording | None
         ) -> list[dict[str, Any]]:
    """The rows answering one question: its spellings tried in the platform's order, starting
    with the one that worked last time on this device (remembered for the next polls)."""
    tried = variants(target.platform, cmd)
    start = sess.state.get(("variant", cmd.command, cmd.template), 0)
    order: list[Variant] = tried[start:] + tried[:start] if start < len(tried) else tried
    last: ParseError | None = None
    for variant in order:
        try:
            text = _run(conn, variant.command, target.timeout)
        except ReadTimeout:
            raise target.fail("timeout", f"{variant.command!r}: no prompt within {target.timeout:g}s") from None
        if rec is not None:
            rec.write(variant.command, text + "\n", ".txt")
        try:
            rows = parse_answer(target.platform, variant, text)
        except ParseError as exc:
            last = exc
            continue
        sess.state[("variant", cmd.command, cmd.template)] = tried.index(variant)
        return rows
    assert last is not None
    raise last


def _alive(conn: Any) -> bool:
    """The SSH channel is open (checked without writing to the device's CLI, unlike netmiko's
    is_alive; a session dead without notice fails its next command and is logged into again)."""
    chan = conn.remote_conn
    return chan is not None and not chan.closed and chan.get_transport() is not None \
        and chan.get_transport().is_active()


def _poll_sync(target: CliTarget, record: Path | None) -> SourceDataset:
    cmds = commands_for(target)
    sess = session_for(target, lambda: _connect(target), _alive, lambda c: c.disconnect())
    rec = Recording(record, kind="cli", platform=target.platform) if record else None

    def ask_all(conn: Any) -> SourceDataset:
        ds = SourceDataset("cli", target.name, target.platform,
                           facts=DeviceFacts(platform=target.platform, vendor=vendor(target.platform)))
        for cmd in cmds:
            try:
                ds.documents[cmd.command] = {cmd.template: _ask(conn, sess, target, cmd, rec)}
            except ParseError as exc:
                ds.errors[cmd.command] = f"parse: {target.scrub(str(exc))}"
                log.warning("%s: %s", target.name, ds.errors[cmd.command])
        return ds

    try:
        ds = sess.run(lambda: _login(sess, target), ask_all, (TargetError, OSError, EOFError), target.persistent)
    except (OSError, EOFError) as exc:
        raise target.fail("connect", f"session lost: {exc}") from None
    if rec is not None:
        rec.save_manifest()
    if not ds.documents and ds.errors:
        raise target.fail("parse", "; ".join(f"{k}: {v}" for k, v in ds.errors.items()))
    return ds


async def poll(target: CliTarget, *, record: Path | None = None) -> SourceDataset:
    """Collect one CLI target; raises TargetError (reason: connect, timeout, auth, hostkey, prompt,
    parse). Documents: command -> {template: rows}. With ``record``, outputs are written there."""
    asks = sum(len(variants(target.platform, c)) for c in commands_for(target))
    # a kept session that died unnoticed costs one failed round before the fresh login's round
    budget = target.connect_timeout * 4 + target.timeout * (2 * asks + 1)
    try:
        return await asyncio.wait_for(asyncio.to_thread(_poll_sync, target, record), budget)
    except TimeoutError:
        raise target.fail("timeout", f"poll exceeded {budget:g}s") from None




async def close(target: Any) -> None:
    """Log out of the target's kept session (target removed, service stopping)."""
    await asyncio.to_thread(sessions.close, target)


__all__ = ["CliTarget", "TargetError", "close", "poll"]
