"""The service's one YAML config: a pydantic model, a published JSON Schema, file:line errors.

Secrets are references only (``env:VAR`` / ``file:PATH``; ``literal:`` for labs and tests) and are
resolved while validating, so a missing variable is a config error with its line, and a resolved
secret is a SecretStr that never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from netrosetta.collectors import registry
from netrosetta.collectors.schedule import Schedule
from netrosetta.collectors.snmp.credentials import Secret, SecretRefError, resolve_secret
from netrosetta.collectors.snmp.target import SnmpTargetSpec
from netrosetta.collectors.snmp.traps import TrapConfig
from netrosetta.engine.yaml_source import InvalidDocument, YamlDoc, load_yaml, validate, validation_problems
from netrosetta.errors import NetrosettaError

from .reconcile_live import ReconcileConfig

try:
    from netrosetta.collectors.flow.config import FlowListenerConfig
except ImportError:  # pragma: no cover
    FlowListenerConfig = dict[str, Any]  # type: ignore[misc,assignment]

__all__ = ["Schedule", "ServiceConfig", "SnmpTargetSpec", "Targets", "config_model", "load_config"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


def _resolve_passwords(data: Any) -> Any:
    """``password: env:VAR`` in a target whose model has a password → the secret; inline secrets are refused."""
    if isinstance(data, list):
        return [_resolve_passwords(x) for x in data]
    if not isinstance(data, dict):
        return data
    out = dict(data)
    pw = out.get("password")
    if isinstance(pw, str):
        try:
            out["password"] = resolve_secret(pw)
        except SecretRefError as exc:
            raise ValueError(f"password: {exc.message}") from None
    return out


class TargetsBase(_Strict):
    """``targets:``: one list per registered source kind (collectors/registry.py), built below."""

    def items(self) -> list[tuple[str, Any]]:
        """(kind, target) for every target, kinds in registry order."""
        return [(k, t) for k in registry.names() if k in type(self).model_fields for t in getattr(self, k)]

    def count(self) -> int:
        return len(self.items())


def _target_model(kind: registry.SourceKind) -> Any:
    try:
        return kind.target_model()
    except ImportError:  # pragma: no cover - a kind whose collector is not installed in this build
        return dict[str, Any]


def _secrets(cls: Any, v: Any) -> Any:
    return _resolve_passwords(v)


@cache
def _targets_model(generation: int) -> type[TargetsBase]:
    """The ``targets:`` model for the kinds registered now (cached per registry generation)."""
    fields: dict[str, Any] = {}
    secret_lists = []
    for kind in registry.kinds():
        model = _target_model(kind)
        fields[kind.name] = (list[model], [])  # type: ignore[valid-type]
        if "password" in getattr(model, "model_fields", {}):
            secret_lists.append(kind.name)
    validators: dict[str, Any] = {}
    if secret_lists:
        validators["_secrets"] = field_validator(*secret_lists, mode="before")(_secrets)
    return create_model("Targets", __base__=TargetsBase, __validators__=validators, **fields)


if TYPE_CHECKING:
    Targets = TargetsBase
else:
    Targets = _targets_model(registry.generation())


class Defaults(_Strict):
    interval: float = Field(60.0, gt=0, le=86400)
    jitter: float = Field(0.1, ge=0, le=1)
    poll_timeout: float = Field(30.0, gt=0, le=3600)
    concurrency: int = Field(64, ge=1, le=10000, description="polls running at the same time")


class Tls(_Strict):
    insecure: bool = Field(False, description="plaintext (no TLS); only for loopback/lab collectors")
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


class OtlpOutput(_Strict):
    endpoint: str = Field(description="gRPC: host:port; HTTP: full URL (…/v1/metrics)")
    headers: dict[str, Secret] = Field({}, description="header values are secret references (env:VAR)")
    tls: Tls = Tls()
    timeout: float = Field(5.0, gt=0, le=120, description="seconds per export attempt")
    compression: Literal["gzip", "none"] | None = None


class JsonFileOutput(_Strict):
    path: Path = Field(description="OTLP/JSON lines are appended here ('-' = stdout)")
    signals: list[Literal["metrics", "logs"]] = Field(
        ["metrics", "logs"], min_length=1,
        description="what this file takes: metrics, logs (raw flows, traps) or both")


class PrometheusOutput(_Strict):
    listen: str = Field("127.0.0.1:9464", description="host:port of the /metrics scrape endpoint")


class Outputs(_Strict):
    otlp_grpc: list[OtlpOutput] = []
    otlp_http: list[OtlpOutput] = []
    otlp_json: list[JsonFileOutput] = []
    prometheus: PrometheusOutput | None = None
    from_env: bool = Field(True, description="also export to OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT when set")


class Delivery(_Strict):
    queue_batches: int = Field(256, ge=1, le=1_000_000, description="in-memory batches per output")
    spill_dir: Path | None = Field(None, description="on-disk buffer while a backend is down (off: memory only)")
    spill_max_mb: float = Field(256, gt=0, description="per output (disk usage); when full the oldest batches are dropped")
    orphaned_spill: Literal["report", "deliver"] = Field(
        "report", description="spill folders no configured output owns (e.g. the endpoint changed): 'report' "
        "lists them (log, status page, self-telemetry) and leaves them; 'deliver' moves their batches into "
        "the spill of the only output that has one (with several outputs they are reported instead)")
    retry_initial: float = Field(0.5, gt=0, le=60)
    retry_max: float = Field(30.0, gt=0, le=3600)
    shutdown_flush_seconds: float = Field(10.0, ge=0, le=600)


class Health(_Strict):
    """When /readyz turns red (503) besides start-up and a lost cluster connection."""

    flow_stall_seconds: float = Field(10.0, gt=0, le=3600,
                                      description="a flow listener whose receive loop has not turned for this long")
    poll_overdue_intervals: float = Field(3.0, gt=0, le=1000,
                                          description="a target whose next poll is overdue by this many intervals "
                                                      "(scheduler stalled, concurrency slots exhausted)")
    spill_full: bool = Field(True, description="an output whose spill is at its bound and dropping")


class Http(_Strict):
    listen: str | None = Field("127.0.0.1:8080", description="host:port for /healthz /readyz /status; null: off")


class SelfTelemetry(_Strict):
    enabled: bool = True
    interval: float = Field(15.0, gt=0)


class Cluster(_Strict):
    """Scale-out through NATS JetStream (see deploy/three-node.md)."""

    nats: list[str] = Field(min_length=1, description="nats://host:port URLs")
    instance: str | None = Field(None, description="this instance's id (default: hostname-pid)")
    lease_seconds: float = Field(15.0, ge=1, le=3600)
    bucket: str = "netrosetta-leases"
    stream: str = "NETROSETTA"
    subject: str = "netrosetta.batches"
    replicas: int = Field(1, ge=1, le=5, description="JetStream replicas of the bucket and stream (3 on a 3-node cluster)")
    stream_max_mb: float = Field(1024, gt=0, description="stream bound; when full, batches use local delivery/spill")
    ack_wait: float = Field(30.0, gt=0, description="seconds before an unacknowledged batch is redelivered")
    credentials_file: Path | None = None
    record_file: Path | None = Field(
        None, description="append every batch this instance makes, before it is published, as OTLP/JSON "
        "lines: an audit trail to compare with what the backend received")


class ServiceConfig(_Strict):
    defaults: Defaults = Defaults()
    rulebooks: list[Path] = Field([], description="rulebook folders added to the built-in ones")
    targets: Targets = Targets()
    targets_file: Path | None = Field(None, description="YAML with a `targets:` mapping, watched: edits need no restart")
    flow: list[FlowListenerConfig] = []
    traps: TrapConfig | None = Field(None, description="receive SNMP traps/informs as OTLP logs")
    outputs: Outputs = Outputs()
    delivery: Delivery = Delivery()
    http: Http = Http()
    health: Health = Health()
    self_telemetry: SelfTelemetry = SelfTelemetry()
    cluster: Cluster | None = None
    reconcile: ReconcileConfig = Field(ReconcileConfig(), description="opt-in: compare a device's series "
                                       "across the sources it is collected over (README: reconcile)")
    instance: str | None = Field(
        None, pattern=r"^[A-Za-z0-9._:-]{1,100}$",
        description="this instance's id: self-telemetry's service.instance.id, its workers' prefix "
        "(default: cluster.instance, else hostname-pid)")
    workers: Annotated[int, Field(ge=1, le=256)] | Literal["auto"] = Field(
        1, description="worker processes sharing nothing, each polling its shard of the targets "
        "(rendezvous over <instance>/w0..w<N-1>, as instances in a NATS cluster); 'auto': one per CPU; "
        "flow listeners and traps run in worker 0")

    def worker_count(self) -> int:
        if self.workers == "auto":
            return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        return self.workers

    @model_validator(mode="after")
    def _unique_names(self) -> ServiceConfig:
        seen: set[str] = set()
        for kind, t in self.targets.items():
            key = target_key(kind, t)
            if key in seen:
                raise ValueError(f"target {key} is listed twice")
            seen.add(key)
        return self


class TargetsFile(_Strict):
    targets: Targets = Targets()


@cache
def _models(generation: int) -> tuple[type[ServiceConfig], type[TargetsFile]]:
    if generation == _BUILT_AT:
        return ServiceConfig, TargetsFile
    # a kind registered after import (a plug-in, a test): same models, the new targets: list
    targets = _targets_model(generation)
    cfg = create_model("ServiceConfig", __base__=ServiceConfig, targets=(targets, targets()))
    tfile = create_model("TargetsFile", __base__=TargetsFile, targets=(targets, targets()))
    return cfg, tfile


_BUILT_AT = registry.generation()


def config_model() -> type[ServiceConfig]:
    """ServiceConfig with a ``targets:`` list for every kind registered now."""
    return _models(registry.generation())[0]


def target_key(kind: str, t: Any) -> str:
    """A stable name for a target: kind/name, or kind/address when unnamed."""
    name = getattr(t, "name", None) or (t.get("name") if isinstance(t, dict) else None)
    if not name:
        name = getattr(t, "address", None) or (t.get("address") if isinstance(t, dict) else None)
    return f"{kind}/{name}"


def _relative(base: Path, p: Path | None) -> Path | None:
    if p is None or p.is_absolute() or str(p) == "-":
        return p
    return base / p


def load_config(path: str | Path) -> ServiceConfig:
    """Read and validate; relative paths are taken relative to the config file."""
    doc = load_yaml(path)
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        raise NetrosettaError("the config must be a mapping", file=str(path), line=1)
    cfg = validate(doc, config_model())
    base = Path(path).resolve().parent
    cfg.rulebooks = [_relative(base, p) or p for p in cfg.rulebooks]
    cfg.targets_file = _relative(base, cfg.targets_file)
    cfg.delivery.spill_dir = _relative(base, cfg.delivery.spill_dir)
    for o in cfg.outputs.otlp_json:
        o.path = _relative(base, o.path) or o.path
    if cfg.cluster is not None:
        cfg.cluster.record_file = _relative(base, cfg.cluster.record_file)
    for i, rb in enumerate(cfg.rulebooks):
        if not rb.exists():
            line, col = doc.where(("rulebooks", i))
            raise NetrosettaError(f"rulebook folder {rb} does not exist", file=str(path), line=line, column=col)
    return cfg


def load_targets_file(path: str | Path) -> TargetsBase:
    return targets_from_doc(load_yaml(path))


_CHUNK = 1000     # targets validated per pydantic call


def targets_from_doc(doc: YamlDoc, positions: Callable[[], dict[Any, tuple[int, int]]] | None = None) -> TargetsBase:
    """A targets file's parsed document, validated (``positions``: see ``validate``). A large file
    is validated a chunk of targets at a time: one pydantic call holds the GIL throughout, so a
    thread validating 30,000 targets in one call stalled the event loop beside it."""
    targets_file = _models(registry.generation())[1]
    data = doc.data
    if data is None:
        return targets_file().targets
    lists = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(lists, dict) or sum(len(v) for v in lists.values() if isinstance(v, list)) <= _CHUNK:
        return validate(doc, targets_file, positions).targets
    skeleton = {**data, "targets": {k: [] if isinstance(v, list) else v for k, v in lists.items()}}
    errors: list[Any] = []
    try:
        targets_file.model_validate(skeleton)
    except ValidationError as exc:
        errors += exc.errors()
    valid: dict[str, list[Any]] = {}
    for kind, items in lists.items():
        for start in range(0, len(items) if isinstance(items, list) else 0, _CHUNK):
            try:
                part = targets_file.model_validate({"targets": {kind: items[start:start + _CHUNK]}})
            except ValidationError as exc:
                errors += [_shift(e, start) for e in exc.errors()]
                continue
            valid.setdefault(kind, []).extend(getattr(part.targets, kind))
    if errors:
        if positions is not None:
            doc.positions = positions()
        raise InvalidDocument(validation_problems(doc, errors))
    # validated models pass through as they are: this last call only assembles
    return targets_file.model_validate({**skeleton, "targets": {**skeleton["targets"], **valid}}).targets


def _shift(err: Any, start: int) -> Any:
    """A chunk's error located in the whole list: ("targets", kind, i, ...) -> i + start."""
    loc = tuple(err.get("loc", ()))
    if len(loc) > 2 and isinstance(loc[2], int):
        err = {**err, "loc": (*loc[:2], loc[2] + start, *loc[3:])}
    return err


def json_schema() -> dict[str, Any]:
    schema = config_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netrosetta service config"
    return schema


def redacted(cfg: ServiceConfig) -> dict[str, Any]:
    """The config as JSON-able data with every secret shown as ********** (for the status page)."""
    def scrub(v: Any) -> Any:
        if isinstance(v, SecretStr):
            return "**********"
        if isinstance(v, dict):
            return {k: scrub(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [scrub(x) for x in v]
        if isinstance(v, Path):
            return str(v)
        return v
    return scrub(cfg.model_dump(mode="python"))  # type: ignore[no-any-return]
