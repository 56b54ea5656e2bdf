"""Configuration of a gNMI target (pydantic v2): what ``netrosetta run`` reads for gNMI."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from netrosetta.collectors.target_options import TargetOptions
from netrosetta.engine.pathgrammar import parse_path
from netrosetta.errors import NetrosettaError


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    mode: Literal["sample", "on_change", "target_defined"] = "sample"
    sample_interval: float = Field(default=10.0, gt=0, description="seconds (sample mode)")
    heartbeat_interval: float | None = Field(default=None, gt=0)
    suppress_redundant: bool = False

    @field_validator("path")
    @classmethod
    def _path_parses(cls, v: str) -> str:
        try:
            parse_path(v)
        except NetrosettaError as exc:
            raise ValueError(str(exc)) from None
        return v


class TLS(BaseModel):
    """TLS is on and verifies the server by default; ``enabled: false`` is an explicit opt-out."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    ca_file: Path | None = Field(default=None, description="PEM roots; default: the system trust store")
    cert_file: Path | None = Field(default=None, description="client certificate for mutual TLS")
    key_file: Path | None = None
    server_name: str | None = Field(default=None,
        description="name to verify when it differs from the address")

    @model_validator(mode="after")
    def _pair(self) -> TLS:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together (mutual TLS)")
        return self


class Backoff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    initial: float = Field(default=1.0, gt=0)
    maximum: float = Field(default=60.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.5, ge=0, le=1, description="fraction of the delay randomised away")


class GnmiTarget(TargetOptions):
    model_config = ConfigDict(extra="forbid")

    name: str
    address: str = Field(description="host:port")
    username: str | None = None
    password: SecretStr | None = None
    tls: TLS = TLS()
    encoding: Literal["json", "json_ietf", "proto"] = "proto"
    mode: Literal["stream", "once", "poll"] = "stream"
    poll_interval: float = Field(default=10.0, gt=0)
    prefix: str | None = Field(default=None,
        description="path prefix for all subscriptions (some devices need one)")
    target: str | None = Field(default=None, description="gNMI 'target' field of the prefix")
    subscriptions: list[Subscription] = Field(min_length=1)
    updates_only: bool = False
    keepalive_time: float = Field(default=30.0, gt=0, description="seconds between HTTP/2 pings")
    keepalive_timeout: float = Field(default=10.0, gt=0)
    rpc_timeout: float = Field(default=10.0, gt=0, description="Capabilities/Get deadline, seconds")
    stall_timeout: float | None = Field(
        None, gt=0, description="reconnect when a stream is silent this long; default 3x the longest "
        "sample/heartbeat interval when every subscription has one, off otherwise (on_change may be quiet)")
    reconnect: Backoff = Backoff()
    platform: str | None = Field(default=None, description="configured platform, for rulebook matching")

    @field_validator("address")
    @classmethod
    def _hostport(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError("address must be host:port")
        return v

    def effective_stall_timeout(self) -> float | None:
        if self.stall_timeout is not None:
            return self.stall_timeout
        if self.mode != "stream":
            return None
        # every subscription must promise traffic: samples, or heartbeats on on_change streams
        periods = [s.heartbeat_interval or (s.sample_interval if s.mode == "sample" else None)
                   for s in self.subscriptions]
        if any(p is None for p in periods):
            return None
        return 3 * max(p for p in periods if p is not None) + 5

    def metadata(self) -> list[tuple[str, str]]:
        md = []
        if self.username is not None:
            md.append(("username", self.username))
        if self.password is not None:
            md.append(("password", self.password.get_secret_value()))
        return md
