"""SnmpClient on pysnmp 7 (asyncio): the one that does SNMPv3 (SHA-2 auth, AES-128/192/256 privacy).

About 25x the CPU of the native client per varbind, so ``make_client`` only picks it for v3 or
when asked. MIB lookup is off: we want raw OIDs and typed values, not names.
"""

from __future__ import annotations

from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth as _auth
from pysnmp.proto import errind

from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.errors import SnmpAuthError, SnmpError, SnmpTimeout
from netrosetta.collectors.snmp.target import SnmpTarget

from .varbind import (
    TAG_END_OF_MIB,
    TAG_IPADDRESS,
    TAG_NULL,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_OPAQUE,
    VarBind,
    oid_key,
)

_AUTH = {
    "MD5": _auth.USM_AUTH_HMAC96_MD5, "SHA": _auth.USM_AUTH_HMAC96_SHA,
    "SHA224": _auth.USM_AUTH_HMAC128_SHA224, "SHA256": _auth.USM_AUTH_HMAC192_SHA256,
    "SHA384": _auth.USM_AUTH_HMAC256_SHA384, "SHA512": _auth.USM_AUTH_HMAC384_SHA512,
}
_PRIV = {
    "DES": _auth.USM_PRIV_CBC56_DES, "AES": _auth.USM_PRIV_CFB128_AES,
    "AES192": _auth.USM_PRIV_CFB192_AES_BLUMENTHAL, "AES256": _auth.USM_PRIV_CFB256_AES_BLUMENTHAL,
    "AES192C": _auth.USM_PRIV_CFB192_AES, "AES256C": _auth.USM_PRIV_CFB256_AES,
}
# errors that mean "your v3 identity or keys are wrong", as opposed to "nobody answered"
_AUTH_ERRORS = (
    errind.UnknownUserName, errind.WrongDigest, errind.DecryptionError, errind.AuthenticationError,
    errind.AuthenticationFailure, errind.UnknownSecurityName, errind.UnsupportedSecurityLevel,
    errind.NotInTimeWindow, errind.UnsupportedAuthProtocol, errind.UnsupportedPrivProtocol,
    errind.UnknownCommunityName, errind.NoAuthentication,
)


def to_varbind(oid: Any, val: Any) -> VarBind:
    """pysnmp (ObjectName, value) -> engine VarBind; the effective BER tag is the last of the TagSet."""
    t = val.tagSet[-1]
    tag = t.tagClass | t.tagId
    o = str(oid)
    if tag in (TAG_OCTET_STRING, TAG_OPAQUE):
        return o, tag, bytes(val.asOctets())
    if tag == TAG_OID:
        return o, tag, str(val)
    if tag == TAG_IPADDRESS:
        return o, tag, ".".join(map(str, val.asNumbers()))
    if tag == TAG_NULL or tag >= 128:
        return o, tag, None
    return o, tag, int(val)


class PysnmpClient:
    def __init__(self, target: SnmpTarget) -> None:
        self.target = target
        self._engine = SnmpEngine()
        creds = target.credentials
        self._auth: CommunityData | UsmUserData
        if isinstance(creds, SnmpV3Credentials):
            self._auth = UsmUserData(
                creds.user,
                authKey=creds.auth_key.get_secret_value() if creds.auth_key else None,
                privKey=creds.priv_key.get_secret_value() if creds.priv_key else None,
                authProtocol=_AUTH[creds.auth_protocol] if creds.auth_protocol else _auth.USM_AUTH_NONE,
                privProtocol=_PRIV[creds.priv_protocol] if creds.priv_protocol else _auth.USM_PRIV_NONE,
            )
            self._context = ContextData(contextName=creds.context_name)
        else:
            assert isinstance(creds, SnmpV2cCredentials)
            self._auth = CommunityData(creds.community.get_secret_value(),
                                       mpModel=0 if target.version == "1" else 1)
            self._context = ContextData()
        self._transport: UdpTransportTarget | None = None

    async def _tt(self) -> UdpTransportTarget:
        if self._transport is None:
            try:
                self._transport = await UdpTransportTarget.create(
                    (self.target.host, self.target.port), timeout=self.target.timeout,
                    retries=self.target.retries)
            except Exception as exc:  # pysnmp wraps resolver errors in its own class
                raise SnmpError(self.target.address,
                                f"cannot resolve or open transport: {type(exc).__name__}") from None
        return self._transport

    def _check(self, indication: Any, status: Any, index: Any, oids: list[str]) -> None:
        addr = self.target.address
        if indication:
            # ErrorIndication messages are pysnmp's fixed texts: no secrets in them
            if isinstance(indication, errind.RequestTimedOut):
                hint = "SNMPv3 engine unreachable" if self.target.version == "3" else \
                    "unreachable, filtered, or wrong community"
                raise SnmpTimeout(addr, f"no response after {self.target.retries + 1} tries of "
                                  f"{self.target.timeout:g}s ({hint})")
            if isinstance(indication, _AUTH_ERRORS):
                raise SnmpAuthError(addr, f"SNMPv3 authentication failed: {indication}")
            raise SnmpError(addr, str(indication))
        if status and int(status):
            i = int(index)
            where = f" at {oids[i - 1]}" if 0 < i <= len(oids) else ""
            raise SnmpError(addr, f"agent answered {status.prettyPrint()}{where}")

    async def _one(self, cmd: Any, oids: list[str]) -> list[VarBind]:
        """One GET or GETNEXT request for ``oids``."""
        if not oids:
            return []
        tt = await self._tt()
        try:
            ind, status, index, vbs = await cmd(
                self._engine, self._auth, tt, self._context,
                *(ObjectType(ObjectIdentity(o)) for o in oids), lookupMib=False)
        except Exception as exc:  # malformed OIDs surface as pyasn1/pysnmp exceptions
            raise SnmpError(self.target.address, f"request failed: {type(exc).__name__}") from None
        if cmd is next_cmd and not ind and status and int(status) == 2 and self.target.version == "1":
            return []       # v1 noSuchName: nothing follows
        self._check(ind, status, index, oids)
        return [to_varbind(o, v) for o, v in vbs]

    async def get(self, oids: list[str]) -> list[VarBind]:
        return await self._one(get_cmd, oids)

    async def get_next(self, oids: list[str]) -> list[VarBind]:
        return await self._one(next_cmd, oids)

    async def walk(self, root: str) -> list[VarBind]:
        root = root.strip().lstrip(".")
        if not root.replace(".", "").isdigit():
            raise SnmpError(self.target.address, f"bad OID {root!r}")
        prefix = root + "."
        tt = await self._tt()
        out: list[VarBind] = []
        current, last_key = root, oid_key(root)
        while True:
            obj = ObjectType(ObjectIdentity(current))
            if self.target.version == "1":
                ind, status, index, vbs = await next_cmd(
                    self._engine, self._auth, tt, self._context, obj, lookupMib=False)
                if not ind and status and int(status) == 2:  # noSuchName: end of view
                    return out
            else:
                ind, status, index, vbs = await bulk_cmd(
                    self._engine, self._auth, tt, self._context, 0, self.target.max_repetitions, obj,
                    lookupMib=False)
            self._check(ind, status, index, [current])
            if not vbs:
                return out
            batch = [to_varbind(o, v) for o, v in vbs]
            for i, vb in enumerate(batch):
                if vb[1] == TAG_END_OF_MIB or not vb[0].startswith(prefix):
                    out.extend(batch[:i])
                    return out
            out.extend(batch)
            key = oid_key(batch[-1][0])
            if key <= last_key:
                raise SnmpError(self.target.address, f"agent returned a non-increasing OID after {current}")
            last_key, current = key, batch[-1][0]

    async def close(self) -> None:
        self._engine.close_dispatcher()
