"""Debian's net-snmp snmpd as a real agent: v2c and v3 authPriv (SHA-256 + AES-128), both clients.

The test writes its own snmpd.conf into tmp_path, starts snmpd in the foreground on a free port
of 127.0.0.1 and stops it; the system service is never touched. Expected values come from that
config file and from /sys/class/net (what snmpd's ifTable reports), not from the code under test.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from netrosetta.collectors.snmp.client import SnmpAuthError, SnmpTimeout, make_client
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.lab import agent_answers, free_udp_port, stop_process
from netrosetta.collectors.snmp.source import identify
from netrosetta.collectors.snmp.target import SnmpTarget

pytestmark = pytest.mark.live

COMMUNITY = "nrd-Community-41c7"
USER = "nrduser"
AUTH_KEY = "nrd-AuthKey-8e02"
PRIV_KEY = "nrd-PrivKey-3f9a"
SECRETS = (COMMUNITY, AUTH_KEY, PRIV_KEY)
SYS_DESCR = "netrosetta live test agent"
SYS_NAME = "nr-snmpd-name"
SYS_CONTACT = "nr-snmpd-contact"
NET_SNMP_LINUX_OID = "1.3.6.1.4.1.8072.3.2.10"  # net-snmp's sysObjectID for Linux agents
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"


@dataclass
class Snmpd:
    port: int
    log: Path


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpd]:
    exe = shutil.which("snmpd") or ("/usr/sbin/snmpd" if os.path.exists("/usr/sbin/snmpd") else None)
    if exe is None:
        reason = "snmpd is not installed (Debian package snmpd, scripts/setup.sh installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    (tmp / "persist").mkdir()
    conf = tmp / "snmpd.conf"
    conf.write_text(f"""[snmp] persistentDir {tmp / "persist"}
agentAddress udp:127.0.0.1:{port}
rocommunity {COMMUNITY} 127.0.0.1
createUser {USER} SHA-256 "{AUTH_KEY}" AES "{PRIV_KEY}"
rouser {USER} priv
sysDescr {SYS_DESCR}
sysName {SYS_NAME}
sysContact {SYS_CONTACT}
sysLocation nr-snmpd-location
""")
    log = tmp / "snmpd.log"
    # -f foreground, -C only our config, -I -smux: no smux socket; MIBS empty: no MIB-loading noise
    proc = subprocess.Popen([exe, "-f", "-C", "-c", str(conf), "-Lf", str(log), "-p", str(tmp / "pid"),
                             "-I", "-smux"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "MIBS": "", "MIBDIRS": str(tmp)},
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not agent_answers("127.0.0.1", port, COMMUNITY):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"snmpd did not start on 127.0.0.1:{port}: {log.read_text()[-500:] if log.exists() else ''}")
            time.sleep(0.1)
        yield Snmpd(port, log)
    finally:
        stop_process(proc)


def v2c(d: Snmpd, community: str = COMMUNITY, **kw: object) -> SnmpTarget:
    return SnmpTarget(host="127.0.0.1", port=d.port, credentials=SnmpV2cCredentials(community=SecretStr(community)),
                      **kw)  # type: ignore[arg-type]


def v3(d: Snmpd, user: str = USER, auth_key: str = AUTH_KEY, **kw: object) -> SnmpTarget:
    creds = SnmpV3Credentials(user=user, auth_protocol="SHA256", auth_key=SecretStr(auth_key),
                              priv_protocol="AES", priv_key=SecretStr(PRIV_KEY))
    return SnmpTarget(host="127.0.0.1", port=d.port, version="3", credentials=creds, **kw)  # type: ignore[arg-type]


def host_interfaces() -> set[bytes]:
    return {p.name.encode() for p in Path("/sys/class/net").iterdir()}


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
async def test_v2c_identify_and_walk(snmpd: Snmpd, prefer: str) -> None:
    client = make_client(v2c(snmpd), prefer)  # type: ignore[arg-type]
    try:
        _system, facts = await identify(client)
        system = await client.walk("1.3.6.1.2.1.1")
        if_descr = await client.walk(IF_DESCR)
    finally:
        await client.close()
    assert (facts.sys_descr, facts.sys_name, facts.sys_object_id) == (SYS_DESCR, SYS_NAME, NET_SNMP_LINUX_OID)
    assert isinstance(facts.sys_uptime, int) and facts.sys_uptime >= 0
    assert ("1.3.6.1.2.1.1.4.0", 4, SYS_CONTACT.encode()) in system
    assert {vb[2] for vb in if_descr} == host_interfaces()
    assert all(vb[1] == 4 and vb[0].startswith(IF_DESCR + ".") for vb in if_descr)


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
async def test_v3_authpriv_sha256_aes_equals_v2c(snmpd: Snmpd, prefer: str) -> None:
    v2 = make_client(v2c(snmpd))
    sec = make_client(v3(snmpd), prefer)  # type: ignore[arg-type]
    try:
        _system, facts = await identify(sec)
        over_v3 = await sec.walk(IF_DESCR)
        over_v2c = await v2.walk(IF_DESCR)
    finally:
        await v2.close()
        await sec.close()
    assert facts.sys_descr == SYS_DESCR and facts.sys_object_id == NET_SNMP_LINUX_OID
    assert over_v3 == over_v2c and len(over_v3) == len(host_interfaces())


async def test_bad_credentials_are_clear_and_secret_free(snmpd: Snmpd, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cases = [
        (v2c(snmpd, community="bad-" + COMMUNITY, timeout=0.3, retries=0), "native", SnmpTimeout),
        (v3(snmpd, auth_key="bad-" + AUTH_KEY, timeout=1, retries=0), "native", SnmpAuthError),
        (v3(snmpd, auth_key="bad-" + AUTH_KEY, timeout=1, retries=0), "pysnmp", SnmpAuthError),
        (v3(snmpd, user="nobody", timeout=1, retries=0), "native", SnmpAuthError),
        (v3(snmpd, user="nobody", timeout=1, retries=0), "pysnmp", SnmpAuthError),
    ]
    messages = []
    for target, prefer, kind in cases:
        client = make_client(target, prefer)  # type: ignore[arg-type]
        try:
            with pytest.raises(kind) as info:
                await client.get(["1.3.6.1.2.1.1.1.0"])
        finally:
            await client.close()
        assert str(info.value).startswith(f"127.0.0.1:{snmpd.port}: ")
        messages.append(f"{info.value} {info.value!r}")
    text = caplog.text + "\n".join(messages)
    for secret in SECRETS:
        assert secret not in text
