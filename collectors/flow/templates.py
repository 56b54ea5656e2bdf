"""NetFlow v9 / IPFIX templates: compiled to a numpy dtype, cached per exporter, persisted.

A template with only fixed-length fields becomes one big-endian structured dtype, so a data
flowset of N records is a single ``np.frombuffer`` and every column a vectorised conversion.
Templates with variable-length fields (RFC 7011 7) fall back to a per-record walk.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from netrosetta.collectors.flow import fields as F
from netrosetta.collectors.flow.names import NameTables
from netrosetta.collectors.flow.record import ADDR, v4bytes_to_addr
from netrosetta.collectors.flow.values import decode_value

log = logging.getLogger(__name__)

# (exporter address, exporter port, version, observation domain / source id, template id)
TemplateKey = tuple[str, int, int, int, int]
FieldSpec = tuple[int, int, int]  # (element id, length, enterprise number or 0)

Converter = Callable[[np.ndarray], np.ndarray]
_TEXT_KINDS = frozenset({F.STR, F.IP4, F.IP6, F.MAC})


def domain_scope(key: TemplateKey) -> tuple[str, int, int, int]:
    """A key without its exporter port."""
    return (key[0], key[2], key[3], key[4])


def _uint_from_bytes(raw: np.ndarray) -> np.ndarray:
    """(n, k) big-endian bytes -> uint64 (reduced-size encoding; k > 8 keeps the low 8 bytes)."""
    raw = raw[:, -8:]
    out = np.zeros(len(raw), dtype=np.uint64)
    for i in range(raw.shape[1]):
        out = (out << np.uint64(8)) | raw[:, i].astype(np.uint64)
    return out


def _converter(el: F.Element, length: int, name: str) -> tuple[str, Converter] | None:
    """How one template field becomes its normalized column (None: keep as a raw extra)."""
    col = el.column
    if col is None:
        return None
    if el.kind == F.IP4 and length == 4:
        return col, lambda a: v4bytes_to_addr(a[name])
    if el.kind == F.IP6 and length == 16:
        return col, lambda a: np.ascontiguousarray(a[name]).view(ADDR).reshape(-1)
    if el.kind == F.MAC and length == 6:
        return col, lambda a: _uint_from_bytes(a[name])
    if el.kind == F.NTP64 and length == 8:
        return col, lambda a: a[name].astype(np.uint64)
    if el.kind == F.U and 1 <= length <= 8:
        if length in (1, 2, 4, 8):
            return col, lambda a: a[name].astype(np.uint64)
        return col, lambda a: _uint_from_bytes(a[name])
    return None  # wrong length for its type: keep raw rather than guess


@dataclass
class Template:
    key: TemplateKey
    fields: list[FieldSpec]
    scope_count: int = 0           # options templates: number of leading scope fields
    is_options: bool = False
    last_seen: float = field(default_factory=time.time)
    record_len: int | None = None  # None when a field is variable-length
    min_len: int = 0
    dtype: np.dtype | None = None
    converters: list[tuple[str, Converter]] = field(default_factory=list)
    fallbacks: list[tuple[str, Converter]] = field(default_factory=list)
    extras: list[tuple[str, str, int, str]] = field(default_factory=list)  # (column, dtype field, length, kind)
    sections: bool = False         # a packet section field (IE 313/314/315) to parse per record

    def __post_init__(self) -> None:
        self.compile()

    def compile(self) -> None:
        self.min_len = sum(1 if ln == F.VARLEN else ln for _, ln, _ in self.fields)
        self.sections = any(F.element(ie, pen).kind == F.SECTION for ie, _ln, pen in self.fields)
        if any(ln == F.VARLEN for _, ln, _ in self.fields):
            self.record_len = None
            self.dtype = None
            return
        names, formats, offsets = [], [], []
        off = 0
        self.converters, self.extras, self.fallbacks = [], [], []
        seen: set[str] = set()
        for i, (ie, ln, pen) in enumerate(self.fields):
            name = f"f{i}"
            el = F.element(ie, pen)
            if el.kind in (F.U, F.NTP64) and ln in (1, 2, 4, 8):
                fmt: object = f">u{ln}"
            else:
                fmt = ("u1", (ln,))
            names.append(name)
            formats.append(fmt)
            offsets.append(off)
            off += ln
            conv = _converter(el, ln, name)
            if conv is not None and conv[0] not in seen:
                seen.add(conv[0])
                self.converters.append(conv)
            elif conv is not None:
                # the same column twice (IPv4 and IPv6 address, vlanId and dot1qVlanId): the
                # record's value is whichever one is set, first one preferred
                self.fallbacks.append(conv)
            elif conv is None and ln > 0 and el.id != 210:  # paddingOctets carry nothing
                self.extras.append((el.name, name, ln, el.kind))
        self.record_len = off
        self.dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": off})

    @property
    def unknown_elements(self) -> int:
        """Fields no element table names (kept raw as ``type_<id>`` / ``type_<pen>_<id>``)."""
        return sum(1 for ie, _ln, pen in self.fields if not F.is_known(ie, pen))

    def fits(self, nbytes: int, exact: bool = False) -> bool:
        """Can a data set of ``nbytes`` (after its header) be records of this layout? At least
        one record; ``exact`` (a template borrowed from another port): what is left over is no
        more than 4-byte alignment padding (RFC 7011 3.3.1, RFC 3954 5.3). Without it, longer
        leftovers are tolerated as exporters send them (Telegraf issue 14370: 18 bytes after
        one 38-byte record). Variable-length layouts are checked record by record."""
        rl = self.record_len
        if rl is None:
            return nbytes >= self.min_len
        return rl > 0 and nbytes >= rl and (not exact or nbytes % rl < 4)

    def to_json(self) -> dict[str, object]:
        return {"key": list(self.key), "fields": [list(f) for f in self.fields],
                "scope_count": self.scope_count, "is_options": self.is_options, "last_seen": self.last_seen}

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Template:
        key = d["key"]
        flds = d["fields"]
        assert isinstance(key, list) and isinstance(flds, list)
        return cls(key=(str(key[0]), int(key[1]), int(key[2]), int(key[3]), int(key[4])),
                   fields=[(int(a), int(b), int(c)) for a, b, c in flds],
                   scope_count=int(d.get("scope_count", 0)),  # type: ignore[call-overload]
                   is_options=bool(d.get("is_options", False)),
                   last_seen=float(d.get("last_seen", time.time())))  # type: ignore[arg-type]


def extract_columns(tpl: Template, arr: np.ndarray) -> dict[str, np.ndarray]:
    """Vectorised conversion of a structured record array into normalized (and extra) columns."""
    out: dict[str, np.ndarray] = {}
    for col, conv in tpl.converters:
        out[col] = conv(arr)
    for col, conv in tpl.fallbacks:
        first, other = out[col], conv(arr)
        if first.dtype == ADDR:  # two words per address: cheaper than a bytes-wise any()
            w = first.view(np.uint64).reshape(-1, 2)
            unset = (w[:, 0] | w[:, 1]) == 0
        elif first.dtype.kind == "V":
            unset = ~first.view(np.uint8).reshape(len(first), -1).any(axis=1)
        else:
            unset = first == 0
        if unset.any():
            out[col] = np.where(unset, other, first)
    for col, name, ln, kind in tpl.extras:
        a = arr[name]
        if a.dtype.kind == "u" and a.ndim == 1:
            out[col] = a.astype(np.uint64)
        elif kind in _TEXT_KINDS and (kind == F.STR or ln in (4, 6, 16)):
            # named text / address extras (interface and VRF names, vendor strings): as text,
            # decoded once per distinct value
            el = F.Element(0, col, kind, None)
            uniq, inv = _distinct_rows(np.ascontiguousarray(a).reshape(len(a), ln))
            out[col] = np.array([decode_value(el, u) for u in uniq] + [None], dtype=object)[:-1][inv]
        else:
            out[col] = np.ascontiguousarray(a).view(f"V{ln}").reshape(-1)
    return out


def _distinct_rows(raw: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct rows of an (n, k) byte array and each row's index among them. Rows are sorted
    as integers (up to 16 bytes: one or two uint64 per row), far faster than a bytes-wise unique."""
    n, k = raw.shape
    if k > 16:
        uniq, inv = np.unique(raw.view(f"V{k}").reshape(-1), return_inverse=True)
        return [bytes(u) for u in uniq], inv.reshape(-1)
    wide = np.zeros((n, 16), dtype=np.uint8)
    wide[:, 16 - k:] = raw
    words = wide.view(np.uint64)
    if k <= 8:
        ids, inv = np.unique(words[:, 1], return_inverse=True)
    else:  # factorise the high word, then combine with the low one's rank
        _, hi = np.unique(words[:, 0], return_inverse=True)
        lo_u, lo = np.unique(words[:, 1], return_inverse=True)
        ids, inv = np.unique(hi.reshape(-1).astype(np.int64) * len(lo_u) + lo.reshape(-1), return_inverse=True)
    inv = inv.reshape(-1)
    first = np.zeros(len(ids), dtype=np.intp)
    first[inv[::-1]] = np.arange(n - 1, -1, -1)  # one row of each distinct value
    return [bytes(r) for r in raw[first]], inv


class TemplateCache:
    """Templates by key, expiring after ``timeout`` seconds unseen, optionally saved to a file.

    Exporters resend templates periodically; an expired template means data is held or counted
    as "template missing" rather than decoded with a stale layout.
    """

    def __init__(self, timeout: float = 1800.0, path: str | Path | None = None) -> None:
        self.timeout = timeout
        self.path = Path(path) if path else None
        self._t: dict[TemplateKey, Template] = {}
        # (address, version, domain, template id) -> the key last defined there, from any port:
        # the address + domain scope pmacct and goflow2 use, for exporters sending from several ports
        self._by_domain: dict[tuple[str, int, int, int], TemplateKey] = {}
        self.names = NameTables()  # options-data names (VRFs, interfaces), saved with the templates
        self.dirty = False
        if self.path and self.path.exists():
            self.load()

    def __len__(self) -> int:
        return len(self._t)

    def get(self, key: TemplateKey, now: float | None = None) -> Template | None:
        tpl = self._t.get(key)
        if tpl is not None and now is not None and now - tpl.last_seen > self.timeout:
            del self._t[key]
            self.dirty = True
            return None
        return tpl

    def templates(self) -> list[Template]:
        return list(self._t.values())

    def adopt(self, other: TemplateCache) -> None:
        """Another worker's saved cache: its templates for keys unknown here, and its names."""
        for t in other.templates():
            if t.key not in self._t:
                self._t[t.key] = t
                self._by_domain.setdefault(domain_scope(t.key), t.key)
        self.names.merge(other.names)

    def in_domain(self, key: TemplateKey, now: float | None = None) -> Template | None:
        """The template of ``key``'s address, version, domain and id learnt from another port."""
        other = self._by_domain.get(domain_scope(key))
        if other is None or other == key:
            return None
        return self.get(other, now)

    def put(self, tpl: Template) -> bool:
        """Store; returns True when the layout is new or changed (a save is then worthwhile)."""
        old = self._t.get(tpl.key)
        self._t[tpl.key] = tpl
        self._by_domain[domain_scope(tpl.key)] = tpl.key
        changed = old is None or old.fields != tpl.fields or old.scope_count != tpl.scope_count
        self.dirty = self.dirty or changed
        return changed

    def drop(self, key: TemplateKey) -> None:
        if self._t.pop(key, None) is not None:
            self.dirty = True

    def expire(self, now: float) -> int:
        stale = [k for k, t in self._t.items() if now - t.last_seen > self.timeout]
        for k in stale:
            del self._t[k]
        self.dirty = self.dirty or bool(stale)
        return len(stale)

    def save(self) -> None:
        if not self.path:
            return
        data = [t.to_json() for t in self._t.values()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".templates.")
        with os.fdopen(fd, "w") as fh:
            json.dump({"version": 1, "templates": data, "names": self.names.to_json()}, fh)
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a file
        self.dirty = False

    def load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text())
            items = data["templates"]
            loaded = [Template.from_json(d) for d in items]
            names = NameTables.from_json(data.get("names", {}))
        except (OSError, ValueError, KeyError, TypeError, AssertionError, AttributeError) as exc:
            log.warning("%s: template cache not loaded (%s); starting empty", self.path, exc)
            return
        for t in loaded:
            self._t[t.key] = t
            self._by_domain[domain_scope(t.key)] = t.key
        self.names.merge(names)
        log.info("%s: loaded %d templates", self.path, len(loaded))
