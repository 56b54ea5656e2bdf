"""SNMP notifications received over UDP: v1 traps, v2c traps and informs, v3 traps and informs (USM).

Every notification becomes one `Notification` (named with the MIB index: `IF-MIB::linkDown`,
varbinds as `IF-MIB::ifOperStatus` = `down` with their instance), which the caller turns into an
OTLP log record (`log_record`). v1 traps are put in v2 form as RFC 3584 section 3.1 says (generic
traps onto snmpTraps, enterprise-specific ones onto enterprise.0.specific), so one query finds a
linkDown whatever version sent it. Informs are acknowledged with the Response PDU RFC 3416 asks for
(same request-id and varbinds); for v3 informs this receiver is the authoritative engine and answers
engine discovery with its engineID, boots and time (RFC 3414 section 4).

Nothing unauthenticated gets through: a community not configured, an unknown v3 user, a bad digest
or an undecryptable PDU is counted by reason and logged without the secret, never emitted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field

from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_IPADDRESS,
    TAG_OID,
    TAG_TIMETICKS,
    VarBind,
)
from netrosetta.engine.mib_index import MibIndex, bytes_text

from . import ber, usm
from .credentials import Secret, SnmpV3Credentials

log = logging.getLogger(__name__)

PDU_INFORM = 0xA6
PDU_TRAP_V2 = 0xA7
PDU_TRAP_V1 = 0xA4
SYS_UPTIME_0 = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID_0 = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ENTERPRISE_0 = "1.3.6.1.6.3.1.1.4.3.0"
SNMP_TRAP_ADDRESS_0 = "1.3.6.1.6.3.18.1.3.0"
SNMP_TRAPS = "1.3.6.1.6.3.1.1.5"            # generic trap g maps onto snmpTraps.(g+1)
MAX_KEYS = 1024                            # localized keys kept, per (user, engine)
INFORM_MEMORY = 120.0                      # seconds an answered inform is remembered (retries come sooner)
MAX_INFORMS = 4096


class TrapConfig(BaseModel):
    """Where to listen and whom to believe. Secrets by reference (env:/file:/literal:)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    listen: str = Field("0.0.0.0:162", description="host:port (162 needs privileges; e.g. 0.0.0.0:1162 and a NAT rule)")
    communities: list[Secret] = Field(default_factory=list, description="v1/v2c communities accepted")
    users: list[SnmpV3Credentials] = Field(default_factory=list, description="v3 users accepted")
    engine_id: str | None = Field(None, description="this receiver's engineID for v3 informs, hex (default: random)")

    def receiver(self, on_notification: Callable[[Notification], None]) -> TrapReceiver:
        return TrapReceiver(on_notification, communities=[c.get_secret_value() for c in self.communities],
                            users=self.users, engine_id=bytes.fromhex(self.engine_id) if self.engine_id else None)

    def address(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "0.0.0.0", int(port)


class TrapError(Exception):
    """A message this receiver does not take; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass
class Notification:
    time_ns: int                     # when it was received
    source: tuple[str, int]          # sender (address, port)
    version: str                     # "1" | "2c" | "3"
    pdu: str                         # "trap" | "inform"
    trap_oid: str
    uptime: int | None               # the sender's sysUpTime, hundredths of a second
    varbinds: list[VarBind] = field(default_factory=list)   # without sysUpTime.0 / snmpTrapOID.0
    user: str | None = None          # v3 user name (a name, not a secret)
    agent_address: str | None = None  # v1 agent-addr
    request_id: int | None = None     # informs: what a retransmission repeats


@dataclass
class TrapStats:
    received: int = 0
    accepted: int = 0
    informs_answered: int = 0
    informs_repeated: int = 0        # retransmissions (our answer was lost or late): answered, not emitted
    discovery_answered: int = 0
    refused: Counter[str] = field(default_factory=Counter)   # reason -> count


def _engine_id() -> bytes:
    """An RFC 3411 engineID of the text format: enterprise 8072 (net-snmp's, for local use) + random."""
    return bytes((0x80, 0x00, 0x1F, 0x88, 0x80)) + os.urandom(8)


class TrapReceiver(asyncio.DatagramProtocol):
    """Decodes notifications, answers informs, and hands each accepted one to ``on_notification``."""

    def __init__(self, on_notification: Callable[[Notification], None], *, communities: Iterable[str] = (),
                 users: Iterable[SnmpV3Credentials] = (), engine_id: bytes | None = None) -> None:
        self.on_notification = on_notification
        self._communities = {c.encode() for c in communities}
        self._users = {u.user.encode(): u for u in users}
        self.engine_id = engine_id or _engine_id()
        self.boots = 1
        self._started = time.monotonic()
        self._keys: dict[tuple[bytes, bytes], usm.Keys] = {}
        self.stats = TrapStats()
        self._answered: dict[tuple[Any, ...], float] = {}    # inform identity -> monotonic time
        self.transport: asyncio.DatagramTransport | None = None

    # -- asyncio ---------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.stats.received += 1
        try:
            note, reply = self.handle(data, addr)
        except TrapError as exc:
            self.stats.refused[exc.reason] += 1
            log.info("SNMP notification from %s refused: %s", addr[0], exc)
            return
        except (ber.BerError, IndexError, ValueError) as exc:
            self.stats.refused["malformed"] += 1
            log.info("malformed SNMP notification from %s: %s", addr[0], exc)
            return
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)
        if note is not None and note.request_id is not None and self._repeated(note):
            self.stats.informs_repeated += 1
            return
        if note is not None:
            self.stats.accepted += 1
            self.on_notification(note)

    def _repeated(self, note: Notification) -> bool:
        """An inform already answered (same sender, version, user and request-id, lately)."""
        now = time.monotonic()
        key = (note.source, note.version, note.user, note.request_id)
        seen = self._answered.get(key)
        if len(self._answered) >= MAX_INFORMS:
            for k in [k for k, t in self._answered.items() if now - t > INFORM_MEMORY]:
                del self._answered[k]
            if len(self._answered) >= MAX_INFORMS:
                self._answered.clear()
        self._answered[key] = now
        return seen is not None and now - seen <= INFORM_MEMORY

    # -- decoding --------------------------------------------------------------------------------
    def handle(self, data: bytes, addr: tuple[str, int]) -> tuple[Notification | None, bytes | None]:
        """(the notification or None, the datagram to send back or None)."""
        tag, i, _ = ber._header(data, 0)
        if tag != 0x30:
            raise TrapError("malformed", "not an SNMP message")
        _, s, e = ber._header(data, i)
        version = int.from_bytes(data[s:e], "big", signed=True)
        if version == 3:
            return self._v3(data, addr)
        if version not in (0, 1):
            raise TrapError("bad_version", f"SNMP version field {version}")
        _, s, e = ber._header(data, e)
        if data[s:e] not in self._communities:
            raise TrapError("bad_community", "community not configured")   # never say which one
        pdu_at = e
        pdu_type = data[pdu_at]
        now = time.time_ns()
        if version == 0:
            if pdu_type != PDU_TRAP_V1:
                raise TrapError("not_a_notification", f"v1 PDU type 0x{pdu_type:02x}")
            return self._v1(data, pdu_at, addr, now), None
        if pdu_type not in (PDU_TRAP_V2, PDU_INFORM):
            raise TrapError("not_a_notification", f"v2c PDU type 0x{pdu_type:02x}")
        _t, req_id, _st, _ix, vbs = ber.decode_pdu(data, pdu_at)
        note = _v2_notification(vbs, addr, "2c", pdu_type, now)
        if pdu_type == PDU_INFORM:
            note.request_id = req_id
        reply = None
        if pdu_type == PDU_INFORM:
            # the Response carries the same request-id, zero error fields and the same varbinds:
            # the inform with its PDU tag changed (its error fields are zero by RFC 3416)
            reply = data[:pdu_at] + bytes((ber.PDU_RESPONSE,)) + data[pdu_at + 1:]
            self.stats.informs_answered += 1
        return note, reply

    def _v1(self, data: bytes, at: int, addr: tuple[str, int], now: int) -> Notification:
        _, s, _end = ber._header(data, at)
        tag, s, e = ber._header(data, s)
        if tag != TAG_OID:
            raise TrapError("malformed", "v1 trap without an enterprise OID")
        enterprise = ber.decode_oid(data[s:e])
        tag, s, e = ber._header(data, e)
        agent = ".".join(map(str, data[s:e])) if tag == TAG_IPADDRESS and e - s == 4 else None
        _, s, e = ber._header(data, e)
        generic = int.from_bytes(data[s:e], "big", signed=True)
        _, s, e = ber._header(data, e)
        specific = int.from_bytes(data[s:e], "big", signed=True)
        _, s, e = ber._header(data, e)
        uptime = int.from_bytes(data[s:e], "big")
        # the varbind list: decode_pdu wants request-id/status/index before it, so fake a header
        vbl = data[e:_end]
        fake = ber._tlv(0xA7, ber._int(0) + ber._int(0) + ber._int(0) + vbl)
        _t, _r, _s, _i, vbs = ber.decode_pdu(fake, 0)
        trap_oid = f"{SNMP_TRAPS}.{generic + 1}" if 0 <= generic <= 5 else f"{enterprise}.0.{specific}"
        if not 0 <= generic <= 6:
            raise TrapError("malformed", f"v1 generic-trap {generic}")
        vbs.append((SNMP_TRAP_ENTERPRISE_0, TAG_OID, enterprise))
        return Notification(now, addr, "1", "trap", trap_oid, uptime, vbs, agent_address=agent)

    def _v3(self, data: bytes, addr: tuple[str, int]) -> tuple[Notification | None, bytes | None]:
        inc = usm.parse_header(data)
        if not inc.engine_id or (inc.flags & usm.FLAG_REPORTABLE and inc.engine_id != self.engine_id
                                 and not inc.flags & usm.FLAG_AUTH):
            # engine discovery (an inform's sender learns our engineID, boots and time first)
            self.stats.discovery_answered += 1
            try:
                plain, at = usm.open_scoped(data, inc, None)
            except usm.UsmError:
                raise TrapError("malformed", "discovery probe that is not plaintext") from None
            req_id = ber.decode_pdu(plain, at)[1]
            return None, self._report(inc, usm.REPORT_UNKNOWN_ENGINE_ID, self.stats.discovery_answered, req_id)
        creds = self._users.get(inc.user)
        if creds is None:
            raise TrapError("unknown_user", "v3 user not configured")
        if not usm.native_supported(creds):
            raise TrapError("unsupported_privacy", f"{creds.priv_protocol} privacy is not taken for notifications")
        wanted = usm.FLAG_AUTH if creds.auth_protocol else 0
        wanted |= usm.FLAG_PRIV if creds.priv_protocol else 0
        if inc.flags & (usm.FLAG_AUTH | usm.FLAG_PRIV) != wanted:
            raise TrapError("wrong_security_level", "security level differs from the user's")
        keys = self._keys_for(creds, inc.engine_id)
        try:
            plain, at = usm.open_scoped(data, inc, keys)
        except usm.UsmError as exc:
            raise TrapError("auth_failed", str(exc)) from None
        pdu_type = plain[at]
        now = time.time_ns()
        if pdu_type == PDU_TRAP_V2:
            _t, _r, _s, _i, vbs = ber.decode_pdu(plain, at)
            return _v2_notification(vbs, addr, "3", pdu_type, now, inc.user.decode(errors="replace")), None
        if pdu_type != PDU_INFORM:
            raise TrapError("not_a_notification", f"v3 PDU type 0x{pdu_type:02x}")
        if inc.engine_id != self.engine_id:
            raise TrapError("unknown_engine", "inform for another engineID")
        _t, req_id, _s, _i, vbs = ber.decode_pdu(plain, at)
        if abs(inc.etime - self._time()) > 150 or inc.boots != self.boots:   # RFC 3414 3.2.7
            self.stats.refused["not_in_time_window"] += 1
            return None, self._report(inc, usm.REPORT_NOT_IN_TIME_WINDOW, self.stats.refused["not_in_time_window"],
                                      req_id, keys)
        note = _v2_notification(vbs, addr, "3", pdu_type, now, inc.user.decode(errors="replace"))
        note.request_id = req_id
        response = bytes((ber.PDU_RESPONSE,)) + plain[at + 1:_pdu_end(plain, at)]
        self.stats.informs_answered += 1
        # the Response goes back in the inform's context (RFC 3412 7.1: contextEngineID and
        # contextName from the request); the sender matches it by msgID, request-id and context
        _, s, _e = ber._header(plain, 0 if inc.flags & usm.FLAG_PRIV else inc.data_at)
        _, cs, ce = ber._header(plain, s)
        _, ns, ne = ber._header(plain, ce)
        reply = usm.encode_message(inc.msg_id, keys, self.engine_id, self.boots, self._time(), inc.user,
                                   plain[cs:ce], plain[ns:ne], response, os.urandom(8), reportable=False)
        return note, reply

    def _report(self, inc: usm.Incoming, oid: str, count: int, req_id: int, keys: usm.Keys | None = None) -> bytes:
        """A Report PDU with one usmStats counter; discovery goes unauthenticated, a time-window
        report authenticated but not encrypted (RFC 3414 3.1.1, 3.2)."""
        vb = ber._tlv(0x30, ber.encode_oid(oid) + ber._tlv(TAG_COUNTER32, (count & 0xFFFFFFFF).to_bytes(4, "big")))
        pdu = ber._tlv(ber.PDU_REPORT, ber._int(req_id) + ber._int(0) + ber._int(0) + ber._tlv(0x30, vb))
        auth_only = usm.Keys(keys.hash_name, keys.mac_len, keys.auth, b"") if keys is not None else \
            usm.Keys(None, 0, b"", b"")
        return usm.encode_message(inc.msg_id, auth_only, self.engine_id, self.boots, self._time(),
                                  inc.user if keys is not None else b"", self.engine_id, b"", pdu, b"",
                                  reportable=False)

    def _keys_for(self, creds: SnmpV3Credentials, engine_id: bytes) -> usm.Keys:
        k = (creds.user.encode(), engine_id)
        keys = self._keys.get(k)
        if keys is None:
            if len(self._keys) >= MAX_KEYS:     # many engines (a trap storm of spoofed IDs): start over
                self._keys.clear()
            keys = self._keys[k] = usm.Keys.for_engine(creds, engine_id)
        return keys

    def _time(self) -> int:
        return int(time.monotonic() - self._started)


def _pdu_end(data: bytes, at: int) -> int:
    _, _s, e = ber._header(data, at)
    return e


def _v2_notification(vbs: list[VarBind], addr: tuple[str, int], version: str, pdu_type: int, now: int,
                     user: str | None = None) -> Notification:
    uptime = None
    trap_oid = None
    rest: list[VarBind] = []
    for i, (oid, tag, value) in enumerate(vbs):
        if i == 0 and oid == SYS_UPTIME_0 and tag == TAG_TIMETICKS:
            uptime = int(value) if isinstance(value, int) else None
        elif i <= 1 and oid == SNMP_TRAP_OID_0 and tag == TAG_OID:
            trap_oid = str(value)
        else:
            rest.append((oid, tag, value))
    if trap_oid is None:      # RFC 3416 4.2.6: the second varbind must be snmpTrapOID.0
        raise TrapError("malformed", "no snmpTrapOID.0 in the notification's first two varbinds")
    return Notification(now, addr, version, "inform" if pdu_type == PDU_INFORM else "trap", trap_oid, uptime,
                        rest, user=user)


# -- as a log record -------------------------------------------------------------------------------
def _text(mib: MibIndex, oid: str, tag: int, value: Any) -> tuple[str, str, str]:
    """(name without instance, instance, value as the MIB says to show it)."""
    hit = mib.lookup_oid(oid)
    if hit is None:
        return oid, "", bytes_text(value) if isinstance(value, bytes) else str(value)
    sym, suffix = hit
    shown = mib.name_oid(value) if tag == TAG_OID and isinstance(value, str) else sym.render(value)
    return sym.qualname, ".".join(map(str, suffix)), shown


def log_record(note: Notification, mib: MibIndex) -> dict[str, Any]:
    """The notification as an OTLP log record (attributes as plain values; the encoder types them)."""
    name = mib.name_oid(note.trap_oid)
    attrs: dict[str, Any] = {
        "snmp.trap.oid": note.trap_oid, "snmp.trap.name": name, "snmp.version": note.version,
        "snmp.pdu": note.pdu, "network.peer.address": note.source[0], "network.peer.port": note.source[1],
    }
    if note.uptime is not None:
        attrs["snmp.uptime"] = note.uptime
    if note.user is not None:
        attrs["snmp.user"] = note.user
    if note.agent_address is not None:
        attrs["snmp.agent.address"] = note.agent_address
    for oid, tag, value in note.varbinds:
        key, instance, shown = _text(mib, oid, tag, value)
        attrs[f"snmp.varbind.{key}"] = shown
        if instance and instance != "0":
            attrs[f"snmp.varbind.{key}.index"] = instance
    return {"time_unix_nano": note.time_ns, "severity_text": "INFO", "body": name, "attributes": attrs,
            "resource": {"host.ip": note.source[0]}}


def encode_trap_logs(records: list[dict[str, Any]]) -> bytes:
    """Serialized ExportLogsServiceRequest of ``log_record`` dicts, one ResourceLogs per Resource
    (the sending device), scope ``netrosetta/snmp-traps``, event ``snmp.trap``."""
    from netrosetta import __version__
    from netrosetta.exporter import otlp_wire as w

    scope = w.scope("netrosetta/snmp-traps", __version__, [])
    enc = w.LogAttrs(limit=10_000)
    by_resource: dict[tuple[tuple[str, Any], ...], list[bytes]] = {}
    for rec in records:
        fixed = w.log_fixed(w.SEVERITY_INFO, rec["severity_text"], rec["body"], "snmp.trap")
        by_resource.setdefault(tuple(sorted(rec["resource"].items())), []).append(
            w.log_record(rec["time_unix_nano"], rec["time_unix_nano"], fixed, enc.encode(rec["attributes"])))
    return b"".join(w.resource_logs(list(res), scope, b"".join(recs)) for res, recs in by_resource.items())
