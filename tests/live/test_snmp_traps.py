"""SNMP traps and informs from Debian's net-snmp tools (snmptrap, snmpinform) to `netrosetta traps`:
v1, v2c and v3 (authPriv), named with the MIB index, v1 put in v2 form (RFC 3584), informs answered
(the tools exit 0 only when the Response arrives), bad credentials counted and never emitted, the
community never printed. Expectations come from the MIBs (IF-MIB: ifOperStatus down(2)) and RFCs,
not from the receiver."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.traps import Notification, TrapReceiver

pytestmark = pytest.mark.live
COMMUNITY = "tr4p-Secret"
IF_INDEX, IF_ADMIN, IF_OPER = "1.3.6.1.2.1.2.2.1.1", "1.3.6.1.2.1.2.2.1.7", "1.3.6.1.2.1.2.2.1.8"
LINK_DOWN, LINK_UP, COLD_START = "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.6.3.1.1.5.4", "1.3.6.1.6.3.1.1.5.1"
V3 = ["-v", "3", "-u", "trapuser", "-l", "authPriv", "-a", "SHA-256", "-A", "auth-pass-123", "-x", "AES",
      "-X", "priv-pass-123"]

needs_tools = pytest.mark.skipif(not shutil.which("snmptrap"), reason="net-snmp tools (Debian: snmp) not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tool(*args: str) -> int:
    return subprocess.run(list(args), capture_output=True, timeout=30, check=False).returncode


def _records(stdout: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in stdout.splitlines():
        for rl in json.loads(line)["resourceLogs"]:
            for sl in rl["scopeLogs"]:
                for lr in sl["logRecords"]:
                    attrs = {a["key"]: next(iter(a["value"].values())) for a in lr["attributes"]}
                    out.append((lr["body"]["stringValue"], attrs))
    return out


@needs_tools
def test_traps_and_informs_from_net_snmp(tmp_path: Path) -> None:
    port = _free_port()
    cfg = tmp_path / "traps.yaml"
    cfg.write_text(f"listen: 127.0.0.1:{port}\ncommunities: [env:NR_TRAP_COMMUNITY]\nusers:\n"
                   "  - {user: trapuser, auth_protocol: SHA256, auth_key: 'literal:auth-pass-123', "
                   "priv_protocol: AES, priv_key: 'literal:priv-pass-123'}\n")
    proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "traps", "--config", str(cfg), "--count", "6",
                             "--duration", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NR_TRAP_COMMUNITY": COMMUNITY})
    try:
        time.sleep(2.5)       # the interpreter and the MIB index load before the socket opens
        dest = f"127.0.0.1:{port}"
        # 1. v2c linkDown with the IF-MIB objects
        assert _tool("snmptrap", "-v", "2c", "-c", COMMUNITY, dest, "", LINK_DOWN, f"{IF_INDEX}.3", "i", "3",
                     f"{IF_ADMIN}.3", "i", "1", f"{IF_OPER}.3", "i", "2") == 0
        # 2. the wrong community: refused, counted, not emitted
        assert _tool("snmptrap", "-v", "2c", "-c", "not-it", dest, "", LINK_UP) == 0
        # 3. v1 generic trap 2 (linkDown) from agent 192.0.2.7
        assert _tool("snmptrap", "-v", "1", "-c", COMMUNITY, dest, "1.3.6.1.4.1.8072.2.3.1", "192.0.2.7", "2", "0",
                     "", f"{IF_INDEX}.4", "i", "4") == 0
        # 4. v1 enterprise-specific trap 6/17 of enterprise 1.3.6.1.4.1.9.9.41.2
        assert _tool("snmptrap", "-v", "1", "-c", COMMUNITY, dest, "1.3.6.1.4.1.9.9.41.2", "192.0.2.7", "6", "17",
                     "", "1.3.6.1.2.1.1.6.0", "s", "rack 4") == 0
        # 5. v2c inform: snmpinform exits 0 only when our Response came back
        assert _tool("snmpinform", "-v", "2c", "-c", COMMUNITY, "-r", "1", "-t", "3", dest, "", COLD_START) == 0
        # 6. v3 authPriv trap (the sender is the authoritative engine), then one with a wrong key
        assert _tool("snmptrap", *V3, "-e", "0x80001f8880aabbccdd01", dest, "", LINK_UP, f"{IF_INDEX}.5", "i", "5") == 0
        bad = [a if a != "auth-pass-123" else "wrong-pass-123" for a in V3]
        assert _tool("snmptrap", *bad, "-e", "0x80001f8880aabbccdd01", dest, "", LINK_UP) == 0
        # 7. v3 inform: engine discovery against us, then the authenticated inform, answered
        assert _tool("snmpinform", *V3, "-r", "1", "-t", "3", dest, "", LINK_DOWN, f"{IF_INDEX}.6", "i", "6") == 0
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert COMMUNITY not in out + err and "auth-pass-123" not in out + err
    recs = _records(out)
    assert [(name, a["snmp.version"], a["snmp.pdu"]) for name, a in recs] == [
        ("IF-MIB::linkDown", "2c", "trap"), ("IF-MIB::linkDown", "1", "trap"),
        ("CISCO-SMI::ciscoMgmt.41.2.0.17", "1", "trap"), ("SNMPv2-MIB::coldStart", "2c", "inform"),
        ("IF-MIB::linkUp", "3", "trap"), ("IF-MIB::linkDown", "3", "inform")]
    v2 = recs[0][1]
    assert v2["snmp.trap.oid"] == LINK_DOWN and v2["network.peer.address"] == "127.0.0.1"
    assert (v2["snmp.varbind.IF-MIB::ifIndex"], v2["snmp.varbind.IF-MIB::ifAdminStatus"],
            v2["snmp.varbind.IF-MIB::ifOperStatus"], v2["snmp.varbind.IF-MIB::ifOperStatus.index"]) == \
        ("3", "up", "down", "3")
    v1 = recs[1][1]        # RFC 3584 3.1: generic 2 -> snmpTraps.3, the enterprise kept as snmpTrapEnterprise
    assert v1["snmp.trap.oid"] == LINK_DOWN and v1["snmp.agent.address"] == "192.0.2.7"
    assert v1["snmp.varbind.SNMPv2-MIB::snmpTrapEnterprise"].endswith("8072.2.3.1")
    assert recs[2][1]["snmp.trap.oid"] == "1.3.6.1.4.1.9.9.41.2.0.17"
    assert recs[2][1]["snmp.varbind.SNMPv2-MIB::sysLocation"] == "rack 4"
    assert recs[4][1]["snmp.user"] == "trapuser" and recs[5][1]["snmp.varbind.IF-MIB::ifIndex"] == "6"
    assert "refused: auth_failed 1, bad_community 1" in err, err


@needs_tools
def test_a_retransmitted_inform_is_answered_but_emitted_once() -> None:
    """snmpinform retries when no answer comes: catch its real datagrams on a silent socket, then
    hand them to a receiver - both are answered, one notification comes out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.settimeout(5)
        dest = f"127.0.0.1:{silent.getsockname()[1]}"
        proc = subprocess.Popen(["snmpinform", "-v", "2c", "-c", COMMUNITY, "-r", "1", "-t", "1", dest, "",
                                 COLD_START], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sent = [silent.recvfrom(65535)[0] for _ in range(2)]
        proc.wait(10)
    assert sent[0] == sent[1], "net-snmp retransmits the same datagram"
    got: list[Notification] = []

    async def run() -> TrapReceiver:
        loop = asyncio.get_running_loop()
        transport, rx = await loop.create_datagram_endpoint(
            lambda: TrapReceiver(got.append, communities=[COMMUNITY]), local_addr=("127.0.0.1", 0))
        here = transport.get_extra_info("sockname")

        def exchange() -> list[bytes]:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                sender.settimeout(3)
                answers = []
                for dgram in sent:
                    sender.sendto(dgram, here)
                    answers.append(sender.recvfrom(65535)[0])
                return answers

        answers = await asyncio.to_thread(exchange)   # the loop keeps serving the receiver meanwhile
        transport.close()
        assert len(answers) == 2 and answers[0] == answers[1]
        return rx

    rx = asyncio.run(run())
    assert len(got) == 1 and got[0].pdu == "inform"
    assert (rx.stats.informs_answered, rx.stats.informs_repeated, rx.stats.accepted) == (2, 1, 1)
