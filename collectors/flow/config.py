"""Configuration of a flow listener, embedded by the service config (``netrosetta run``).

YAML form (every key optional except ``port``)::

    port: 2055
    bind: 127.0.0.1
    workers: 2                      # SO_REUSEPORT sockets, one process each
    filters:                        # all must match
      - "int,l4_src_port,==,80"     # ktranslate syntax, or:
      - {field: dst_addr, op: "%", value: 10.0.0.0/8}
      - any: [{field: proto, op: "==", value: tcp}, {field: proto, op: "==", value: udp}]
    columns: {include: [], exclude: [src_mac, dst_mac]}
    rollups:
      - "unique,top_src_addr_by_count_dst_addr,dst_addr,src_addr"
      - {method: sum, name: bytes_by_dst, metrics: [s_bytes], dimensions: [dst_addr]}
    rollup_interval: 60
    outputs:
      - {type: jsonl, path: "-"}
      - {type: otlp, endpoint: "127.0.0.1:4317", protocol: grpc}
      - {type: otlp}                # no endpoint: the service's outputs (delivery, spill, retry)
    counters_rulebook: generic/snmp # sFlow interface counters -> unified metrics by this rulebook
    sampling: {default_rate: 1000, overrides: {"192.0.2.1": 512}}
    template_cache_path: /var/lib/netrosetta/flow-templates.json
    strict_template_scope: ["192.0.2.7"]  # templates apply to their own source port only
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netrosetta.collectors.flow.filters import Clause, ColumnFilter, Filters, RowFilter
from netrosetta.collectors.flow.geo import GeoConfig
from netrosetta.collectors.flow.rollups import RollupSpec
from netrosetta.errors import NetrosettaError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FilterClause(_Strict):
    field: str
    op: Literal["==", "!=", "<", ">", "<=", ">=", "%"]
    value: str | int
    type: Literal["int", "string", "addr"] | None = None

    def to_text(self) -> str:
        return ",".join([*([self.type] if self.type else []), self.field, self.op, str(self.value)])


class FilterAny(_Strict):
    any: list[FilterClause | list[FilterClause]] = Field(min_length=1)


FilterItem = str | FilterClause | FilterAny


class ColumnsConfig(_Strict):
    include: list[str] = []
    exclude: list[str] = []


class RollupConfig(_Strict):
    method: Literal["sum", "count", "unique", "min", "max", "mean", "top"]
    name: str
    metrics: list[str] = Field(min_length=1)
    dimensions: list[str] = []
    top_k: int = Field(10, ge=1, le=10_000)

    def to_text(self) -> str:
        return ",".join([self.method, self.name, "+".join(self.metrics), *self.dimensions])


class OutputConfig(_Strict):
    type: Literal["jsonl", "otlp"]
    path: str = "-"                           # jsonl: "-" is stdout
    # otlp: host:port (grpc) or URL (http); none: the service's outputs (inside `netrosetta run`),
    # else OTEL_EXPORTER_OTLP_ENDPOINT
    endpoint: str | None = None
    protocol: Literal["grpc", "http"] = "grpc"
    flows: bool = True                        # raw flows as log records / lines
    rollups: bool = True                      # rollups as metrics / lines


class SamplingConfig(_Strict):
    default_rate: int | None = Field(None, ge=1)
    overrides: dict[str, int] = {}

    @field_validator("overrides")
    @classmethod
    def _positive(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, r in v.items() if r < 1]
        if bad:
            raise ValueError(f"sampling override must be >= 1 for {', '.join(bad)}")
        return v


class FlowListenerConfig(_Strict):
    port: int = Field(2055, ge=0, le=65535)
    bind: str = "127.0.0.1"
    workers: int = Field(1, ge=1, le=64)
    receive_buffer: int = Field(32 * 1024 * 1024, ge=65536)
    batch_datagrams: int = Field(8192, ge=1, le=65536)
    batch_wait_ms: int = Field(50, ge=1, le=10_000)
    # after a batch's first datagram, keep reading this long while the batch is not full: the
    # decoder's cost per batch is mostly fixed, so at high rates fuller batches cost less CPU
    batch_linger_ms: int = Field(50, ge=0, le=1_000)
    filters: list[FilterItem] = []
    columns: ColumnsConfig = ColumnsConfig()
    rollups: list[str | RollupConfig] = []
    rollup_interval: float = Field(60.0, gt=0)
    outputs: list[OutputConfig] = [OutputConfig(type="jsonl")]
    # the rulebook (by id, from the built-in mappings or the service's `rulebooks:` folders) that
    # turns sFlow interface counter samples into unified metrics
    counters_rulebook: str = Field("generic/snmp", min_length=1)
    sampling: SamplingConfig = SamplingConfig()
    template_cache_path: Path | None = None
    template_timeout: float = Field(1800.0, gt=0)
    hold_seconds: float = Field(10.0, ge=0)
    geo: GeoConfig = Field(default_factory=GeoConfig, description="GeoIP/ASN databases and network names")
    # exporters whose templates apply only to data from the same UDP source port (RFC 7011
    # 10.3.1); the others also use a template their address sent from another port for the same
    # observation domain (line cards, a restarted exporter process), as pmacct and goflow2 do
    strict_template_scope: list[str] = []

    @field_validator("strict_template_scope")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        import ipaddress
        try:
            return [str(ipaddress.ip_address(a)) for a in v]
        except ValueError as exc:
            raise ValueError(f"strict_template_scope: {exc}") from None

    @field_validator("filters")
    @classmethod
    def _filters_parse(cls, v: list[FilterItem]) -> list[FilterItem]:
        for item in v:
            try:
                _row_filter(item)
            except NetrosettaError as exc:  # surface as a pydantic validation error with its path
                raise ValueError(str(exc)) from None
        return v

    @field_validator("rollups")
    @classmethod
    def _rollups_parse(cls, v: list[str | RollupConfig]) -> list[str | RollupConfig]:
        for r in v:
            try:
                RollupSpec.parse(r if isinstance(r, str) else r.to_text())
            except NetrosettaError as exc:
                raise ValueError(str(exc)) from None
        return v

    def build_filters(self) -> Filters:
        return Filters([_row_filter(f) for f in self.filters])

    def build_columns(self) -> ColumnFilter:
        return ColumnFilter(self.columns.include, self.columns.exclude)

    def build_rollups(self) -> list[RollupSpec]:
        out = []
        for r in self.rollups:
            if isinstance(r, str):
                out.append(RollupSpec.parse(r))
            else:
                out.append(RollupSpec.parse(r.to_text(), r.top_k))
        return out


def _row_filter(item: FilterItem) -> RowFilter:
    if isinstance(item, str):
        return RowFilter.parse(item)
    if isinstance(item, FilterClause):
        return RowFilter([[Clause.parse(item.to_text())]])
    alts = []
    for a in item.any:
        group = a if isinstance(a, list) else [a]
        alts.append([Clause.parse(c.to_text()) for c in group])
    return RowFilter(alts)
