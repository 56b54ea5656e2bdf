"""Serve recorded walks with snmpsim on a free UDP port of 127.0.0.1 — for tests, benches and the lab.

    with snmpsim_agent({"public": path_to_walk}) as agent:
        agent.port  # SNMP v2c community "public" answers from that walk

Walk files are copied into a temporary data dir (``<community>.snmprec``); nothing is written
into the repository. Needs ``snmpsim-command-responder`` (the snmpsim package) on PATH or beside
the running Python.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from netrosetta.collectors.snmp import ber
from netrosetta.errors import NetrosettaError

START_TIMEOUT = 30.0  # index building of a 14k-line walk takes a few seconds on a busy box


class LabError(NetrosettaError):
    pass


@dataclass(frozen=True)
class SimV3User:
    """One SNMPv3 user snmpsim accepts (any context maps onto the walks like communities do)."""

    user: str
    auth_key: str
    priv_key: str
    auth_proto: str = "SHA256"  # snmpsim names: MD5 SHA SHA224 SHA256 SHA384 SHA512
    priv_proto: str = "AES"  # DES 3DES AES AES128 AES192 AES192BLMT AES256 AES256BLMT


@dataclass
class SimAgent:
    host: str
    port: int
    pid: int
    data_dir: Path
    communities: list[str]


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _responder() -> list[str]:
    """snmpsim's responder run by this interpreter: found wherever snmpsim imports (a venv's bin/ may
    not hold its script, e.g. when the package came in as a dependency of another environment)."""
    if importlib.util.find_spec("snmpsim") is None:
        raise LabError("snmpsim is not installed: pip install snmpsim")
    return [sys.executable, "-c", "import sys; from snmpsim.commands.responder import main; sys.exit(main())"]


def agent_answers(host: str, port: int, community: str, timeout: float = 0.3) -> bool:
    """One blocking v2c GET of sysUpTime.0: True when anything SNMP comes back."""
    msg = ber.encode_request("2c", community.encode(), ber.PDU_GET, 1, ["1.3.6.1.2.1.1.3.0"])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, (host, port))
            data = s.recv(65535)
        except OSError:
            return False
    try:
        ber.decode_response(data)
    except ber.BerError:
        return False
    return True


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


@contextlib.contextmanager
def snmpsim_agent(walks: Mapping[str, str | Path], *, v3_users: list[SimV3User] | None = None,
                  host: str = "127.0.0.1", port: int | None = None,
                  start_timeout: float = START_TIMEOUT) -> Iterator[SimAgent]:
    """Start snmpsim serving ``{community: walk_file}``; stop it and remove the data on exit."""
    if not walks:
        raise LabError("snmpsim_agent needs at least one walk")
    with tempfile.TemporaryDirectory(prefix="netrosetta-snmpsim-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        for community, walk in walks.items():
            if not community or "/" in community or community.startswith("."):
                raise LabError("a community must be a plain file name (no '/', not starting with '.')")
            src = Path(walk)
            if not src.is_file():
                raise LabError(f"walk file not found: {src}")
            shutil.copyfile(src, data_dir / f"{community}.snmprec")
        port = port or free_udp_port(host)
        args = [*_responder(), f"--data-dir={data_dir}", f"--cache-dir={Path(tmp) / 'cache'}",
                f"--agent-udpv4-endpoint={host}:{port}", "--logging-method=null"]
        for u in v3_users or []:
            args += [f"--v3-user={u.user}", f"--v3-auth-key={u.auth_key}", f"--v3-auth-proto={u.auth_proto}",
                     f"--v3-priv-key={u.priv_key}", f"--v3-priv-proto={u.priv_proto}"]
        env = dict(os.environ)
        if os.geteuid() == 0:
            env["SNMPSIM_ALLOW_ROOT"] = "true"  # snmpsim refuses root otherwise
        log_path = Path(tmp) / "snmpsim.log"
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        try:
            first = next(iter(walks))
            deadline = time.monotonic() + start_timeout
            while not agent_answers(host, port, first):
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-800:]
                    raise LabError(f"snmpsim exited with {proc.returncode} on {host}:{port}: {tail}")
                if time.monotonic() > deadline:
                    raise LabError(f"snmpsim did not answer on {host}:{port} within {start_timeout:g}s")
                time.sleep(0.1)
            yield SimAgent(host, port, proc.pid, data_dir, list(walks))
        finally:
            stop_process(proc)
