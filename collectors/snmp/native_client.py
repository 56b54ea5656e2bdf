"""Our own asyncio SNMP v1/v2c client: one connected UDP socket per target, BER from ber.py.

Why not gufo-snmp for the walks: it drops the value types the engine needs (see client.py).
This client keeps them and costs about as little CPU, because the work per varbind is a few
slices and one ``int.from_bytes``/``str.join``.
"""

from __future__ import annotations

import asyncio
import logging
import random

from netrosetta.collectors.snmp import ber
from netrosetta.collectors.snmp.client import SnmpError, SnmpTimeout
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.target import SnmpTarget
from netrosetta.engine.varbind import TAG_END_OF_MIB, VarBind, oid_key

log = logging.getLogger(__name__)


class _Proto(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[tuple[int, int, int, list[VarBind]]]] = {}
        self.bad_datagrams = 0
        self.error: Exception | None = None

    def datagram_received(self, data: bytes, addr: object) -> None:
        try:
            pdu_type, req_id, status, index, _community, vbs = ber.decode_response(data)
        except ber.BerError as exc:
            # a garbled or foreign datagram must not kill the poll: count it, the request retries
            self.bad_datagrams += 1
            log.debug("dropped undecodable datagram: %s", exc)
            return
        fut = self.waiting.pop(req_id, None)
        if fut is None or fut.done() or pdu_type != ber.PDU_RESPONSE:
            return  # late answer to a retried request, or not a response
        fut.set_result((pdu_type, status, index, vbs))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable arrives here on a connected socket; the request times out anyway
        self.error = exc

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in self.waiting.values():
            if not fut.done():
                fut.cancel()
        self.waiting.clear()


def _expire(fut: asyncio.Future[tuple[int, int, int, list[VarBind]]]) -> None:
    if not fut.done():
        fut.set_exception(_Expired())


class _Expired(Exception):
    pass


class NativeClient:
    """SnmpClient for v1/v2c; create per target, reuse across polls, ``await close()`` at the end."""

    def __init__(self, target: SnmpTarget) -> None:
        if target.version == "3" or not isinstance(target.credentials, SnmpV2cCredentials):
            raise SnmpError(target.address, "the native client does v1/v2c only")
        self.target = target
        self._community = target.credentials.community.get_secret_value().encode()
        self._transport: asyncio.DatagramTransport | None = None
        self._proto: _Proto | None = None
        self._req_id = random.randint(1, 2**30)
        self._max_rep = target.max_repetitions
        self.requests = 0
        self.retries = 0
        self.timeouts = 0

    async def _ensure(self) -> _Proto:
        if self._proto is None:
            loop = asyncio.get_running_loop()
            try:
                transport, proto = await loop.create_datagram_endpoint(
                    _Proto, remote_addr=(self.target.host, self.target.port))
            except OSError as exc:
                raise SnmpError(self.target.address,
                                f"cannot open UDP socket: {exc.strerror or exc}") from None
            self._transport, self._proto = transport, proto
        return self._proto

    async def _request(self, pdu_type: int, oids: list[str],
                       max_rep: int = 0) -> tuple[int, int, list[VarBind]]:
        proto = await self._ensure()
        assert self._transport is not None
        self._req_id = self._req_id % 2**31 + 1
        req_id = self._req_id
        try:
            msg = ber.encode_request(self.target.version, self._community, pdu_type, req_id, oids,
                                     0, max_rep)
        except ber.BerError as exc:
            raise SnmpError(self.target.address, str(exc)) from None
        loop = asyncio.get_running_loop()
        tries = self.target.retries + 1
        for attempt in range(tries):
            fut: asyncio.Future[tuple[int, int, int, list[VarBind]]] = loop.create_future()
            proto.waiting[req_id] = fut
            self.requests += 1
            if attempt:
                self.retries += 1
            self._transport.sendto(msg)
            # call_later + cancel is much cheaper than asyncio.wait_for (no extra task/future)
            timer = loop.call_later(self.target.timeout, _expire, fut)
            try:
                _, status, index, vbs = await fut
                return status, index, vbs
            except _Expired:
                proto.waiting.pop(req_id, None)
            finally:
                timer.cancel()
        self.timeouts += 1
        hint = "unreachable, filtered, or wrong community"
        if proto.error is not None:
            hint = f"{getattr(proto.error, 'strerror', None) or proto.error}"
        raise SnmpTimeout(self.target.address, f"no response after {tries} tries of {self.target.timeout:g}s "
                          f"({hint})")

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

    async def walk(self, root: str) -> list[VarBind]:
        root = root.strip().lstrip(".")
        prefix = root + "."
        out: list[VarBind] = []
        current = root
        last_key = oid_key(root) if root.replace(".", "").isdigit() else None
        if last_key is None:
            raise SnmpError(self.target.address, f"bad OID {root!r}")
        bulk = self.target.version != "1"
        while True:
            if bulk:
                status, index, vbs = await self._request(ber.PDU_GETBULK, [current], self._max_rep)
                if status == 1 and self._max_rep > 1:
                    # tooBig: the agent cannot fit the answer in one datagram; ask for fewer rows
                    self._max_rep = max(1, self._max_rep // 2)
                    continue
            else:
                status, index, vbs = await self._request(ber.PDU_GETNEXT, [current])
                if status == 2:  # v1 noSuchName = end of MIB view
                    return out
            if status:
                self._raise_status(status, index, [current])
            if not vbs:
                return out
            for i, vb in enumerate(vbs):
                if vb[1] == TAG_END_OF_MIB or not vb[0].startswith(prefix):
                    out.extend(vbs[:i])
                    return out
            out.extend(vbs)
            # agents that do not move forward would loop forever: check once per response
            key = oid_key(vbs[-1][0])
            if key <= last_key:
                raise SnmpError(self.target.address, f"agent returned a non-increasing OID after {current}")
            last_key = key
            current = vbs[-1][0]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            self._proto = None
