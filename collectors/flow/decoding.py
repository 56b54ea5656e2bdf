"""What decoding produces and works with (results, stats, the per-call batch), and the decoder
state the format modules (netflow, sflow, bulk) use - apart from decoder.py, which dispatches to
those modules, so they need not import it back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.templates import Template, TemplateKey

if TYPE_CHECKING:
    from netrosetta.collectors.flow.sampling import SamplingTable
    from netrosetta.collectors.flow.templates import TemplateCache


class Datagram(NamedTuple):
    payload: bytes
    addr: str
    port: int
    recv_ns: int


@dataclass
class DecodeStats:
    datagrams: int = 0
    flows: int = 0
    malformed: int = 0          # datagrams with an undecodable part (whole flowsets before it are kept)
    length_mismatch: int = 0    # IPFIX header length differing from the datagram (bytes received win)
    unsupported_version: int = 0
    template_missing: int = 0   # data flowsets dropped because no template arrived in time
    template_late: int = 0      # data flowsets held until their template arrived, then decoded
    templates: int = 0
    templates_refused: int = 0  # new template keys beyond max_templates (the cache is full)
    options_records: int = 0
    counter_samples: int = 0
    sflow_skipped_records: int = 0
    emit_errors: int = 0        # decoded batches whose processing (filters, rollups, outputs) raised
    absurd_values: int = 0      # wire values outside any sane range (e.g. a time past 2262), skipped
    template_scope_strict: int = 0  # data sets decoded with the template of their own address+port+domain
    template_scope_domain: int = 0  # ... with one the exporter sent from another port (address+domain)
    template_layout_mismatch: int = 0  # data sets whose length no whole number of records fits: dropped
    unknown_elements: int = 0   # fields of learnt templates no element table names (kept raw)
    packet_sections: int = 0    # records whose packet section (IE 313/314/315) was parsed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class OptionsRecord:
    exporter: str
    version: int
    domain: int
    template_id: int
    values: dict[str, Any]


@dataclass
class CounterSample:
    """One sFlow counter sample: generic interface (and ethernet) counters of one port."""

    agent: str
    sub_agent_id: int
    sequence: int
    source_id: int
    uptime_ms: int
    time_received_ns: int
    counters: dict[str, Any]


@dataclass
class DecodeResult:
    flows: FlowBatch
    options: list[OptionsRecord] = field(default_factory=list)
    counters: list[CounterSample] = field(default_factory=list)


# One row per datagram (or held flowset); data records point at it by index.
HDR_DT = np.dtype([("type", "u1"), ("recv_ns", "u8"), ("exp", "u4"), ("seq", "u4"), ("domain", "u4"),
                   ("secs", "u4"), ("uptime", "u4"), ("rate", "u4"), ("nsecs", "u4")])
Hdr = tuple[int, int, int, int, int, int, int, int, int]


class Batch:
    """Accumulates one decode call's work before the vectorised finish."""

    def __init__(self) -> None:
        self.hdrs: list[Hdr] = []
        self.groups: dict[int, tuple[Template, list[tuple[bytes, int, int, int]]]] = {}
        self.v5: list[tuple[bytes, int, int]] = []
        self.varlen: dict[int, tuple[Template, list[tuple[list[bytes], int]]]] = {}
        self.rows: list[dict[str, Any]] = []
        self.options: list[OptionsRecord] = []
        self.counters: list[CounterSample] = []
        self.parts: list[FlowBatch] = []  # already finished by the bulk path
        self.events: list[tuple[TemplateKey, Template | None]] = []  # (key, template before)

    def segment(self, tpl: Template, payload: bytes, start: int, nbytes: int, hidx: int) -> None:
        g = self.groups.get(id(tpl))
        if g is None:
            self.groups[id(tpl)] = (tpl, [(payload, start, nbytes, hidx)])
        else:
            g[1].append((payload, start, nbytes, hidx))


class DecoderState(Protocol):
    """The decoder as the format modules see it (decoder.FlowDecoder is the one)."""

    stats: DecodeStats
    templates: TemplateCache
    sampling: SamplingTable
    max_templates: int
    exporters: list[str]
    _exporter_addr: list[bytes]
    sys_init_ms: dict[tuple[str, int], int]

    def exporter_id(self, addr: str) -> int: ...

    def hold(self, key: TemplateKey, data: bytes, hdr: Hdr, now: float) -> None: ...

    def scoped_template(self, key: TemplateKey, now: float) -> tuple[Template | None, bool]: ...

    def template_for(self, key: TemplateKey, nbytes: int, now: float) -> tuple[Template | None, bool]: ...

    def fitting(self, tpl: Template, js: list[int], lens: np.ndarray, domain_wide: bool) -> list[int]: ...

    def release(self, batch: Batch, tpl: Template) -> None: ...

    def decode_one_slow(self, batch: Batch, payload: bytes, addr: str, port: int, recv_ns: int,
                        now: float) -> None: ...

    def finish(self, batch: Batch, now: float) -> DecodeResult: ...

    def _templated(self, tpl: Template, cols: dict[str, np.ndarray], h: np.ndarray,
                   exp_addr: np.ndarray) -> FlowBatch: ...
