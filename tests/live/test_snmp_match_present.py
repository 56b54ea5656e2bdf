"""`match.snmp` `present` over real SNMP: the APC Easy ePDU fleet walk (sysObjectID enterprises.0,
empty sysDescr) served by snmpsim, polled through a UDP relay written here that counts the
GETNEXT requests naming the probe OID. The device matches apc/epdu on every poll, the probe is
sent once while the rulebook set and the device's identity stay the same, and again after a
reload (a new set may carry other probes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest
from pydantic import SecretStr

from netrosetta.collectors.snmp.client import make_client
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.collectors.snmp.target import SnmpTarget, SnmpTargetSpec
from netrosetta.collectors.snmp.varbind import TAG_END_OF_MIB, read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.service.sources import make_source
from tests.conftest import need_shared

pytestmark = pytest.mark.live

PROBE = "1.3.6.1.4.1.1.1.38"
GETNEXT = 0xA1


def ber_oid(oid: str) -> bytes:
    """The OID's BER TLV (written here from X.690, not the project's encoder)."""
    parts = [int(p) for p in oid.split(".")]
    body = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        body.extend(reversed(chunk))
    return bytes([0x06, len(body)]) + bytes(body)


def _skip_tlv(data: bytes, i: int) -> int:
    n = data[i + 1]
    if n < 0x80:
        return i + 2 + n
    k = n & 0x7F
    return i + 2 + k + int.from_bytes(data[i + 2:i + 2 + k], "big")


def pdu_type(msg: bytes) -> int:
    """The PDU tag of a v1/v2c message: SEQUENCE { version, community, PDU }."""
    i = 2 if msg[1] < 0x80 else 2 + (msg[1] & 0x7F)
    i = _skip_tlv(msg, i)          # version
    i = _skip_tlv(msg, i)          # community
    return msg[i]


class Relay(asyncio.DatagramProtocol):
    """Forwards one client's datagrams to the agent and the answers back, counting probe GETNEXTs."""

    def __init__(self, agent: tuple[str, int]) -> None:
        self.agent, self.probes, self.client = agent, 0, None
        self.transport: asyncio.DatagramTransport | None = None
        self.needle = ber_oid(PROBE) + b"\x05\x00"     # the probe OID exactly, with a NULL value

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        if addr == self.agent:
            if self.client is not None:
                self.transport.sendto(data, self.client)
            return
        self.client = addr
        if pdu_type(data) == GETNEXT and self.needle in data:
            self.probes += 1
        self.transport.sendto(data, self.agent)


@contextmanager
def agent_for(walk_name: str) -> Iterator[tuple[str, int]]:
    with snmpsim_agent({"epdu": need_shared("corpus", "snmp-fleet", walk_name)}) as agent:
        yield agent.host, agent.port


async def test_probe_sent_once_and_the_match_holds() -> None:
    with agent_for("apc-epdu_epdu1132m.snmprec") as (host, port):
        loop = asyncio.get_running_loop()
        transport, relay = await loop.create_datagram_endpoint(lambda: Relay((host, port)),
                                                               local_addr=("127.0.0.1", 0))
        try:
            relay_port = transport.get_extra_info("sockname")[1]
            spec = SnmpTargetSpec.model_validate({"host": "127.0.0.1", "port": relay_port, "version": "2c",
                                                  "credentials": SnmpV2cCredentials(community=SecretStr("epdu")),
                                                  "timeout": 10, "retries": 1})
            src = make_source("snmp", "snmp/epdu", spec)
            try:
                rs = RulebookSet.from_paths()
                chosen = []
                for _ in range(3):
                    polled = await src.poll(rs)
                    m = polled.translation.matched
                    assert m is not None and m.chosen is not None
                    chosen.append(m.chosen.id)
                    assert polled.translation.resource["os.version"] == "11.10"
                assert chosen == ["apc/epdu"] * 3
                assert relay.probes == 1
                polled = await src.poll(RulebookSet.from_paths())     # a reload: probed again
                assert polled.translation.matched is not None and polled.translation.matched.chosen is not None
                assert polled.translation.matched.chosen.id == "apc/epdu"
                assert relay.probes == 2
            finally:
                await src.close()
        finally:
            transport.close()


def test_ber_oid_is_x690() -> None:
    # 1.3.6.1.4.1.318 -> 2B 06 01 04 01 82 3E (318 = 2*128 + 62)
    assert ber_oid("1.3.6.1.4.1.318") == bytes.fromhex("06072b06010401823e")


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
@pytest.mark.parametrize("version", ["1", "2c"])
async def test_get_next_of_both_clients(prefer: str, version: str) -> None:
    # the probe's next varbind is the walk's first line under it; past the walk's last OID
    # nothing follows (v2c endOfMibView, v1 noSuchName: both an empty or end answer, no error)
    walk = need_shared("corpus", "snmp-fleet", "apc-epdu_epdu1132m.snmprec")
    lines = sorted(read_snmprec(walk).varbinds, key=lambda vb: [int(p) for p in vb[0].split(".")])
    first = next(vb for vb in lines if vb[0].startswith(PROBE + "."))
    with agent_for("apc-epdu_epdu1132m.snmprec") as (host, port):
        target = SnmpTarget(host=host, port=port, version=version,
                            credentials=SnmpV2cCredentials(community=SecretStr("epdu")), timeout=10, retries=1)
        client = make_client(target, prefer)  # type: ignore[arg-type]
        try:
            (got,) = await client.get_next([PROBE])
            past = await client.get_next([lines[-1][0]])
        finally:
            await client.close()
    assert got[0] == first[0] and got[2] == first[2]
    assert past == [] or past[0][1] == TAG_END_OF_MIB
