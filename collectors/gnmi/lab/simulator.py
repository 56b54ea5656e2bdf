"""The gNMI servicer and server (grpcio, real socket on 127.0.0.1)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc

from netrosetta.engine.pathgrammar import Keys, canonical_origin, split_module

from ..proto import GNMI_VERSION, gnmi_pb2, gnmi_pb2_grpc
from .device import SimDevice, SimLeaf
from .encode import notifications

log = logging.getLogger(__name__)

DEFAULT_MODELS = [("openconfig-interfaces", "OpenConfig working group", "3.7.1"),
                  ("openconfig-platform", "OpenConfig working group", "0.24.0"),
                  ("openconfig-system", "OpenConfig working group", "2.1.0")]


@dataclass
class Faults:
    """Misbehaviour on request; changed at runtime by tests."""

    drop_after: int | None = None        # abort each stream (UNAVAILABLE) after N responses
    stall_after: int | None = None       # go silent (stream stays open) after N responses
    malformed_every: int | None = None   # every Nth notification carries undecodable updates
    # every Nth notification goes out as its bytes + ``corrupt_tail`` (default: an Extension whose
    # 2 bytes are a truncated varint, as issue 12 saw from a target): a corrupt trailing extension
    corrupt_every: int | None = None
    corrupt_tail: bytes = bytes.fromhex("2a02ffff")
    drops: int = 0


@dataclass
class SimConfig:
    device: SimDevice = field(default_factory=SimDevice.generated)
    replay: list[gnmi_pb2.SubscribeResponse] | None = None   # send these instead of the device state
    replay_loop_interval: float | None = None                # STREAM: resend the recording this often
    models: list[tuple[str, str, str]] = field(default_factory=lambda: list(DEFAULT_MODELS))
    username: str | None = None
    password: str | None = None
    faults: Faults = field(default_factory=Faults)
    tick: float = 0.05                                       # scheduler resolution, seconds


def _matches(sub: list[tuple[str, dict[str, str]]], sub_origin: str, leaf: SimLeaf) -> bool:
    origin, path, keys, _ = leaf
    if canonical_origin(sub_origin) != origin and not (not sub_origin and origin != "openconfig"):
        return False
    parts = path.strip("/").split("/")
    if len(sub) > len(parts):
        return False
    by: dict[str, dict[str, str]] = {}
    for e, k, v in keys:
        by.setdefault(e, {})[k] = v
    for (name, want), have in zip(sub, parts, strict=False):
        if name != "*" and split_module(name)[1] != have:
            return False
        for k, v in want.items():
            if v != "*" and by.get(have, {}).get(k) != v:
                return False
    return True


class GnmiSimulator(gnmi_pb2_grpc.gNMIServicer):
    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.subscribes = 0
        self.polls = 0

    # -- helpers -------------------------------------------------------------------------------
    def _auth(self, context: grpc.ServicerContext) -> None:
        if self.cfg.username is None:
            return
        md = dict(context.invocation_metadata())
        if md.get("username") != self.cfg.username or md.get("password") != self.cfg.password:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad username or password")

    def _select(self, paths: list[gnmi_pb2.Path], prefix: gnmi_pb2.Path | None) -> list[SimLeaf]:
        leaves = self.cfg.device.leaves()
        if not paths:
            return leaves
        pre = [(e.name, dict(e.key)) for e in prefix.elem] if prefix is not None else []
        out: list[SimLeaf] = []
        seen: set[tuple[str, str, Keys]] = set()
        for p in paths:
            origin = p.origin or (prefix.origin if prefix is not None else "")
            sub = pre + [(e.name, dict(e.key)) for e in p.elem]
            if sub and ":" in sub[0][0] and not origin:
                origin = split_module(sub[0][0])[0]
            for leaf in leaves:
                ident = leaf[:3]
                if ident not in seen and _matches(sub, origin, leaf):
                    seen.add(ident)
                    out.append(leaf)
        return out

    # -- RPCs ----------------------------------------------------------------------------------
    def Capabilities(self, request: Any, context: grpc.ServicerContext) -> gnmi_pb2.CapabilityResponse:
        self._auth(context)
        return gnmi_pb2.CapabilityResponse(
            supported_models=[gnmi_pb2.ModelData(name=n, organization=o, version=v)
                              for n, o, v in self.cfg.models],
            supported_encodings=[gnmi_pb2.JSON, gnmi_pb2.JSON_IETF, gnmi_pb2.PROTO],
            gNMI_version=GNMI_VERSION)

    def Get(self, request: Any, context: grpc.ServicerContext) -> gnmi_pb2.GetResponse:
        self._auth(context)
        prefix = request.prefix if request.HasField("prefix") else None
        leaves = self._select(list(request.path), prefix)
        if not leaves:
            context.abort(grpc.StatusCode.NOT_FOUND, "no data at the requested paths")
        return gnmi_pb2.GetResponse(notification=notifications(leaves, request.encoding))

    def Subscribe(self, request_iterator: Iterator[gnmi_pb2.SubscribeRequest],
                  context: grpc.ServicerContext) -> Iterator[gnmi_pb2.SubscribeResponse | bytes]:
        self._auth(context)
        first = next(request_iterator, None)
        if first is None or not first.HasField("subscribe"):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "first request must be a SubscriptionList")
            return
        sl = first.subscribe
        self.subscribes += 1
        yield from self._faulty(self._responses(sl, request_iterator, context), context)

    # -- streams -------------------------------------------------------------------------------
    def _snapshot(self, sl: gnmi_pb2.SubscriptionList, subs: list[gnmi_pb2.Subscription] | None = None,
                  ) -> list[gnmi_pb2.SubscribeResponse]:
        prefix = sl.prefix if sl.HasField("prefix") else None
        leaves = self._select([s.path for s in (subs if subs is not None else sl.subscription)], prefix)
        return [gnmi_pb2.SubscribeResponse(update=n) for n in notifications(leaves, sl.encoding)]

    def _recorded(self) -> list[gnmi_pb2.SubscribeResponse]:
        rec = list(self.cfg.replay or [])
        if not any(r.HasField("sync_response") for r in rec):
            rec.append(gnmi_pb2.SubscribeResponse(sync_response=True))
        return rec

    def _initial(self, sl: gnmi_pb2.SubscriptionList) -> list[gnmi_pb2.SubscribeResponse]:
        if self.cfg.replay is not None:
            return self._recorded()
        out = [] if sl.updates_only else self._snapshot(sl)
        return [*out, gnmi_pb2.SubscribeResponse(sync_response=True)]

    def _responses(self, sl: gnmi_pb2.SubscriptionList, requests: Iterator[gnmi_pb2.SubscribeRequest],
                   context: grpc.ServicerContext) -> Iterator[gnmi_pb2.SubscribeResponse]:
        # on_change baseline taken with the initial snapshot: changes after it are streamed
        baseline = self._on_change_state(sl)
        yield from self._initial(sl)
        if sl.mode == gnmi_pb2.SubscriptionList.ONCE:
            return
        if sl.mode == gnmi_pb2.SubscriptionList.POLL:
            for req in requests:
                if req.HasField("poll"):
                    self.polls += 1
                    yield from (self._recorded() if self.cfg.replay is not None
                                else [*self._snapshot(sl), gnmi_pb2.SubscribeResponse(sync_response=True)])
            return
        yield from self._stream(sl, context, baseline)

    def _on_change_state(self, sl: gnmi_pb2.SubscriptionList) -> dict[tuple[str, str, Keys], Any]:
        changes = [s.path for s in sl.subscription if s.mode == gnmi_pb2.ON_CHANGE]
        if not changes or self.cfg.replay is not None:
            return {}
        prefix = sl.prefix if sl.HasField("prefix") else None
        return {leaf[:3]: leaf[3] for leaf in self._select(changes, prefix)}

    def _stream(self, sl: gnmi_pb2.SubscriptionList, context: grpc.ServicerContext,
                last: dict[tuple[str, str, Keys], Any]) -> Iterator[gnmi_pb2.SubscribeResponse]:
        if self.cfg.replay is not None:
            every = self.cfg.replay_loop_interval
            while context.is_active():
                time.sleep(every or self.cfg.tick)
                if every:
                    yield from (r for r in self.cfg.replay if not r.HasField("sync_response"))
            return
        now = time.monotonic()
        due: list[tuple[float, float, gnmi_pb2.Subscription]] = []
        changes: list[gnmi_pb2.Subscription] = []
        for s in sl.subscription:
            if s.mode == gnmi_pb2.ON_CHANGE:
                changes.append(s)
                if s.heartbeat_interval:   # on_change heartbeat: the current values, periodically
                    hb = s.heartbeat_interval / 1e9
                    due.append((now + hb, hb, s))
            else:  # SAMPLE, and TARGET_DEFINED which this target samples every second
                iv = s.sample_interval / 1e9 if s.mode == gnmi_pb2.SAMPLE and s.sample_interval else 1.0
                due.append((now + iv, iv, s))
        while context.is_active():
            time.sleep(self.cfg.tick)
            now = time.monotonic()
            ready = [s for t, _, s in due if t <= now]
            if ready:
                due = [(t + iv if t <= now else t, iv, s) for t, iv, s in due]
                yield from self._snapshot(sl, ready)
            if changes:
                prefix = sl.prefix if sl.HasField("prefix") else None
                cur = self._select([s.path for s in changes], prefix)
                moved = [leaf for leaf in cur if last.get(leaf[:3]) != leaf[3]]
                gone = [k for k in last if k not in {leaf[:3] for leaf in cur}]
                last = {leaf[:3]: leaf[3] for leaf in cur}
                if moved:
                    for n in notifications(moved, sl.encoding):
                        yield gnmi_pb2.SubscribeResponse(update=n)
                if gone:
                    from .encode import path_proto
                    n = gnmi_pb2.Notification(timestamp=time.time_ns(),
                                              delete=[path_proto(o, p, k) for o, p, k in gone])
                    yield gnmi_pb2.SubscribeResponse(update=n)

    def _faulty(self, responses: Iterator[gnmi_pb2.SubscribeResponse],
                context: grpc.ServicerContext) -> Iterator[gnmi_pb2.SubscribeResponse | bytes]:
        f = self.cfg.faults
        notes = corrupt = 0
        for sent, resp in enumerate(responses):
            if f.drop_after is not None and sent >= f.drop_after:
                f.drops += 1
                context.abort(grpc.StatusCode.UNAVAILABLE, "simulated stream drop")
            if f.stall_after is not None and sent >= f.stall_after:
                while context.is_active():
                    time.sleep(self.cfg.tick)
                return
            if resp.HasField("update") and f.malformed_every:
                notes += 1
                if notes % f.malformed_every == 0:
                    resp = _malform(resp)
            if resp.HasField("update") and f.corrupt_every:
                corrupt += 1
                if corrupt % f.corrupt_every == 0:
                    yield resp.SerializeToString() + f.corrupt_tail   # raw: see _serialize
                    continue
            yield resp


def _serialize(resp: gnmi_pb2.SubscribeResponse | bytes) -> bytes:
    """Subscribe's serializer: hand-built bytes (faults) go out as they are."""
    return resp if isinstance(resp, bytes) else resp.SerializeToString()


def _add_servicer(servicer: GnmiSimulator, server: grpc.Server) -> None:
    """The generated registration, with Subscribe's serializer able to send raw bytes."""
    handlers = {
        "Capabilities": grpc.unary_unary_rpc_method_handler(
            servicer.Capabilities, request_deserializer=gnmi_pb2.CapabilityRequest.FromString,
            response_serializer=gnmi_pb2.CapabilityResponse.SerializeToString),
        "Get": grpc.unary_unary_rpc_method_handler(
            servicer.Get, request_deserializer=gnmi_pb2.GetRequest.FromString,
            response_serializer=gnmi_pb2.GetResponse.SerializeToString),
        "Set": grpc.unary_unary_rpc_method_handler(
            servicer.Set, request_deserializer=gnmi_pb2.SetRequest.FromString,
            response_serializer=gnmi_pb2.SetResponse.SerializeToString),
        "Subscribe": grpc.stream_stream_rpc_method_handler(
            servicer.Subscribe, request_deserializer=gnmi_pb2.SubscribeRequest.FromString,
            response_serializer=_serialize),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("gnmi.gNMI", handlers),))


def _malform(resp: gnmi_pb2.SubscribeResponse) -> gnmi_pb2.SubscribeResponse:
    bad = gnmi_pb2.SubscribeResponse()
    bad.CopyFrom(resp)
    n = bad.update
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="broken-empty-value")]))   # no TypedValue
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name="broken-json")]),
                 val=gnmi_pb2.TypedValue(json_ietf_val=b"{not json"))
    n.update.add(path=gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(key={"orphan": "key"})]),
                 val=gnmi_pb2.TypedValue(uint_val=1))   # key-only element with no parent
    return bad


@dataclass
class TLSFiles:
    cert: bytes
    key: bytes
    client_ca: bytes | None = None   # set: mutual TLS, client certificates required


class SimServer:
    """Start/stop the simulator on 127.0.0.1 (port 0 = a free one)."""

    def __init__(self, cfg: SimConfig | None = None, port: int = 0, tls: TLSFiles | None = None) -> None:
        self.cfg = cfg or SimConfig()
        self.servicer = GnmiSimulator(self.cfg)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                                   options=[("grpc.so_reuseport", 0)])
        _add_servicer(self.servicer, self._server)
        addr = f"127.0.0.1:{port}"
        if tls is None:
            self.port = self._server.add_insecure_port(addr)
        else:
            creds = grpc.ssl_server_credentials([(tls.key, tls.cert)], root_certificates=tls.client_ca,
                                                require_client_auth=tls.client_ca is not None)
            self.port = self._server.add_secure_port(addr, creds)
        if not self.port:
            raise OSError(f"cannot listen on {addr}")
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> SimServer:
        self._server.start()
        return self

    def stop(self, grace: float | None = 0) -> None:
        self._server.stop(grace).wait(5)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
