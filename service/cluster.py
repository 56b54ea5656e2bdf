"""Scale-out on NATS JetStream: target leases in a KV bucket, batches through a work-queue stream.

Ownership: every instance heartbeats on ``<subject>.members`` (core NATS) each lease tick; members
heard within one lease period are live. A target belongs to the live member that wins rendezvous
hashing on its key, and the lease ``t.<hash>`` (create-if-absent, renewed by revision) makes that
exclusive during changes: a member that is not the winner releases its lease, the winner creates
it. A dead member falls silent and its leases (bucket TTL = lease period) expire, so its targets
move within one lease period (plus one lease tick); a stopping member releases its leases and says
it is leaving, so its targets move on the others' next lease tick. A starting member takes no lease
during its first tick, while the others' heartbeats arrive.

NATS outage (disconnected, reconnecting, or a lease round failing): leases are advisory until NATS is
back. Every instance keeps the leases it holds and keeps polling those targets, takes no new ones,
and hands none over (its view of the members is stale). When a lease round succeeds again, held
leases are re-asserted by revision (re-created when they expired meanwhile); for one lease period
after that no new lease is taken, so the members' heartbeats are heard again first. A conflict (the
key held by another instance) goes to the rendezvous winner among the live members plus the holder:
the loser lets go and stops polling at once, so a double poll lasts at most one lease tick.

Batches: every translated batch is published to a work-queue stream; all instances share one
durable pull consumer and ack a message only after every output accepted it, so a crashed or
partitioned exporter's messages are redelivered (at-least-once). When JetStream does not take a
publish (no quorum, server down, stream full) ``publish`` says so and the service's router delivers
the batch locally (its disk spill): nothing is lost and drops stay counted in one place.

The service sees this class only as ``Ownership`` (``owns``, change notifications) and
``Publisher`` (``publish`` → ack); the cluster sees the service only as a ``TargetsView`` (which
targets exist, when each last started) and an ``Exporter`` (the local outputs, for the consumer).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from typing import Any

import nats
from nats.js.api import ConsumerConfig, DiscardPolicy, KeyValueConfig, RetentionPolicy, StreamConfig
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from .config import Cluster as ClusterConfig
from .ports import Exporter, OwnershipListener, TargetsView
from .shard import rendezvous

log = logging.getLogger(__name__)

DURABLE = "exporters"


def lease_key(target: str) -> str:
    return "t." + hashlib.sha1(target.encode()).hexdigest()[:20]


def _lease_value(entry: Any) -> dict[str, Any]:
    """A lease's JSON value; anything else (written by something that is not an instance) is {}."""
    try:
        v = json.loads(entry.value or b"{}")
    except ValueError:
        return {}
    return v if isinstance(v, dict) else {}


class Cluster:
    def __init__(self, instance: str, cfg: ClusterConfig, outputs: Exporter) -> None:
        self.cfg = cfg
        self.instance = instance
        self._outputs = outputs
        self._targets: TargetsView | None = None       # given at start
        self._listeners: list[OwnershipListener] = []
        self.nc: Any = None
        self.js: Any = None
        self.kv: Any = None
        self.connected = False
        self.owned: dict[str, int] = {}          # target key -> lease revision
        self.members: list[str] = []
        self._winners: dict[str, str | None] = {}   # target key -> rendezvous winner among _winners_of
        self._winners_of: list[str] = []
        self._heard: dict[str, float] = {}   # instance -> monotonic time of its last heartbeat
        self.published = 0
        self.consumed = 0
        self.redelivered = 0
        # outage accounting: an outage runs from a disconnect or failed lease round to the next good round
        self._outage_since: float | None = None     # monotonic start of the current outage
        self.outage_seconds = 0.0                   # finished outages
        self.outages = 0
        self.disconnects = 0
        self.reconnects = 0
        self.lease_round_failures = 0
        self.lease_conflicts = 0                    # conflicts resolved (kept as winner or released)
        self.leases_reasserted = 0                  # held leases re-created after they expired in an outage
        self._settle_until = 0.0                    # no new leases before this (members not heard yet)
        self._tasks: list[asyncio.Task[Any]] = []
        self._closing = False

    # -- Ownership ------------------------------------------------------------------------------
    def owns(self, key: str) -> bool:
        return key in self.owned

    def subscribe(self, listener: OwnershipListener) -> None:
        self._listeners.append(listener)

    def _gained(self, key: str, previous_start: float | None) -> None:
        for lis in self._listeners:
            lis.acquired(key, previous_start)

    def _lost(self, key: str) -> None:
        for lis in self._listeners:
            lis.lost(key)

    # -- connection and JetStream objects --------------------------------------------------------
    async def start(self, targets: TargetsView) -> None:
        self._targets = targets
        self.nc = await nats.connect(
            servers=self.cfg.nats, name=f"netrosetta-{self.instance}", max_reconnect_attempts=-1,
            reconnect_time_wait=0.5, connect_timeout=2, allow_reconnect=True,
            user_credentials=str(self.cfg.credentials_file) if self.cfg.credentials_file else None,
            disconnected_cb=self._disconnected, reconnected_cb=self._reconnected,
            error_cb=self._error)
        self.js = self.nc.jetstream(timeout=5)
        await self._ensure_objects()
        self.connected = True
        await self.nc.subscribe(f"{self.cfg.subject}.members", cb=self._on_heartbeat)
        # take no lease before the members' heartbeats had a tick to arrive: alone in its view, a
        # newcomer would try every target (bench.cluster_sim: a cold start of 20 instances over
        # 10,000 targets took 15-95 s and up to 300,000 KV requests)
        self._settle_until = time.monotonic() + self.cfg.lease_seconds / 3
        self._tasks = [asyncio.create_task(self._lease_loop(), name="leases"),
                       asyncio.create_task(self._consumer(), name="consumer")]

    async def _ensure_objects(self) -> None:
        # members starting together race to create the bucket and the stream: the loser's create is
        # refused (e.g. "subjects overlap with an existing stream") while the winner's now exists
        try:
            self.kv = await self.js.key_value(self.cfg.bucket)
        except BucketNotFoundError:
            try:
                self.kv = await self.js.create_key_value(KeyValueConfig(
                    bucket=self.cfg.bucket, ttl=self.cfg.lease_seconds, history=1, replicas=self.cfg.replicas))
            except APIError:
                self.kv = await self.js.key_value(self.cfg.bucket)   # another member made it
        try:
            await self.js.stream_info(self.cfg.stream)
        except NotFoundError:
            try:
                await self.js.add_stream(StreamConfig(
                    name=self.cfg.stream, subjects=[self.cfg.subject], retention=RetentionPolicy.WORK_QUEUE,
                    max_bytes=int(self.cfg.stream_max_mb * 1024 * 1024), discard=DiscardPolicy.NEW,
                    num_replicas=self.cfg.replicas))
            except APIError:
                await self.js.stream_info(self.cfg.stream)   # another member made it (else: raise)

    async def _disconnected(self) -> None:
        self.connected = False
        if self._closing:
            return       # our own close at shutdown, not an outage
        self.disconnects += 1
        self._outage_begins("disconnected")
        log.warning("NATS disconnected; keeping %d leases and polling their targets, batches go to local "
                    "delivery until it is back", len(self.owned))

    async def _reconnected(self) -> None:
        self.connected = True
        self.reconnects += 1
        log.info("NATS reconnected to %s", self.nc.connected_url.netloc if self.nc.connected_url else "?")

    async def _error(self, exc: Exception) -> None:
        log.debug("NATS: %s", exc)

    # -- outage ---------------------------------------------------------------------------------
    def _outage_begins(self, why: str) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            self.outages += 1
            log.warning("NATS outage (%s): leases are advisory until it is back; polling the %d targets "
                        "held, taking none", why, len(self.owned))

    def _outage_ends(self) -> None:
        if self._outage_since is None:
            return
        took = time.monotonic() - self._outage_since
        self.outage_seconds += took
        self._outage_since = None
        self._settle_until = time.monotonic() + self.cfg.lease_seconds
        log.warning("NATS back after %.1fs: %d leases re-asserted (%d re-created), %d conflicts resolved so far",
                    took, len(self.owned), self.leases_reasserted, self.lease_conflicts)

    def in_outage(self) -> bool:
        return self._outage_since is not None

    def outage_seconds_total(self) -> float:
        cur = time.monotonic() - self._outage_since if self._outage_since is not None else 0.0
        return self.outage_seconds + cur

    # -- leases --------------------------------------------------------------------------------
    async def _lease_loop(self) -> None:
        tick = self.cfg.lease_seconds / 3
        while True:
            if self.nc is not None and not self.nc.is_connected:
                # reconnecting: a flush() then returns without a round trip and every KV call times
                # out; do not touch the leases at all
                self._outage_begins("disconnected")
            else:
                try:
                    await self._lease_round()
                    self._outage_ends()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # NATS down or no quorum: keep every lease held and keep polling (data goes to
                    # local delivery). When all instances lose NATS nobody could take over, and a gap
                    # is worse than the bounded double poll settled when NATS is back.
                    self.lease_round_failures += 1
                    self._outage_begins(type(exc).__name__)
                    log.warning("lease round failed: %s", type(exc).__name__)
                    if "NotFound" in type(exc).__name__:
                        with contextlib.suppress(Exception):
                            await self._ensure_objects()   # a server that lost its storage
            await asyncio.sleep(tick)

    async def _on_heartbeat(self, msg: Any) -> None:
        with contextlib.suppress(Exception):
            beat = json.loads(msg.data)
            if beat.get("leaving"):   # it released its leases: not a member from now on
                self._heard.pop(beat["instance"], None)
            else:
                self._heard[beat["instance"]] = time.monotonic()

    def _winner(self, key: str) -> str | None:
        """The rendezvous winner among the members, kept until they change: a lease round hashes
        targets x members only then, not every tick (bench.cluster_sim: ~0.4 µs each, 2 s of CPU a
        round at 100,000 targets and 50 members)."""
        if self._winners_of != self.members:
            self._winners_of = list(self.members)
            self._winners = {}
        if key not in self._winners:
            self._winners[key] = rendezvous(self.members, key)
        return self._winners[key]

    def _live_members(self) -> list[str]:
        horizon = time.monotonic() - self.cfg.lease_seconds
        return sorted(m for m, t in self._heard.items() if t >= horizon)

    async def _lease_round(self) -> None:
        assert self._targets is not None, "started"
        # membership is core NATS pub/sub (cheap, no JetStream round trip); leases are KV (exclusive)
        await self.nc.publish(f"{self.cfg.subject}.members", json.dumps({"instance": self.instance}).encode())
        await self.nc.flush(timeout=2)
        self._heard[self.instance] = time.monotonic()
        self.members = self._live_members()
        if self.instance not in self.members:
            self.members.append(self.instance)
        value = json.dumps({"instance": self.instance}).encode()
        # just back from an outage (or just started): the members' heartbeats are not all heard yet,
        # so rendezvous over self.members is not trusted for handing over or taking new leases
        settled = not self.in_outage() and time.monotonic() >= self._settle_until
        for key in self._targets.target_keys():
            lk = lease_key(key)
            mine = self._winner(key) == self.instance
            rev = self.owned.get(key)
            if rev is not None:
                if not mine and settled:  # hand over to the winner: it takes the lease on its next round
                    with contextlib.suppress(KeyWrongLastSequenceError):
                        await self.kv.update(lk, self._released(key), last=rev)
                    del self.owned[key]
                    self._lost(key)
                    log.info("%s: lease handed over to %s", key, self._winner(key))
                    continue
                try:
                    self.owned[key] = await self.kv.update(lk, value, last=rev)
                except KeyWrongLastSequenceError:  # expired in an outage, or another instance wrote it
                    await self._reassert(key, lk, value)
                continue
            if mine and settled:
                await self._acquire(key, lk, value)
        wanted = set(self._targets.target_keys())   # now: targets removed during the round let go too
        if len(self._winners) > len(wanted):
            self._winners = {k: w for k, w in self._winners.items() if k in wanted}
        for key in [k for k in self.owned if k not in wanted]:
            with contextlib.suppress(Exception):
                await self.kv.delete(lease_key(key), last=self.owned[key])
            del self.owned[key]

    async def _reassert(self, key: str, lk: str, value: bytes) -> None:
        """Our lease's revision is gone: re-create it, or settle a conflict by rendezvous.

        Transport errors propagate (the round fails, the outage goes on, the lease is kept)."""
        try:
            entry = await self.kv.get(lk)
        except (KeyNotFoundError, KeyDeletedError):
            entry = None
        try:
            if entry is None:   # expired while NATS was away: nobody else holds it
                self.owned[key] = await self.kv.create(lk, value)
                self.leases_reasserted += 1
                log.info("%s: lease re-created after it expired", key)
                return
            held = _lease_value(entry)
            holder = held.get("by") if held.get("released") else held.get("instance")
            if held.get("released") or holder in (self.instance, None):   # None: not a live lease
                self.owned[key] = await self.kv.update(lk, value, last=entry.revision)
                return
        except KeyWrongLastSequenceError:
            return              # another instance wrote it meanwhile: settled on the next round
        # two instances polled this target (a partition, or a lease that expired and was taken)
        self.lease_conflicts += 1
        winner = rendezvous(sorted({*self.members, str(holder), self.instance}), key)
        if winner == self.instance:
            try:
                self.owned[key] = await self.kv.update(lk, value, last=entry.revision)
            except KeyWrongLastSequenceError:
                return
            log.warning("%s: lease conflict with %s resolved: kept here (rendezvous winner)", key, holder)
        else:
            del self.owned[key]
            self._lost(key)
            log.warning("%s: lease conflict with %s resolved: released, %s polls it (rendezvous winner)",
                        key, holder, winner)

    def _released(self, key: str) -> bytes:
        """A released lease names when its last poll started, so the next owner keeps the phase."""
        start = self._targets.last_start(key) if self._targets is not None else None
        return json.dumps({"released": True, "by": self.instance, "last_poll_start": start}).encode()

    async def _acquire(self, key: str, lk: str, value: bytes) -> None:
        try:
            entry = await self.kv.get(lk)
        except (KeyNotFoundError, KeyDeletedError):
            entry = None
        try:
            if entry is None:  # expired (its owner died) or never existed
                self.owned[key] = await self.kv.create(lk, value)
                log.info("%s: lease acquired (no live owner)", key)
                self._gained(key, None)   # nobody polled it for up to a lease period: poll now
                return
            held = _lease_value(entry)
            if not held.get("released"):
                return         # still held by its previous owner until it hands over or expires
            self.owned[key] = await self.kv.update(lk, value, last=entry.revision)
        except KeyWrongLastSequenceError:
            return             # another instance won the race (transport errors: the round fails)
        last = held.get("last_poll_start")
        log.info("%s: lease taken over from %s", key, held.get("by"))
        # continue the previous owner's schedule: no double poll, no gap
        self._gained(key, float(last) if isinstance(last, int | float) else None)

    # -- Publisher ------------------------------------------------------------------------------
    async def publish(self, req: ExportMetricsServiceRequest, points: int) -> bool:
        if not self.connected or not self.nc.is_connected:
            # a publish buffered while reconnecting could be both sent later and delivered
            # locally after its timeout: decide before publishing
            return False
        try:
            await self.js.publish(self.cfg.subject, req.SerializeToString(), timeout=2,
                                  headers={"points": str(points)})
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("publish to JetStream failed (%s): delivering locally", type(exc).__name__)
            return False
        self.published += 1
        return True

    async def _consumer(self) -> None:
        sub = None
        while True:
            try:
                if sub is None:
                    sub = await self.js.pull_subscribe(
                        self.cfg.subject, durable=DURABLE, stream=self.cfg.stream,
                        config=ConsumerConfig(ack_wait=self.cfg.ack_wait, max_ack_pending=1000))
                msgs = await sub.fetch(batch=16, timeout=1)
            except asyncio.CancelledError:
                raise
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except Exception as exc:
                log.debug("consumer: %s", exc)
                sub = None  # subscribe again (the durable consumer keeps our place on the server)
                await asyncio.sleep(0.5)
                continue
            for msg in msgs:
                try:
                    await self._export_msg(msg)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # e.g. the ack did not reach NATS: redelivered, not lost
                    log.warning("consumer: %s", type(exc).__name__)

    async def _export_msg(self, msg: Any) -> None:
        req = ExportMetricsServiceRequest.FromString(msg.data)
        pts = int((msg.headers or {}).get("points", "0"))
        if msg.metadata.num_delivered > 1:
            self.redelivered += 1
        if await self._outputs.export_now(req, pts):
            await msg.ack()
            self.consumed += 1
        else:  # the backend said no: the message stays in the stream and comes back later
            await msg.nak(delay=1.0)
            await asyncio.sleep(0.5)

    # -- status and shutdown ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {"instance": self.instance, "connected": self.connected, "members": self.members,
                "owned": sorted(self.owned), "leases": dict(sorted(self.owned.items())),
                "leases_state": "advisory (NATS outage)" if self.in_outage() else "confirmed",
                "outage": {"now": self.in_outage(), "seconds": round(self.outage_seconds_total(), 3),
                           "outages": self.outages, "disconnects": self.disconnects,
                           "reconnects": self.reconnects, "lease_round_failures": self.lease_round_failures,
                           "lease_conflicts_resolved": self.lease_conflicts,
                           "leases_reasserted": self.leases_reasserted},
                "published": self.published, "consumed": self.consumed,
                "redelivered": self.redelivered}

    def counters(self) -> dict[str, dict[tuple[tuple[str, str], ...], int]]:
        """Self-telemetry counters (cumulative)."""
        return {"netrosetta.cluster.outage.seconds": {(): int(self.outage_seconds_total())},
                "netrosetta.cluster.outages": {(): self.outages},
                "netrosetta.cluster.reconnects": {(): self.reconnects},
                "netrosetta.cluster.lease.conflicts": {(): self.lease_conflicts},
                "netrosetta.cluster.lease.reasserted": {(): self.leases_reasserted}}

    def gauges(self) -> dict[str, dict[tuple[tuple[str, str], ...], int]]:
        """Self-telemetry gauges (now)."""
        return {"netrosetta.cluster.leases.held": {(): len(self.owned)},
                "netrosetta.cluster.nats.outage": {(): int(self.in_outage())}}

    async def leave(self) -> None:
        """First step of a stop: release the leases, so the other instances take over at once."""
        self._closing = True
        for t in self._tasks:
            if t.get_name() == "leases":
                t.cancel()
        for key, rev in list(self.owned.items()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.kv.update(lease_key(key), self._released(key), last=rev), 1)
        self.owned.clear()
        # without this the others count us live for a lease period more and leave the released
        # leases alone until then (bench.cluster_sim: a stop took as long as a crash to rebalance)
        with contextlib.suppress(Exception):
            await self.nc.publish(f"{self.cfg.subject}.members",
                                  json.dumps({"instance": self.instance, "leaving": True}).encode())
            await self.nc.flush(timeout=1)

    async def stop(self, deadline: float) -> None:
        """Last step (after the router published what it had): export what is in the stream (ours or
        anyone's) until ``deadline`` (monotonic), then close; the rest stays in the stream for the
        other instances or the next start."""
        while time.monotonic() < deadline:
            try:
                info = await self.js.consumer_info(self.cfg.stream, DURABLE, timeout=1)
            except Exception:
                break
            if not info.num_pending and not info.num_ack_pending:
                break
            await asyncio.sleep(0.1)
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.nc.close(), 3)


__all__ = ["Cluster", "lease_key", "rendezvous"]
