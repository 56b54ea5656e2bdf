"""The one small interface every SNMP client implements, its errors, and the factory.

Clients return ``collectors.snmp.varbind.VarBind`` tuples exactly: ``(oid, tag, value)`` with the BER tag
of the value type, ``int`` for numbers, ``bytes`` for OCTET STRING/Opaque, ``str`` for OIDs and
IpAddress, ``None`` for Null and the v2 exceptions.

Which client:
- ``native`` (ber.py, usm.py, native_client.py): our own asyncio client for v1/v2c and SNMPv3
  USM (MD5/SHA-1/SHA-2 auth, AES-128, and AES-192/256 when the auth hash is long enough). It keeps
  the value types the engine needs (Counter32 vs Gauge32 vs TimeTicks), at a CPU cost at or below
  gufo-snmp's Rust core.
- ``pysnmp``: everything else (DES, AES-192/256 with Blumenthal/Reeder key extension), ~20x the CPU.
- gufo-snmp is NOT a client here: it returns bare Python values (Counter32, Gauge32, Integer and
  TimeTicks all come back as ``int``; OID and IpAddress both as ``str``), so it cannot produce a
  VarBind. gufo_client.py wraps it for the benchmark and a value cross-check only.
"""

from __future__ import annotations

from typing import Literal, Protocol

from netrosetta.collectors.snmp.target import SnmpTarget

from .errors import SnmpAuthError, SnmpError, SnmpTimeout
from .varbind import VarBind

__all__ = ["SnmpAuthError", "SnmpClient", "SnmpError", "SnmpTimeout", "make_client"]


class SnmpClient(Protocol):
    async def get(self, oids: list[str]) -> list[VarBind]: ...

    async def get_next(self, oids: list[str]) -> list[VarBind]:
        """One GETNEXT: the varbind following each OID (endOfMibView past the last one)."""
        ...

    async def walk(self, root: str) -> list[VarBind]:
        """Every varbind under ``root``: GETBULK for v2c/v3, GETNEXT for v1."""
        ...

    async def close(self) -> None: ...


Prefer = Literal["auto", "native", "gufo", "pysnmp"]


def make_client(target: SnmpTarget, prefer: Prefer = "auto") -> SnmpClient:
    """The cheapest client that can do ``target``: native for v1/v2c and most v3, else pysnmp.

    pysnmp is only picked for v3 with DES or with AES-192/256 keys that need extending (MD5/SHA-1
    auth). ``prefer="gufo"`` is refused with a clear error (see module doc); it stays in the
    signature so configs written against the planned interface fail loudly.
    """
    if prefer == "gufo":
        raise SnmpError(target.address, "gufo-snmp cannot report SNMP value types (Counter32, Gauge32, "
                        "TimeTicks all come back as int); use prefer='native' or 'auto'")
    from netrosetta.collectors.snmp import usm
    from netrosetta.collectors.snmp.credentials import SnmpV3Credentials

    native_ok = target.version != "3" or (isinstance(target.credentials, SnmpV3Credentials)
                                          and usm.native_supported(target.credentials))
    if prefer == "native" and not native_ok:
        raise SnmpError(target.address, "the native client does not do this SNMPv3 privacy mode (DES, or "
                        "AES-192/256 with a key extension); use 'auto' or 'pysnmp'")
    if prefer == "pysnmp" or not native_ok:
        from netrosetta.collectors.snmp.pysnmp_client import PysnmpClient

        return PysnmpClient(target)
    from netrosetta.collectors.snmp.native_client import NativeClient

    return NativeClient(target)
