"""gNMI client over grpc.aio: Capabilities, Get, Subscribe (STREAM / ONCE / POLL).

Errors surface as :class:`GnmiError` with a one-line reason (TLS, auth, unreachable, timeout);
the password is never part of a message or a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from netrosetta.errors import NetrosettaError

from .config import GnmiTarget
from .paths import to_proto
from .proto import ENCODINGS, LIST_MODES, SUB_MODES, gnmi_pb2, gnmi_pb2_grpc

log = logging.getLogger(__name__)


class GnmiError(NetrosettaError):
    """A target-level failure; ``code`` is the gRPC status name when there is one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GnmiError(f"cannot read {what} {path}: {exc.strerror}") from None


def describe(exc: grpc.aio.AioRpcError, target: GnmiTarget) -> GnmiError:
    code = exc.code()
    details = exc.details() or ""
    if target.password is not None:
        details = details.replace(target.password.get_secret_value(), "***")
    low = details.lower()
    name = target.name if target.name == target.address else f"{target.name} ({target.address})"
    tls_words = ("ssl", "handshake", "certificate", "tls")
    if code == grpc.StatusCode.UNAVAILABLE and "wrong_version_number" in low:
        msg = (f"{name}: TLS handshake failed - the target does not answer TLS on this port "
               f"(a plaintext gNMI server? only then set tls.enabled: false): {details}")
    elif code == grpc.StatusCode.UNAVAILABLE and any(w in low for w in tls_words):
        msg = (f"{name}: TLS handshake failed - the server certificate is not trusted or does not match "
               f"(check tls.ca_file / tls.server_name): {details}")
    elif code == grpc.StatusCode.UNAUTHENTICATED:
        user = target.username or "(none)"
        msg = f"{name}: authentication failed for user {user!r}: {details}"
    elif code == grpc.StatusCode.PERMISSION_DENIED:
        msg = f"{name}: permission denied: {details}"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        msg = f"{name}: timed out: {details}"
    elif code == grpc.StatusCode.UNAVAILABLE:
        msg = f"{name}: unreachable: {details}"
    else:
        msg = f"{name}: {code.name}: {details}"
    return GnmiError(msg, code.name)


class SubscribeCall:
    """A live Subscribe RPC: iterate responses, ``poll()`` in POLL mode, ``cancel()`` to stop."""

    def __init__(self, call: Any, target: GnmiTarget) -> None:
        self._call = call
        self._target = target

    async def poll(self) -> None:
        await self._call.write(gnmi_pb2.SubscribeRequest(poll=gnmi_pb2.Poll()))

    def cancel(self) -> None:
        self._call.cancel()

    async def responses(self, idle_timeout: float | None = None,
                        first_timeout: float | None = None) -> AsyncIterator[bytes]:
        """Serialized SubscribeResponses until the target ends the stream; GnmiError on failure or
        on a stall. Bytes, not messages: wire.flatten_bytes decodes the common shapes faster."""
        limit = first_timeout if first_timeout is not None else idle_timeout
        while True:
            try:
                # asyncio.timeout, not wait_for: wait_for can swallow a cancellation that races
                # with a message arriving (Python 3.11), and the session would never stop
                async with asyncio.timeout(limit):
                    resp = await self._call.read()
            except TimeoutError:
                self._call.cancel()
                raise GnmiError(f"{self._target.name} ({self._target.address}): stream stalled, "
                                f"nothing received for {limit:g}s", "STALLED") from None
            except grpc.aio.AioRpcError as exc:
                raise describe(exc, self._target) from None
            limit = idle_timeout
            if resp is grpc.aio.EOF:
                return
            yield resp


class GnmiClient:
    def __init__(self, target: GnmiTarget) -> None:
        self.target = target
        self._channel: grpc.aio.Channel | None = None
        self._stub: Any = None

    def _options(self) -> list[tuple[str, Any]]:
        t = self.target
        opts: list[tuple[str, Any]] = [
            ("grpc.keepalive_time_ms", int(t.keepalive_time * 1000)),
            ("grpc.keepalive_timeout_ms", int(t.keepalive_timeout * 1000)),
            # on-change streams can be silent for hours: ping anyway, or a dead peer goes unnoticed
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            # we own reconnects (with backoff + jitter); keep grpc's own retry out of the way
            ("grpc.enable_retries", 0),
        ]
        if t.tls.enabled and t.tls.server_name:
            opts.append(("grpc.ssl_target_name_override", t.tls.server_name))
        return opts

    async def __aenter__(self) -> GnmiClient:
        t = self.target
        if t.tls.enabled:
            creds = grpc.ssl_channel_credentials(
                root_certificates=_read(t.tls.ca_file, "CA file"),
                private_key=_read(t.tls.key_file, "key file"),
                certificate_chain=_read(t.tls.cert_file, "certificate file"))
            self._channel = grpc.aio.secure_channel(t.address, creds, options=self._options())
        else:
            self._channel = grpc.aio.insecure_channel(t.address, options=self._options())
        self._stub = gnmi_pb2_grpc.gNMIStub(self._channel)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(grace=None)
            self._channel = None

    async def capabilities(self) -> gnmi_pb2.CapabilityResponse:
        try:
            resp: gnmi_pb2.CapabilityResponse = await self._stub.Capabilities(
                gnmi_pb2.CapabilityRequest(), metadata=self.target.metadata(),
                timeout=self.target.rpc_timeout, wait_for_ready=False)
        except grpc.aio.AioRpcError as exc:
            raise describe(exc, self.target) from None
        return resp

    async def get(self, paths: Sequence[str], encoding: str | None = None,
                  data_type: str = "ALL") -> gnmi_pb2.GetResponse:
        req = gnmi_pb2.GetRequest(path=[to_proto(p) for p in paths],
                                  encoding=ENCODINGS[encoding or self.target.encoding],
                                  type=gnmi_pb2.GetRequest.DataType.Value(data_type))
        if self.target.prefix or self.target.target:
            req.prefix.CopyFrom(self._prefix())
        try:
            resp: gnmi_pb2.GetResponse = await self._stub.Get(
                req, metadata=self.target.metadata(), timeout=self.target.rpc_timeout)
        except grpc.aio.AioRpcError as exc:
            raise describe(exc, self.target) from None
        return resp

    def _prefix(self) -> gnmi_pb2.Path:
        p = to_proto(self.target.prefix) if self.target.prefix else gnmi_pb2.Path()
        if self.target.target:
            p.target = self.target.target
        return p

    def subscribe_request(self) -> gnmi_pb2.SubscribeRequest:
        t = self.target
        sl = gnmi_pb2.SubscriptionList(mode=LIST_MODES[t.mode], encoding=ENCODINGS[t.encoding],
                                       updates_only=t.updates_only)
        if t.prefix or t.target:
            sl.prefix.CopyFrom(self._prefix())
        for s in t.subscriptions:
            sub = sl.subscription.add(path=to_proto(s.path), suppress_redundant=s.suppress_redundant)
            if t.mode == "stream":
                sub.mode = SUB_MODES[s.mode]
                if s.mode == "sample":
                    sub.sample_interval = int(s.sample_interval * 1e9)
                if s.heartbeat_interval:
                    sub.heartbeat_interval = int(s.heartbeat_interval * 1e9)
        return gnmi_pb2.SubscribeRequest(subscribe=sl)

    async def subscribe(self) -> SubscribeCall:
        assert self._channel is not None
        rpc = self._channel.stream_stream("/gnmi.gNMI/Subscribe",
                                          request_serializer=gnmi_pb2.SubscribeRequest.SerializeToString,
                                          response_deserializer=None)
        call = rpc(metadata=self.target.metadata())
        try:
            await call.write(self.subscribe_request())
        except grpc.aio.AioRpcError as exc:
            raise describe(exc, self.target) from None
        except asyncio.InvalidStateError:
            pass  # the RPC already ended; the read side reports why
        return SubscribeCall(call, self.target)
