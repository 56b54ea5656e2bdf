"""An SSH device emulator (asyncssh) that netmiko talks to exactly as to a real device: login,
a platform prompt, echo, session set-up commands, ``--More--`` paging until the client turns it
off, and answers from recorded output (NAPALM layout or a command -> file map).
Run: ``python -m netrosetta.collectors.cli.lab.server --recording DIR --platform cisco_ios``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from netrosetta.collectors.lab_ssh import Sessions, device_auth
from netrosetta.collectors.recording import Recording
from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

PROMPTS = {
    "cisco_ios": "{host}#", "cisco_nxos": "{host}#", "arista_eos": "{host}#",
    "cisco_xr": "RP/0/RSP0/CPU0:{host}#", "juniper_junos": "{user}@{host}> ", "huawei_vrp": "<{host}>",
}
# commands that turn paging off, and what the device prints for set-up commands
PAGING_OFF = re.compile(r"^(terminal length 0|set cli screen-length 0|screen-length 0 temporary)$")
SETUP_REPLIES = {
    ("arista_eos", "terminal width 511"): "Width set to 511 columns.",
    ("arista_eos", "terminal length 0"): "Pagination disabled.",
    ("juniper_junos", "set cli screen-width 511"): "Screen width set to 511",
    ("juniper_junos", "set cli complete-on-space off"): "Disabling complete-on-space",
    ("juniper_junos", "set cli screen-length 0"): "Screen length set to 0",
}
SETUP = re.compile(r"^(terminal (length|width|exec prompt).*|set cli .*|screen-(length|width) .*|"
                   r"terminal no monitor|enable)$")
INVALID = {
    "juniper_junos": "                 ^\nsyntax error, expecting <command>.",
    "huawei_vrp": "              ^\nError: Unrecognized command found at '^' position.",
}
PAGE_LINES = 24


@dataclass
class Faults:
    never_unpage: bool = False                          # keep paging whatever the client asks
    delay: dict[str, float] = field(default_factory=dict)
    banner_prompt: str | None = None                    # a different prompt (unexpected device)


class CliSimulator:
    def __init__(self, platform: str, *, recording: str | Path | None = None,
                 outputs: dict[str, str | Path | Callable[[], str]] | None = None, hostname: str = "lab-r1",
                 username: str = "lab", password: str = "lab", host_key: asyncssh.SSHKey | None = None,
                 faults: Faults | None = None, client_keys: list[asyncssh.SSHKey] | None = None) -> None:
        if platform not in PROMPTS:
            raise NetrosettaError(f"no emulated prompt for platform {platform}")
        self.platform, self.hostname = platform, hostname
        self.username, self.password = username, password
        self.recording = Recording.open(recording) if recording else None
        # a command answers from a file, or from a callable computing the text when asked (the lab's
        # device state, so the text matches what its other sources answer at that moment)
        self.outputs: dict[str, Path | Callable[[], str]] = {
            k: v if callable(v) else Path(v) for k, v in (outputs or {}).items()}
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.faults = faults or Faults()
        self.client_keys = [k.export_public_key("openssh") for k in client_keys or []]
        self.port = 0
        self.sessions = Sessions()      # logins counted device-side; drop_all() cuts them
        self.received: list[str] = []   # every command the device was asked, in order
        self._server: asyncssh.SSHAcceptor | None = None

    def prompt(self) -> str:
        if self.faults.banner_prompt:
            return self.faults.banner_prompt
        return PROMPTS[self.platform].format(host=self.hostname, user=self.username)

    def known_hosts_line(self, host: str = "127.0.0.1") -> str:
        pub = self.host_key.export_public_key("openssh").decode().strip()
        return f"[{host}]:{self.port} {pub}\n"

    def output_for(self, command: str) -> str | None:
        answer = self.outputs.get(command)
        if callable(answer):
            return answer()
        if answer is not None:
            return answer.read_text(encoding="utf-8", errors="replace")
        if self.recording is not None:
            path = self.recording.find(command, "cli")
            if path is not None:
                return path.read_text(encoding="utf-8", errors="replace")
        return None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        auth = device_auth(self.username, self.password, self.client_keys, self.sessions)
        self._server = await asyncssh.create_server(
            auth, host, port, server_host_keys=[self.host_key], process_factory=self._shell,
            allow_scp=False)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _shell(self, process: asyncssh.SSHServerProcess) -> None:
        paging = True
        out = process.stdout
        try:
            out.write(self.prompt())
            while True:
                line = await process.stdin.readline()
                if not line:
                    break
                cmd = " ".join(line.replace("\x00", "").strip().split())   # NUL: a liveness probe
                if not cmd:
                    out.write("\n" + self.prompt())
                    continue
                if cmd in ("exit", "quit", "logout"):
                    break
                self.received.append(cmd)
                if PAGING_OFF.match(cmd) and not self.faults.never_unpage:
                    paging = False
                if SETUP.match(cmd) or PAGING_OFF.match(cmd):
                    reply = SETUP_REPLIES.get((self.platform, cmd), "")
                    out.write((reply + "\n" if reply else "") + self.prompt())
                    continue
                if cmd in self.faults.delay:
                    await asyncio.sleep(self.faults.delay[cmd])
                text = self.output_for(cmd)
                if text is None:
                    text = INVALID.get(self.platform, "                ^\n% Invalid input detected at '^' marker.")
                lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
                if paging and len(lines) > PAGE_LINES:
                    if not await self._paged(process, lines):
                        break
                else:
                    out.write("\n".join(lines) + "\n")
                out.write(self.prompt())
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, asyncssh.Error, ConnectionError):
            pass
        with contextlib.suppress(Exception):
            process.exit(0)

    async def _paged(self, process: asyncssh.SSHServerProcess, lines: list[str]) -> bool:
        """Write a page, then ' --More-- ' and wait for a key: space = next page, q = stop."""
        for start in range(0, len(lines), PAGE_LINES):
            process.stdout.write("\n".join(lines[start:start + PAGE_LINES]) + "\n")
            if start + PAGE_LINES >= len(lines):
                break
            process.stdout.write(" --More-- ")
            chan: Any = process.channel    # the line-editor channel; a single key answers --More--
            chan.set_line_mode(False)
            try:
                key = await process.stdin.read(1)
            finally:
                chan.set_line_mode(True)
            process.stdout.write("\r          \r")
            if not key:
                return False
            if key in ("q", "Q", "\x03"):
                break
        return True


async def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--recording", required=True)
    ap.add_argument("--platform", required=True, choices=sorted(PROMPTS))
    ap.add_argument("--port", type=int, default=2222)
    ap.add_argument("--username", default="lab")
    ap.add_argument("--password", default="lab")
    args = ap.parse_args()
    sim = CliSimulator(args.platform, recording=args.recording, username=args.username, password=args.password)
    await sim.start(port=args.port)
    print(sim.known_hosts_line(), end="", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
