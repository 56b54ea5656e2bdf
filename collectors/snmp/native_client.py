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


# subtrees walked side by side in one GETBULK (each gets max_repetitions rows)
MAX_LANES = 4


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
        return await self.walk_many([root])

    async def walk_many(self, roots: list[str]) -> list[VarBind]:
        """Walk several subtrees in one request stream; same result as walking them one by one.

        Each root is a "lane": one GETBULK carries up to MAX_LANES OIDs, so walking ifTable and
        ifXTable together halves the round trips, which dominate the CPU cost of a poll.
        """
        lanes: list[tuple[str, str]] = []  # (root, root + ".")
        for r in roots:
            root = r.strip().lstrip(".")
            if not root or not root.replace(".", "").isdigit() or ".." in root:
                raise SnmpError(self.target.address, f"bad OID {r!r}")
            lanes.append((root, root + "."))
        results: list[list[VarBind]] = [[] for _ in lanes]
        pending = list(range(len(lanes)))[::-1]  # stack of lane numbers not started yet
        active: list[int] = []
        current: dict[int, str] = {}
        bulk = self.target.version != "1"
        while pending or active:
            while pending and len(active) < MAX_LANES:
                n = pending.pop()
                active.append(n)
                current[n] = lanes[n][0]
            oids = [current[n] for n in active]
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
            width = len(active)
            done: set[int] = set()
            moved: dict[int, str] = {}
            for j, vb in enumerate(vbs):
                n = active[j % width]
                if n in done:
                    continue
                if vb[1] == TAG_END_OF_MIB or not vb[0].startswith(lanes[n][1]):
                    done.add(n)
                    continue
                results[n].append(vb)
                moved[n] = vb[0]
            if not vbs:
                done.update(active)  # empty answer: nothing more to read
            for n, last in moved.items():
                if n in done:
                    continue
                # agents that do not move forward would loop forever: check once per lane and response
                if oid_key(last) <= oid_key(current[n]):
                    raise SnmpError(self.target.address,
                                    f"agent returned a non-increasing OID after {current[n]}")
                current[n] = last
            if not moved and not done:
                raise SnmpError(self.target.address, "agent answered without progress")
            active = [n for n in active if n not in done]
        return [vb for lane in results for vb in lane]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            self._proto = None
