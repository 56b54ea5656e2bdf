"""Our own asyncio SNMP client (v1, v2c, v3 USM): one connected UDP socket per target, BER from ber.py.

Why not gufo-snmp for the walks: it drops the value types the engine needs (see client.py).
This client keeps them and costs about as little CPU, because the work per varbind is a few
slices and one ``int.from_bytes``/``str.join``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netrosetta.collectors.snmp import ber, usm
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.errors import SnmpAuthError, SnmpError, SnmpTimeout
from netrosetta.collectors.snmp.target import SnmpTarget

from .varbind import TAG_END_OF_MIB, VarBind, oid_key

log = logging.getLogger(__name__)


# subtrees walked side by side in one GETBULK (each gets max_repetitions rows)
MAX_LANES = 4
# new column lanes opened when a lane turns out to be a long table column
SPLIT_COLUMNS = MAX_LANES - 1


@dataclass(eq=False)
class _Lane:
    """One subtree being walked: answers are taken while they start with ``prefix``."""

    root: int  # position of the root it belongs to, for output order
    start: str  # where it began; orders the lanes of one root
    prefix: str
    root_prefix: str
    current: str
    splittable: bool
    out: list[VarBind] = field(default_factory=list)
    key: tuple[int, ...] = ()  # oid_key(current), kept to compare once per response

    def __post_init__(self) -> None:
        self.key = oid_key(self.current)


def _split(lane: _Lane, first: str, last: str) -> list[_Lane]:
    """Give the next columns of a table their own lanes, once a lane shows a long column.

    When every varbind a lane got in one response lies in one column ``<root>.E.c``, the lane is
    narrowed to that column and new lanes start at ``<root>.E.c+1`` .. ``c+SPLIT_COLUMNS``, plus a
    tail lane from ``<root>.E.c+SPLIT_COLUMNS+1`` that covers the rest of the root (and may split
    again). The lanes partition the root's OID range, so the result is the same whatever the
    root really is; a column that does not exist only wastes that lane's share of one response.
    """
    rest = first[len(lane.root_prefix):].split(".")
    if len(rest) < 3:
        return []
    column = f"{lane.root_prefix}{rest[0]}.{rest[1]}."
    if not last.startswith(column):
        return []  # short column: the lane already moved on, splitting gains little
    base, c0 = column[:-1], int(rest[1])
    base = base[:base.rindex(".")]
    lane.prefix = column
    lane.splittable = False
    new = [_Lane(lane.root, f"{base}.{c}", f"{base}.{c}.", lane.root_prefix, f"{base}.{c}", False)
           for c in range(c0 + 1, c0 + SPLIT_COLUMNS + 1)]
    tail = f"{base}.{c0 + SPLIT_COLUMNS + 1}"
    new.append(_Lane(lane.root, tail, lane.root_prefix, lane.root_prefix, tail, True))
    return new


Parsed = tuple[int, Any]  # (id the request is matched on, what the client needs from the datagram)


def _parse_v2c(data: bytes) -> Parsed:
    pdu_type, req_id, status, index, _community, vbs = ber.decode_response(data)
    if pdu_type != ber.PDU_RESPONSE:
        raise ber.BerError("not a Response-PDU")
    return req_id, (status, index, vbs)


def _parse_v3(data: bytes) -> Parsed:
    # only the plaintext header here: verify/decrypt happens in the waiting request
    inc = usm.parse_header(data)
    return inc.msg_id, (data, inc)


class _Proto(asyncio.DatagramProtocol):
    def __init__(self, parse: Callable[[bytes], Parsed]) -> None:
        self.parse = parse
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.bad_datagrams = 0
        self.error: Exception | None = None

    def datagram_received(self, data: bytes, addr: object) -> None:
        try:
            key, result = self.parse(data)
        except ber.BerError as exc:
            # a garbled or foreign datagram must not kill the poll: count it, the request retries
            self.bad_datagrams += 1
            log.debug("dropped undecodable datagram: %s", exc)
            return
        fut = self.waiting.pop(key, None)
        if fut is None or fut.done():
            return  # late answer to a retried request
        fut.set_result(result)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable arrives here on a connected socket; the request times out anyway
        self.error = exc

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in self.waiting.values():
            if not fut.done():
                fut.cancel()
        self.waiting.clear()


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(_Expired())


class _Expired(Exception):
    pass


class NativeClient:
    """SnmpClient for v1/v2c/v3; create per target, reuse across polls, ``await close()`` at the end."""

    def __init__(self, target: SnmpTarget) -> None:
        self.target = target
        self._community = b""
        self._v3: SnmpV3Credentials | None = None
        if target.version == "3":
            if not isinstance(target.credentials, SnmpV3Credentials) or not usm.native_supported(
                    target.credentials):
                raise SnmpError(target.address, "the native client does not do this SNMPv3 privacy mode "
                                "(DES, or AES-192/256 with a key extension); use pysnmp")
            self._v3 = target.credentials
        else:
            assert isinstance(target.credentials, SnmpV2cCredentials)
            self._community = target.credentials.community.get_secret_value().encode()
        self._transport: asyncio.DatagramTransport | None = None
        self._proto: _Proto | None = None
        self._req_id = random.randint(1, 2**30)
        self._max_rep = target.max_repetitions
        # SNMPv3 state: the agent's engine, its clock, our keys for it
        self._engine_id = b""
        self._boots = 0
        self._time_base = 0.0  # loop.time() when engineTime was 0
        self._keys: usm.Keys | None = None
        self._salt = random.getrandbits(64)
        self.requests = 0
        self.retries = 0
        self.timeouts = 0

    async def _ensure(self) -> _Proto:
        if self._proto is None:
            loop = asyncio.get_running_loop()
            parse = _parse_v2c if self._v3 is None else _parse_v3
            try:
                transport, proto = await loop.create_datagram_endpoint(
                    lambda: _Proto(parse), remote_addr=(self.target.host, self.target.port))
            except OSError as exc:
                raise SnmpError(self.target.address,
                                f"cannot resolve or open UDP socket: {exc.strerror or exc}") from None
            self._transport, self._proto = transport, proto
        return self._proto

    def _next_id(self) -> int:
        self._req_id = self._req_id % 2**31 + 1
        return self._req_id

    async def _exchange(self, msg: bytes, key: int) -> Any:
        """Send ``msg`` and wait for the datagram matched to ``key``, with the target's timeout/retries."""
        proto = await self._ensure()
        assert self._transport is not None
        loop = asyncio.get_running_loop()
        tries = self.target.retries + 1
        for attempt in range(tries):
            fut: asyncio.Future[Any] = loop.create_future()
            proto.waiting[key] = fut
            self.requests += 1
            if attempt:
                self.retries += 1
            self._transport.sendto(msg)
            # call_later + cancel is much cheaper than asyncio.wait_for (no extra task/future)
            timer = loop.call_later(self.target.timeout, _expire, fut)
            try:
                return await fut
            except _Expired:
                proto.waiting.pop(key, None)
            finally:
                timer.cancel()
        self.timeouts += 1
        if proto.error is not None:
            hint = f"{getattr(proto.error, 'strerror', None) or proto.error}"
        elif self._v3 is not None:
            hint = "unreachable or filtered"
        else:
            hint = "unreachable, filtered, or wrong community"
        raise SnmpTimeout(self.target.address, f"no response after {tries} tries of {self.target.timeout:g}s "
                          f"({hint})")

    async def _request(self, pdu_type: int, oids: list[str],
                       max_rep: int = 0) -> tuple[int, int, list[VarBind]]:
        if self._v3 is not None:
            return await self._request_v3(pdu_type, oids, max_rep)
        req_id = self._next_id()
        try:
            msg = ber.encode_request(self.target.version, self._community, pdu_type, req_id, oids,
                                     0, max_rep)
        except ber.BerError as exc:
            raise SnmpError(self.target.address, str(exc)) from None
        status, index, vbs = await self._exchange(msg, req_id)
        return status, index, vbs

    # ---- SNMPv3 (USM) ----

    def _engine_time(self) -> int:
        return max(0, int(asyncio.get_running_loop().time() - self._time_base))

    def _learn_engine(self, inc: usm.Incoming) -> None:
        self._boots = inc.boots
        self._time_base = asyncio.get_running_loop().time() - inc.etime

    async def _discover(self) -> None:
        """RFC 3414 4: an empty noAuthNoPriv request makes the agent report its engine ID and clock."""
        assert self._v3 is not None
        msg_id = self._next_id()
        pdu = ber.encode_pdu(ber.PDU_GET, msg_id, [])
        msg = usm.encode_message(msg_id, usm.Keys(None, 0, b"", b""), b"", 0, 0, b"", b"", b"", pdu, b"")
        _data, inc = await self._exchange(msg, msg_id)
        if not inc.engine_id:
            raise SnmpError(self.target.address, "SNMPv3 discovery: the agent sent no engine ID")
        self._engine_id = inc.engine_id
        self._learn_engine(inc)
        self._keys = usm.Keys.for_engine(self._v3, self._engine_id)

    async def _request_v3(self, pdu_type: int, oids: list[str], max_rep: int) -> tuple[int, int, list[VarBind]]:
        assert self._v3 is not None
        user = self._v3.user.encode()
        context = self._v3.context_name.encode()
        for _ in range(3):  # discovery, then at most one clock resync
            if self._keys is None:
                await self._discover()
            assert self._keys is not None
            msg_id = self._next_id()
            self._salt = (self._salt + 1) % 2**64
            try:
                pdu = ber.encode_pdu(pdu_type, msg_id, oids, 0, max_rep)
            except ber.BerError as exc:
                raise SnmpError(self.target.address, str(exc)) from None
            msg = usm.encode_message(msg_id, self._keys, self._engine_id, self._boots, self._engine_time(),
                                     user, self._engine_id, context, pdu, self._salt.to_bytes(8, "big"))
            data, inc = await self._exchange(msg, msg_id)
            try:
                rtype, _rid, status, index, vbs = usm.open_message(data, inc, self._keys)
            except (usm.UsmError, ber.BerError) as exc:
                raise SnmpAuthError(self.target.address, f"SNMPv3: {exc}") from None
            if rtype == ber.PDU_RESPONSE:
                if inc.flags & usm.FLAG_AUTH:
                    self._learn_engine(inc)  # authenticated clock: keep in step
                return status, index, vbs
            if rtype != ber.PDU_REPORT or not vbs:
                raise SnmpError(self.target.address, f"SNMPv3: unexpected PDU type 0x{rtype:02x}")
            report = vbs[0][0]
            if report == usm.REPORT_NOT_IN_TIME_WINDOW:
                self._learn_engine(inc)
                continue
            if report == usm.REPORT_UNKNOWN_ENGINE_ID:
                self._keys = None  # the agent changed engine ID (replaced or re-keyed): discover again
                continue
            reason = usm.REPORT_TEXT.get(report, f"agent reported {report}")
            raise SnmpAuthError(self.target.address, f"SNMPv3 authentication failed: {reason}")
        raise SnmpAuthError(self.target.address, "SNMPv3: could not synchronise with the agent's engine clock")

    def _raise_status(self, status: int, index: int, oids: list[str]) -> None:
        name = ber.ERROR_STATUS.get(status, f"error {status}")
        where = f" at {oids[index - 1]}" if 0 < index <= len(oids) else ""
        raise SnmpError(self.target.address, f"agent answered {name}{where}")

    async def get(self, oids: list[str]) -> list[VarBind]:
        if not oids:
            return []
        status, index, vbs = await self._request(ber.PDU_GET, oids)
        if status:
            self._raise_status(status, index, oids)
        return vbs

    async def get_next(self, oids: list[str]) -> list[VarBind]:
        if not oids:
            return []
        status, index, vbs = await self._request(ber.PDU_GETNEXT, oids)
        if status == 2 and self.target.version == "1":
            return []       # v1 noSuchName: nothing follows (the v2c answer is endOfMibView)
        if status:
            self._raise_status(status, index, oids)
        return vbs

    async def walk(self, root: str) -> list[VarBind]:
        return await self.walk_many([root])

    async def walk_many(self, roots: list[str]) -> list[VarBind]:
        """Walk several subtrees in one request stream; same result as walking them one by one.

        Each subtree is a "lane": one GETBULK carries up to MAX_LANES OIDs. Round trips dominate
        the CPU cost of a poll, so a lane that turns out to be a long table column is also split:
        the next columns get lanes of their own (see _split), and each response carries up to
        MAX_LANES x max_repetitions varbinds instead of max_repetitions.
        """
        pending: deque[_Lane] = deque()
        for n, r in enumerate(roots):
            root = r.strip().lstrip(".")
            if not root or not root.replace(".", "").isdigit() or ".." in root:
                raise SnmpError(self.target.address, f"bad OID {r!r}")
            pending.append(_Lane(n, root, root + ".", root + ".", root, True))
        lanes = list(pending)
        active: list[_Lane] = []
        bulk = self.target.version != "1"
        while pending or active:
            while pending and len(active) < MAX_LANES:
                active.append(pending.popleft())
            oids = [lane.current for lane in active]
            if bulk:
                status, index, vbs = await self._request(ber.PDU_GETBULK, oids, self._max_rep)
                if status == 1 and self._max_rep > 1:
                    # tooBig: the agent cannot fit the answer in one datagram; ask for fewer rows
                    self._max_rep = max(1, self._max_rep // 2)
                    continue
            else:
                status, index, vbs = await self._request(ber.PDU_GETNEXT, oids)
                if status == 2 and 0 < index <= len(active):  # v1 noSuchName: that lane ended
                    active.pop(index - 1)
                    continue
            if status:
                self._raise_status(status, index, oids)
            if not vbs:
                active = []  # empty answer: nothing more to read
                continue
            width = len(active)
            still: list[_Lane] = []
            for k, lane in enumerate(active):
                got = vbs[k::width]  # answers are row by row: lane k is every width-th varbind
                if not got:
                    still.append(lane)  # the agent trimmed the response before this lane
                    continue
                prefix = lane.prefix
                last = got[-1]
                if last[1] != TAG_END_OF_MIB and last[0].startswith(prefix) and got[0][0].startswith(prefix):
                    # OIDs come in increasing order and a subtree is one OID range:
                    # first and last inside means all inside (the common case, no per-varbind test)
                    cut = len(got)
                    lane.out.extend(got)
                else:
                    cut = 0
                    for vb in got:
                        if vb[1] == TAG_END_OF_MIB or not vb[0].startswith(prefix):
                            break
                        cut += 1
                    lane.out.extend(got[:cut])
                    continue  # the lane left its subtree: done
                # agents that do not move forward would loop forever: check once per lane and response
                key = oid_key(last[0])
                if key <= lane.key:
                    raise SnmpError(self.target.address,
                                    f"agent returned a non-increasing OID after {lane.current}")
                lane.key, lane.current = key, last[0]
                if bulk and lane.splittable and cut > 1:
                    new = _split(lane, got[0][0], last[0])
                    lanes.extend(new)
                    pending.extend(new)
                still.append(lane)
            # a non-empty answer either ends lane 0 or moves it strictly forward: no endless loop
            active = still
        # lanes of one root cover consecutive, disjoint OID ranges: ordering by start restores OID order
        lanes.sort(key=lambda lane: (lane.root, oid_key(lane.start)))
        return [vb for lane in lanes for vb in lane.out]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            self._proto = None
