"""Both SNMP clients against corpus walks served by snmpsim over real UDP on 127.0.0.1.

Expected values come from the .snmprec files (read with collectors.snmp.varbind.read_snmprec), never from
the code under test; gufo-snmp is a third, independent decoder for the values.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from netrosetta.collectors.snmp.client import SnmpAuthError, SnmpTimeout, make_client
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.gufo_client import GufoWalker
from netrosetta.collectors.snmp.lab import SimAgent, SimV3User, snmpsim_agent
from netrosetta.collectors.snmp.source import identify, walk_roots
from netrosetta.collectors.snmp.target import SnmpTarget, SnmpTargetSpec
from netrosetta.collectors.snmp.varbind import TAG_COUNTER64, VarBind, read_snmprec
from netrosetta.collectors.source import Polled, PollError
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.service.sources import make_source
from tests.conftest import need_shared

pytestmark = pytest.mark.live

IF_ROOTS = ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]
# distinctive values, so a leak is unmistakable in any message or log line
COMMUNITY = "nrtest-Community-7f3a"
AUTH_KEY = "nrtest-AuthKey-5b1c"
PRIV_KEY = "nrtest-PrivKey-9d2e"
USER = "nruser"
SECRETS = (COMMUNITY, AUTH_KEY, PRIV_KEY)


@pytest.fixture(scope="module")
def agent() -> Iterator[SimAgent]:
    walks = {COMMUNITY: need_shared("corpus", "snmp", "iosxe_c9300.snmprec"),
             "junos": need_shared("corpus", "snmp", "junos_vmx.snmprec")}
    with snmpsim_agent(walks, v3_users=[SimV3User(USER, AUTH_KEY, PRIV_KEY, "SHA256", "AES")]) as a:
        yield a


def expected(walk: str, roots: list[str]) -> list[VarBind]:
    vbs = read_snmprec(need_shared("corpus", "snmp", walk)).varbinds
    return [vb for vb in vbs if any(vb[0].startswith(r + ".") for r in roots)]


def v2c(agent: SimAgent, community: str = COMMUNITY, version: str = "2c", **kw: object) -> SnmpTarget:
    return SnmpTarget(host=agent.host, port=agent.port, version=version,  # type: ignore[arg-type]
                      credentials=SnmpV2cCredentials(community=SecretStr(community)), **kw)  # type: ignore[arg-type]


def v3(agent: SimAgent, context: str = COMMUNITY, auth_key: str = AUTH_KEY, **kw: object) -> SnmpTarget:
    creds = SnmpV3Credentials(user=USER, auth_protocol="SHA256", auth_key=SecretStr(auth_key),
                              priv_protocol="AES", priv_key=SecretStr(PRIV_KEY), context_name=context)
    return SnmpTarget(host=agent.host, port=agent.port, version="3", credentials=creds, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
async def test_if_tables_equal_walk_file(agent: SimAgent, prefer: str) -> None:
    client = make_client(v2c(agent), prefer)  # type: ignore[arg-type]
    try:
        got = [vb for root in IF_ROOTS for vb in await client.walk(root)]
    finally:
        await client.close()
    want = expected("iosxe_c9300.snmprec", IF_ROOTS)
    assert len(want) == 2473  # the figure the foundation issue quotes
    assert got == want
    # exact Python types per collectors.snmp.varbind, not just equal values (True == 1, b"" vs "")
    assert all(type(g[2]) is type(w[2]) for g, w in zip(got, want, strict=True))


async def test_both_clients_identical_over_several_tables(agent: SimAgent) -> None:
    # system group, ifType/ifSpeed/ifInOctets, ipAddrTable (IpAddress), entPhysicalVendorType (OIDs),
    # ifHCInOctets (Counter64): every type tag the corpus holds
    roots = ["1.3.6.1.2.1.1", "1.3.6.1.2.1.2.2.1.3", "1.3.6.1.2.1.2.2.1.5", "1.3.6.1.2.1.2.2.1.10",
             "1.3.6.1.2.1.4.20", "1.3.6.1.2.1.47.1.1.1.1.3", "1.3.6.1.2.1.31.1.1.1.6"]
    results = []
    for prefer in ("native", "pysnmp"):
        client = make_client(v2c(agent), prefer)  # type: ignore[arg-type]
        try:
            results.append(await walk_roots(client, roots))
        finally:
            await client.close()
    want = expected("iosxe_c9300.snmprec", roots)
    assert {vb[1] for vb in want} >= {2, 4, 6, 64, 65, 66, 67, 70}
    assert results[0] == results[1] == want


async def test_whole_tables_split_into_column_lanes_equal_walk_file(agent: SimAgent) -> None:
    # whole-table roots make the native client open one lane per column (walk_many/_split); the
    # lanes must still add up to exactly the walk, in OID order, with no gap or duplicate
    roots = ["1.3.6.1.2.1.2", "1.3.6.1.2.1.47.1.1.1", "1.3.6.1.2.1.4.20", "1.3.6.1.4.1.2636.3.1.13",
             "1.3.6.1.2.1.31.1.1.1.15", "1.3.6.1.2.1.99999"]
    client = make_client(v2c(agent, community="junos"), "native")
    try:
        got = await walk_roots(client, roots)
    finally:
        await client.close()
    want = expected("junos_vmx.snmprec", roots)
    assert len(want) > 800
    assert got == want


async def test_gufo_decodes_the_same_values(agent: SimAgent) -> None:
    roots = ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.10", "1.3.6.1.2.1.4.20.1.1", "1.3.6.1.2.1.31.1.1.1.6"]
    native = make_client(v2c(agent, max_repetitions=50), "native")
    gufo = GufoWalker(v2c(agent, max_repetitions=50))
    try:
        ours = [vb for root in roots for vb in await native.walk(root)]
        theirs = [p for root in roots for p in await gufo.walk(root)]
    finally:
        await native.close()
        await gufo.close()
    assert [(o, v) for o, _t, v in ours] == theirs


async def test_v1_getnext_walk(agent: SimAgent) -> None:
    want = [vb for vb in expected("iosxe_c9300.snmprec", ["1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6"])
            if vb[1] != TAG_COUNTER64]  # SNMPv1 has no Counter64: agents skip those (RFC 3584)
    for prefer in ("native", "pysnmp"):
        client = make_client(v2c(agent, version="1"), prefer)  # type: ignore[arg-type]
        try:
            got = await walk_roots(client, ["1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6"])
        finally:
            await client.close()
        assert got == want and len(got) > 50, prefer


async def test_identify_matches_walk_file(agent: SimAgent) -> None:
    sysvals = {vb[0]: vb[2] for vb in expected("iosxe_c9300.snmprec", ["1.3.6.1.2.1.1"])}
    client = make_client(v2c(agent))
    try:
        system, facts = await identify(client)
    finally:
        await client.close()
    assert facts.sys_object_id == sysvals["1.3.6.1.2.1.1.2.0"]
    assert facts.sys_descr == sysvals["1.3.6.1.2.1.1.1.0"].decode()  # type: ignore[union-attr]
    assert facts.sys_uptime == sysvals["1.3.6.1.2.1.1.3.0"]
    assert {vb[0]: vb[2] for vb in system}["1.3.6.1.2.1.1.5.0"] == sysvals["1.3.6.1.2.1.1.5.0"]
    # the corpus walk is anonymised (sysName "<private>"): no device name, rather than that one
    assert sysvals["1.3.6.1.2.1.1.5.0"] == b"<private>" and facts.sys_name is None


@pytest.mark.parametrize("prefer", ["native", "pysnmp"])
async def test_v3_authpriv_sha256_aes(agent: SimAgent, prefer: str) -> None:
    client = make_client(v3(agent, context="junos"), prefer)  # type: ignore[arg-type]
    try:
        _system, facts = await identify(client)
        got = await walk_roots(client, ["1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6"])
    finally:
        await client.close()
    want = expected("junos_vmx.snmprec", ["1.3.6.1.2.1.1.2", "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6"])
    assert facts.sys_object_id == want[0][2]
    assert got == want[1:] and len(got) > 20


async def test_wrong_credentials_fail_clearly_without_leaking(agent: SimAgent,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[Exception] = []
    for target, prefer, kind in [
        (v2c(agent, community="wrong-" + COMMUNITY, timeout=0.3, retries=1), "native", SnmpTimeout),
        (v2c(agent, community="wrong-" + COMMUNITY, timeout=0.3, retries=0), "pysnmp", SnmpTimeout),
        (v3(agent, auth_key="wrong-" + AUTH_KEY, timeout=0.5, retries=0), "native", SnmpAuthError),
        (v3(agent, auth_key="wrong-" + AUTH_KEY, timeout=0.5, retries=0), "pysnmp", SnmpAuthError),
    ]:
        client = make_client(target, prefer)  # type: ignore[arg-type]
        try:
            with pytest.raises(kind) as info:
                await client.get(["1.3.6.1.2.1.1.1.0"])
        finally:
            await client.close()
        assert str(info.value).startswith(f"{agent.host}:{agent.port}: ")
        errors.append(info.value)
    text = caplog.text + "\n".join(str(e) + repr(e) for e in errors)
    for secret in SECRETS:
        assert secret not in text


async def poll_all(targets: list[SnmpTarget], rulebooks: RulebookSet) -> list[Polled | PollError]:
    """Each target through the service's SNMP source, all at once, as the scheduler polls them."""
    sources = [make_source("snmp", f"snmp/t{i}", SnmpTargetSpec.model_validate(t.model_dump()))
               for i, t in enumerate(targets)]

    async def one(src: object) -> Polled | PollError:
        try:
            return await src.poll(rulebooks)  # type: ignore[attr-defined, no-any-return]
        except PollError as exc:
            return exc
        finally:
            await src.close()  # type: ignore[attr-defined]

    return list(await asyncio.gather(*(one(s) for s in sources)))


def if_names(p: Polled) -> set[str]:
    return {str(a["network.interface.name"]) for _s, _m, a, _v in p.translation.iter_points()
            if "network.interface.name" in a}


async def test_many_devices_concurrently_errors_counted(agent: SimAgent, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = [v2c(agent, timeout=2) for _ in range(4)] + [v3(agent, context="junos", timeout=2)]
    bad = [v2c(agent, community="nope-" + COMMUNITY, timeout=0.2, retries=0),
           v3(agent, auth_key="wrong-" + AUTH_KEY, timeout=0.5, retries=0)]
    results = await poll_all(good + bad, RulebookSet.from_paths())
    assert [isinstance(r, Polled) for r in results] == [True] * 5 + [False] * 2
    assert Counter(r.kind for r in results if isinstance(r, PollError)) == {"timeout": 1, "autherror": 1}
    # every interface the walk file lists is translated, from each of the four polls, under the
    # name IOS uses in its configuration (ifDescr)
    ifnames = {vb[2].decode() for vb in expected("iosxe_c9300.snmprec", ["1.3.6.1.2.1.2.2.1.2"])}  # type: ignore[union-attr]
    assert all(isinstance(r, Polled) and if_names(r) == ifnames for r in results[:4])
    sys_oid = "netrosetta.device.sys_object_id"
    assert isinstance(results[4], Polled) and isinstance(results[0], Polled)
    assert results[4].translation.resource[sys_oid] != results[0].translation.resource[sys_oid]
    for secret in SECRETS:
        assert secret not in caplog.text and all(secret not in str(r) for r in results if isinstance(r, PollError))


async def test_no_rulebook_is_a_counted_skip(agent: SimAgent, tmp_path: Path) -> None:
    from netrosetta.service.status import TargetStatus

    src = make_source("snmp", "snmp/c9300", SnmpTargetSpec.model_validate(v2c(agent).model_dump()))
    st = TargetStatus("snmp/c9300", "snmp", src.address, 60)
    try:
        with pytest.raises(PollError) as err:
            await src.poll(RulebookSet.from_paths([tmp_path]))   # an empty rulebook folder
    finally:
        await src.close()
    st.record_failure(str(err.value), err.value.kind, 0.0, 0.0)
    assert err.value.kind == "no-rulebook" and st.failures == {"no-rulebook": 1}
