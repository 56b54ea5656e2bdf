"""Native client against a scripted UDP agent on 127.0.0.1: the misbehaviours snmpsim never shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from netrosetta.collectors.snmp import ber
from netrosetta.collectors.snmp.client import SnmpError, SnmpTimeout
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.native_client import NativeClient
from netrosetta.collectors.snmp.target import SnmpTarget
from tests.unit.test_snmp_ber import response

SECRET = "edge-Secret-Community-1"
Script = Callable[[int, int, list[str], int], bytes | None]  # (pdu, req_id, oids, max_rep) -> reply


class _Agent(asyncio.DatagramProtocol):
    def __init__(self, script: Script) -> None:
        self.script = script
        self.seen = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        pdu, req_id, _non_rep, max_rep, _c, vbs = ber.decode_response(data)
        self.seen += 1
        reply = self.script(pdu, req_id, [v[0] for v in vbs], max_rep)
        if reply is not None:
            self.transport.sendto(reply, addr)  # type: ignore[attr-defined]


async def _client(script: Script, **kw: object) -> tuple[NativeClient, _Agent, asyncio.DatagramTransport]:
    loop = asyncio.get_running_loop()
    transport, agent = await loop.create_datagram_endpoint(lambda: _Agent(script), local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    target = SnmpTarget(host="127.0.0.1", port=port, timeout=0.2, retries=1,
                        credentials=SnmpV2cCredentials(community=SecretStr(SECRET)), **kw)  # type: ignore[arg-type]
    return NativeClient(target), agent, transport


def _vb(oid: str, value: int = 1) -> tuple[bytes, int, bytes]:
    return ber.encode_oid(oid), 2, bytes([value])


async def test_non_increasing_oid_is_an_error_not_a_loop() -> None:
    client, _agent, tr = await _client(lambda p, r, oids, m: response([_vb("1.3.6.1.2.1.2.2.1.1.1")], r))
    try:
        with pytest.raises(SnmpError, match=r"127\.0\.0\.1:\d+: agent returned a non-increasing OID"):
            await client.walk("1.3.6.1.2.1.2.2")
    finally:
        await client.close()
        tr.close()


async def test_garbage_then_silence_times_out_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    client, agent, tr = await _client(lambda p, r, oids, m: b"\x30\x82garbage")
    try:
        with pytest.raises(SnmpTimeout) as info:
            await client.get(["1.3.6.1.2.1.1.1.0"])
        assert "no response after 2 tries" in str(info.value)
        assert client.timeouts == 1 and client.retries == 1 and agent.seen == 2
        assert client._proto is not None and client._proto.bad_datagrams == 2
        assert SECRET not in str(info.value) and SECRET not in caplog.text
    finally:
        await client.close()
        tr.close()


def _bulk(mib: list[str], oids: list[str], reps: int) -> list[tuple[bytes, int, bytes]]:
    """GETBULK over a tiny sorted MIB: row by row, each requested OID advanced (RFC 3416 4.2.3)."""
    from netrosetta.collectors.snmp.varbind import oid_key

    keys = [oid_key(o) for o in mib]
    cur = list(oids)
    out: list[tuple[bytes, int, bytes]] = []
    for _ in range(reps):
        for n, o in enumerate(cur):
            nxt = next((m for m, k in zip(mib, keys, strict=True) if k > oid_key(o)), None)
            if nxt is None:
                out.append((ber.encode_oid(o), 130, b""))  # endOfMibView
            else:
                out.append(_vb(nxt, 9))
                cur[n] = nxt
    return out


async def test_too_big_halves_max_repetitions() -> None:
    rows = [f"1.3.6.1.2.1.2.2.1.{c}.{i}" for c in (1, 2) for i in range(1, 8)] + ["1.3.6.1.2.1.2.3.0"]

    def script(pdu: int, req: int, oids: list[str], max_rep: int) -> bytes:
        if max_rep > 4:
            return response([], req, status=1)  # tooBig
        return response(_bulk(rows, oids, max_rep), req)

    client, _agent, tr = await _client(script, max_repetitions=16)
    try:
        got = await client.walk("1.3.6.1.2.1.2.2")
        assert [v[0] for v in got] == rows[:-1] and client._max_rep == 4
    finally:
        await client.close()
        tr.close()


async def test_column_lanes_on_sparse_table() -> None:
    # columns 2, 3 and 7 of a table plus a scalar after it: dead column lanes (4, 5, 6) must cost
    # nothing but a slot, and the result must be the subtree in OID order
    mib = [f"1.3.6.1.4.1.9.9.1.1.{c}.{i}" for c in (2, 3, 7) for i in (1, 2, 3, 10, 11)]
    mib += ["1.3.6.1.4.1.9.9.1.2.0", "1.3.6.1.4.1.9.9.2.1.0"]
    client, _agent, tr = await _client(lambda p, r, oids, m: response(_bulk(mib, oids, m), r), max_repetitions=2)
    try:
        got = await client.walk("1.3.6.1.4.1.9.9.1")
        assert [v[0] for v in got] == mib[:-1]
        assert [v[0] for v in await client.walk_many(["1.3.6.1.4.1.9.9", "1.3.6.1.4.1.9.8"])] == mib
    finally:
        await client.close()
        tr.close()


async def test_error_status_names_target_and_oid() -> None:
    client, _agent, tr = await _client(lambda p, r, oids, m: response([_vb(oids[0])], r, status=5, index=1))
    try:
        with pytest.raises(SnmpError, match=r"127\.0\.0\.1:\d+: agent answered genErr at 1\.3\.6\.1\.2\.1\.1\.1\.0"):
            await client.get(["1.3.6.1.2.1.1.1.0"])
    finally:
        await client.close()
        tr.close()


async def test_unreachable_port_is_a_timeout() -> None:
    from netrosetta.collectors.snmp.lab import free_udp_port

    target = SnmpTarget(host="127.0.0.1", port=free_udp_port(), timeout=0.1, retries=0,
                        credentials=SnmpV2cCredentials(community=SecretStr(SECRET)))
    client = NativeClient(target)
    try:
        with pytest.raises(SnmpTimeout, match=rf"127\.0\.0\.1:{target.port}: no response after 1 tries"):
            await client.walk("1.3.6.1.2.1.2.2")
    finally:
        await client.close()


async def test_bad_root_oid() -> None:
    client, _agent, tr = await _client(lambda p, r, oids, m: None)
    try:
        with pytest.raises(SnmpError, match="bad OID"):
            await client.walk("ifTable")
    finally:
        await client.close()
        tr.close()


async def test_v3_discovery_and_clock_resync_against_scripted_engine() -> None:
    """Discovery report, then notInTimeWindow (agent rebooted: new boots), then the answer."""
    from netrosetta.collectors.snmp import usm
    from netrosetta.collectors.snmp.credentials import SnmpV3Credentials

    engine = bytes.fromhex("80001f8880aabbccdd")
    creds = SnmpV3Credentials(user="nr", auth_protocol="SHA256", auth_key=SecretStr(SECRET),
                              priv_protocol="AES", priv_key=SecretStr(SECRET + "-priv"))
    keys = usm.Keys.for_engine(creds, engine)
    seen: list[tuple[int, int, int]] = []

    class V3Agent(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            inc = usm.parse_header(data)
            seen.append((inc.flags & 3, inc.boots, inc.etime))
            if not inc.engine_id:  # discovery: unauthenticated report of the engine ID and clock
                pdu = ber.encode_pdu(ber.PDU_REPORT, inc.msg_id, [])
                reply = usm.encode_message(inc.msg_id, usm.Keys(None, 0, b"", b""), engine, 1, 100, b"",
                                           engine, b"", pdu, b"", reportable=False)
            else:
                _t, req_id, _s, _i, vbs = usm.open_message(data, inc, keys)
                if inc.boots != 2:  # we "rebooted": authenticated notInTimeWindow with the new clock
                    body = response([(ber.encode_oid(usm.REPORT_NOT_IN_TIME_WINDOW), 65, b"\x01")], req_id)
                    pdu = body[body.index(bytes([ber.PDU_RESPONSE])):].replace(
                        bytes([ber.PDU_RESPONSE]), bytes([ber.PDU_REPORT]), 1)
                    keys_no_priv = usm.Keys(keys.hash_name, keys.mac_len, keys.auth, b"")
                    reply = usm.encode_message(inc.msg_id, keys_no_priv, engine, 2, 7, b"nr", engine, b"", pdu,
                                               b"", reportable=False)
                else:
                    body = response([(ber.encode_oid(vbs[0][0]), 4, b"hello")], req_id)
                    pdu = body[body.index(bytes([ber.PDU_RESPONSE])):]
                    reply = usm.encode_message(inc.msg_id, keys, engine, 2, 8, b"nr", engine, b"", pdu,
                                               bytes(8), reportable=False)
            self.transport.sendto(reply, addr)  # type: ignore[attr-defined]

    loop = asyncio.get_running_loop()
    tr, _ = await loop.create_datagram_endpoint(V3Agent, local_addr=("127.0.0.1", 0))
    target = SnmpTarget(host="127.0.0.1", port=tr.get_extra_info("sockname")[1], version="3", timeout=0.5,
                        retries=0, credentials=creds)
    client = NativeClient(target)
    try:
        assert await client.get(["1.3.6.1.2.1.1.5.0"]) == [("1.3.6.1.2.1.1.5.0", 4, b"hello")]
    finally:
        await client.close()
        tr.close()
    # discovery (noAuth), authPriv with the discovered clock, authPriv again with the corrected one
    assert [s[:2] for s in seen] == [(0, 0), (3, 1), (3, 2)]


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
async def test_unresolvable_host_is_a_clear_error(prefer: str) -> None:
    from netrosetta.collectors.snmp.client import make_client

    target = SnmpTarget(host="no-such-host.invalid", timeout=0.2, retries=0,  # RFC 2606: never resolves
                        credentials=SnmpV2cCredentials(community=SecretStr(SECRET)))
    client = make_client(target, prefer)  # type: ignore[arg-type]
    try:
        with pytest.raises(SnmpError, match=r"^no-such-host\.invalid:161: cannot resolve") as info:
            await client.get(["1.3.6.1.2.1.1.1.0"])
        assert SECRET not in str(info.value)
    finally:
        await client.close()
