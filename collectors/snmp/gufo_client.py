"""gufo-snmp (Rust core) wrapped for the benchmark and as an independent value cross-check.

Not an SnmpClient: gufo-snmp hands back bare Python values, so Counter32/Gauge32/Integer/
TimeTicks are indistinguishable (all ``int``) and so are OID and IpAddress (both ``str``).
Its ``walk``/``get`` therefore return ``(oid, value)`` pairs, never VarBinds.
"""

from __future__ import annotations

from gufo.snmp import Aes128Key, Sha256Key, User
from gufo.snmp import SnmpError as GufoSnmpError
from gufo.snmp.aio.client import SnmpSession
from gufo.snmp.typing import ValueType
from gufo.snmp.version import SnmpVersion

from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.errors import SnmpAuthError, SnmpError, SnmpTimeout
from netrosetta.collectors.snmp.target import SnmpTarget

Pair = tuple[str, ValueType]


class GufoWalker:
    def __init__(self, target: SnmpTarget) -> None:
        self.target = target
        creds = target.credentials
        kw: dict[str, object] = {}
        if isinstance(creds, SnmpV3Credentials):
            # only the modes the lab uses; pysnmp_client covers the rest
            if creds.auth_protocol != "SHA256" or creds.priv_protocol not in ("AES", None):
                raise SnmpError(target.address, "GufoWalker supports v3 SHA256 with AES-128 only")
            assert creds.auth_key is not None
            priv = Aes128Key(creds.priv_key.get_secret_value().encode()) if creds.priv_key else None
            kw["user"] = User(creds.user, auth_key=Sha256Key(creds.auth_key.get_secret_value().encode()),
                              priv_key=priv)
            kw["version"] = SnmpVersion.v3
        else:
            assert isinstance(creds, SnmpV2cCredentials)
            kw["community"] = creds.community.get_secret_value()
            kw["version"] = SnmpVersion.v1 if target.version == "1" else SnmpVersion.v2c
        self._session = SnmpSession(target.host, port=target.port, timeout=target.timeout,
                                    max_repetitions=target.max_repetitions, **kw)  # type: ignore[arg-type]
        self._ready = False

    async def _ensure(self) -> SnmpSession:
        if not self._ready:
            await self._wrap(self._session.refresh())
            self._ready = True
        return self._session

    async def _wrap(self, coro):  # type: ignore[no-untyped-def]
        try:
            return await coro
        except TimeoutError:
            raise SnmpTimeout(self.target.address, "no response") from None
        except GufoSnmpError as exc:
            kind = SnmpAuthError if "auth" in type(exc).__name__.lower() else SnmpError
            raise kind(self.target.address, type(exc).__name__) from None

    async def get(self, oids: list[str]) -> list[Pair]:
        s = await self._ensure()
        got = await self._wrap(s.get_many(oids))
        return [(o, got[o]) for o in oids if o in got]

    async def walk(self, root: str) -> list[Pair]:
        s = await self._ensure()

        async def collect() -> list[Pair]:
            return [p async for p in s.fetch(root)]

        result: list[Pair] = await self._wrap(collect())
        return result

    async def close(self) -> None:
        self._ready = False
