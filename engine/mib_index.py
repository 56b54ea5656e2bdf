"""The compiled MIB index: resolve MIB symbols and OIDs to facts (no MIB parsing at run time).

The index is the folder of ``<MODULE>.json`` files written by ``netrosetta mibs compile``
(netrosetta.mibs_compile). Loading reads the JSON and builds name/OID maps only; MibSymbol
objects are built on first use, so loading the full index stays well under 0.5 s.

    idx = MibIndex.default()                     # the repo's mibs/ folder, loaded once
    sym = idx.resolve("IF-MIB::ifHCInOctets")    # or "ifHCInOctets", or "1.3.6.1.2.1.31.1.1.1.6"
    sym, suffix = idx.lookup_oid("1.3.6.1.2.1.31.1.1.1.6.5")   # -> (ifHCInOctets, (5,))
    idx.index_components(sym, suffix)            # -> [5]
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from netrosetta import paths
from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

#: Version of the on-disk JSON layout (netrosetta.mibs_compile writes it); other versions are refused.
FORMAT = 1

# SMI application/base types: resolution of a syntax stops at these names whatever module
# defines them (SNMPv2-SMI spells them as refinements of INTEGER/OCTET STRING, which would lose
# the counter/gauge distinction we need).
BASE_TYPES: dict[str, str] = {
    "INTEGER": "Integer32",
    "Integer32": "Integer32",
    "Unsigned32": "Unsigned32",
    "Gauge32": "Gauge32",
    "Gauge": "Gauge32",
    "Counter32": "Counter32",
    "Counter": "Counter32",
    "Counter64": "Counter64",
    "TimeTicks": "TimeTicks",
    "IpAddress": "IpAddress",
    "NetworkAddress": "IpAddress",
    "Opaque": "Opaque",
    "OCTET STRING": "OctetString",
    "OBJECT IDENTIFIER": "ObjectIdentifier",
    "Bits": "Bits",
    "BITS": "Bits",
}

Kind = Literal["scalar", "table", "row", "column", "notification", "node"]
IndexValue = int | str

_NUMERIC_OID = re.compile(r"^\.?\d+(\.\d+)*$")
_INTEGER_BASES = frozenset({"Integer32", "Unsigned32", "Gauge32", "Counter32", "Counter64", "TimeTicks"})
_STRING_BASES = frozenset({"OctetString", "Opaque", "Bits"})
_GAUGE_TCS = frozenset({"CounterBasedGauge64"})


class MibResolveError(NetrosettaError):
    """A MIB symbol that the index does not know (or cannot pick unambiguously)."""


class MibIndexDecodeError(NetrosettaError):
    """An instance OID suffix that does not fit the row's INDEX clause."""


class IndexPart(BaseModel):
    """One INDEX component of a row: the object and whether it is IMPLIED."""

    model_config = ConfigDict(frozen=True)

    module: str
    name: str
    implied: bool = False


class MibSymbol(BaseModel):
    """Facts about one MIB symbol (no description text)."""

    model_config = ConfigDict(frozen=True)

    name: str
    module: str
    oid: str
    kind: Kind
    syntax: str | None = None          # SMI base type: Integer32, Counter64, OctetString, ...
    tc: str | None = None              # textual convention name (e.g. DisplayString), if any
    tc_module: str | None = None
    enums: dict[int, str] = {}         # INTEGER enumerations, or BITS positions
    display_hint: str | None = None
    units: str | None = None
    max_access: str | None = None
    status: str = "current"
    fixed_size: int | None = None      # fixed OCTET STRING length (matters for index decoding)
    table: str | None = None           # for rows and columns
    row: str | None = None             # for columns
    indexes: list[str] = []            # rows, columns (and tables); AUGMENTS resolved to the base row's
    index_parts: list[IndexPart] = []
    augments: str | None = None        # row name this row AUGMENTS
    objects: list[str] = []            # notification varbinds, "MODULE::name"

    @property
    def qualname(self) -> str:
        return f"{self.module}::{self.name}"

    @property
    def oid_tuple(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.oid.split("."))

    @property
    def type_name(self) -> str | None:
        """The most specific type name: the TC when there is one, else the base syntax."""
        return self.tc or self.syntax

    @property
    def is_counter(self) -> bool:
        """Monotonic counter? CounterBasedGauge64 (HCNUM-TC) is carried as Counter64 but is a gauge."""
        return self.syntax in ("Counter32", "Counter64") and self.tc not in _GAUGE_TCS

    def render(self, value: Any) -> str:
        """A value as text the way the MIB says to show it: enum name, DISPLAY-HINT, else plain.

        Bytes without a hint become text when printable, else colon-separated hex.
        """
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            if value in self.enums:
                return self.enums[value]
            if self.display_hint and self.syntax in _INTEGER_BASES:
                try:
                    return format_integer_hint(self.display_hint, value)
                except ValueError:
                    pass
            return str(value)
        if isinstance(value, str):
            return value
        if isinstance(value, (bytes, bytearray)):
            raw = bytes(value)
            if self.display_hint:
                try:
                    return format_octet_hint(self.display_hint, raw)
                except ValueError:
                    pass
            return bytes_text(raw, self.tc, None)
        return str(value)

    def __str__(self) -> str:
        return f"{self.qualname} ({self.oid})"

    def __hash__(self) -> int:  # usable as a dict key/set member despite the enum dict
        return hash((self.module, self.name, self.oid))


def _split_ref(ref: str) -> tuple[str, str]:
    mod, _, name = ref.partition("::")
    return mod, name


class MibIndex:
    """Name and OID lookups over a folder of compiled MIB modules."""

    _default: MibIndex | None = None
    _default_lock = threading.Lock()

    def __init__(self, modules: dict[str, dict[str, Any]], path: Path | None = None) -> None:
        self.path = path
        self._modules = modules
        self._by_name: dict[str, list[str]] = {}
        self._by_oid: dict[str, tuple[str, str]] = {}
        self._cache: dict[tuple[str, str], MibSymbol] = {}
        self._children: dict[str, list[tuple[str, str]]] | None = None
        # SMIv2 definitions win over SMIv1 re-definitions of the same OID (IF-MIB over RFC1213-MIB).
        ordered = sorted(modules, key=lambda m: (bool(modules[m].get("smiv1")), m))
        for mod in ordered:
            for name, rec in modules[mod]["symbols"].items():
                self._by_name.setdefault(name, []).append(mod)
                self._by_oid.setdefault(rec["oid"], (mod, name))

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> MibIndex:
        """Load every ``*.json`` module in ``path`` (default: netrosetta.paths.MIBS)."""
        folder = Path(path) if path is not None else paths.MIBS
        if not folder.is_dir():
            raise NetrosettaError(
                "compiled MIB folder not found (run `netrosetta mibs compile DIR...`)", file=str(folder))
        modules: dict[str, dict[str, Any]] = {}
        for file in sorted(folder.glob("*.json")):
            try:
                data = json.loads(file.read_bytes())
            except (OSError, ValueError) as exc:
                raise NetrosettaError(f"unreadable compiled MIB module: {exc}", file=str(file)) from None
            if not isinstance(data, dict) or data.get("netrosetta_mib") != FORMAT:
                log.warning("%s: not a compiled MIB module of format %s; skipped", file, FORMAT)
                continue
            modules[data["module"]] = data
        return cls(modules, folder)

    @classmethod
    def default(cls) -> MibIndex:
        """The index in netrosetta.paths.MIBS, loaded once per process."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls.load()
        return cls._default

    # -- basic access --------------------------------------------------------------------------
    @property
    def modules(self) -> list[str]:
        return sorted(self._modules)

    def __len__(self) -> int:
        return sum(len(m["symbols"]) for m in self._modules.values())

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        try:
            return self.resolve(text) is not None
        except MibResolveError:
            return False

    def symbols(self, module: str | None = None) -> Iterator[MibSymbol]:
        for mod in [module] if module else self.modules:
            for name in self._modules.get(mod, {}).get("symbols", {}):
                yield self._symbol(mod, name)

    def get(self, module: str, name: str) -> MibSymbol | None:
        if name not in self._modules.get(module, {}).get("symbols", {}):
            return None
        return self._symbol(module, name)

    def _symbol(self, module: str, name: str) -> MibSymbol:
        key = (module, name)
        sym = self._cache.get(key)
        if sym is not None:
            return sym
        mdata = self._modules[module]
        rec = mdata["symbols"][name]
        tc_mod = tc_name = None
        tc_rec: dict[str, Any] = {}
        if rec.get("tc"):
            tc_mod, tc_name = _split_ref(rec["tc"])
            tc_rec = self._modules.get(tc_mod, {}).get("types", {}).get(tc_name, {})
        enums = rec.get("enums") or tc_rec.get("enums") or {}
        parts = [IndexPart(module=m, name=n, implied=bool(imp)) for m, n, imp in rec.get("index", [])]
        sym = MibSymbol(
            name=name,
            module=module,
            oid=rec["oid"],
            kind=rec["kind"],
            syntax=rec.get("syntax"),
            tc=tc_name,
            tc_module=tc_mod,
            enums={int(k): v for k, v in enums.items()},
            display_hint=rec.get("hint"),
            units=rec.get("units"),
            max_access=rec.get("access"),
            status=rec.get("status", "current"),
            fixed_size=rec.get("fixed"),
            table=rec.get("table"),
            row=rec.get("row"),
            augments=_split_ref(rec["augments"])[1] if rec.get("augments") else None,
            objects=rec.get("objects", []),
            index_parts=parts,
            indexes=[p.name for p in parts],
        )
        if sym.kind == "column" and not parts and sym.row:
            row = self._row_of(sym)
            if row is not None:
                sym = sym.model_copy(update={"index_parts": row.index_parts, "indexes": row.indexes})
        elif sym.kind == "table":  # convenience: a table reports its row's INDEX too
            rows = [self._symbol(*k) for k in self._child_map().get(sym.oid, [])]
            row = next((r for r in rows if r.kind == "row"), None)
            if row is not None:
                sym = sym.model_copy(update={"index_parts": row.index_parts, "indexes": row.indexes})
        self._cache[key] = sym
        return sym

    def _row_of(self, sym: MibSymbol) -> MibSymbol | None:
        parent = self._by_oid.get(sym.oid.rsplit(".", 1)[0])
        if parent is None:
            return None
        row = self._symbol(*parent)
        return row if row.kind == "row" else None

    # -- resolution ----------------------------------------------------------------------------
    def resolve(self, text: str) -> MibSymbol | None:
        """Resolve ``MODULE::name``, a bare ``name`` or a numeric OID.

        Unknown names raise MibResolveError with close-match suggestions; a bare name defined by
        several modules at different OIDs raises listing the candidates; a numeric OID that is no
        symbol's OID returns None.
        """
        text = text.strip()
        if _NUMERIC_OID.match(text):
            hit = self._by_oid.get(text.lstrip("."))
            return self._symbol(*hit) if hit else None
        if "::" in text:
            module, name = _split_ref(text)
            if module not in self._modules:
                close = difflib.get_close_matches(module, list(self._modules), n=3, cutoff=0.6)
                raise MibResolveError(f"unknown MIB module {module!r} in {text!r}" + _did_you_mean(close))
            if name not in self._modules[module]["symbols"]:
                close = difflib.get_close_matches(name, list(self._modules[module]["symbols"]), n=3)
                others = [f"{m}::{name}" for m in self._by_name.get(name, [])]
                hint = _did_you_mean([f"{module}::{c}" for c in close] + others)
                raise MibResolveError(f"unknown MIB symbol {text!r}: {module} has no {name!r}" + hint)
            return self._symbol(module, name)
        mods = self._by_name.get(text)
        if not mods:
            close = difflib.get_close_matches(text, list(self._by_name), n=3, cutoff=0.7)
            raise MibResolveError(f"unknown MIB symbol {text!r}" + _did_you_mean(close))
        if len(mods) == 1:
            return self._symbol(mods[0], text)
        oids = {self._modules[m]["symbols"][text]["oid"] for m in mods}
        if len(oids) == 1:  # same object re-defined (RFC1213-MIB vs IF-MIB): the OID's owner wins
            return self._symbol(*self._by_oid[oids.pop()])
        raise MibResolveError(
            f"MIB symbol {text!r} is ambiguous; qualify it as one of: "
            + ", ".join(f"{m}::{text}" for m in sorted(mods)))

    def lookup_oid(self, oid: str | tuple[int, ...]) -> tuple[MibSymbol, tuple[int, ...]] | None:
        """Longest known OID prefix of ``oid``: (symbol, remaining arcs), or None."""
        arcs = [str(a) for a in oid] if isinstance(oid, tuple) else oid.strip().lstrip(".").split(".")
        for cut in range(len(arcs), 0, -1):
            hit = self._by_oid.get(".".join(arcs[:cut]))
            if hit is not None:
                try:
                    suffix = tuple(int(a) for a in arcs[cut:])
                except ValueError:
                    return None
                return self._symbol(*hit), suffix
        return None

    def name_oid(self, oid: str) -> str:
        """Best readable form of an OID: ``MODULE::name.suffix`` or the OID itself."""
        hit = self.lookup_oid(oid)
        if hit is None:
            return oid.lstrip(".")
        sym, suffix = hit
        return sym.qualname + "".join(f".{a}" for a in suffix)

    def _child_map(self) -> dict[str, list[tuple[str, str]]]:
        if self._children is None:
            children: dict[str, list[tuple[str, str]]] = {}
            for oid, key in self._by_oid.items():
                parent = oid.rpartition(".")[0]
                children.setdefault(parent, []).append(key)
            self._children = children
        return self._children

    def columns(self, table: str | MibSymbol) -> list[MibSymbol]:
        """Columns of a table (a table or row symbol, or its name), in sub-identifier order."""
        sym = table if isinstance(table, MibSymbol) else self.resolve(table)
        if sym is None or sym.kind not in ("table", "row"):
            raise MibResolveError(f"{table if isinstance(table, str) else sym} is not a MIB table or row")
        row_oid = sym.oid
        if sym.kind == "table":
            rows = [self._symbol(*k) for k in self._child_map().get(sym.oid, [])]
            rows = [r for r in rows if r.kind == "row"]
            if not rows:
                return []
            row_oid = rows[0].oid
        cols = [self._symbol(*k) for k in self._child_map().get(row_oid, [])]
        cols = [c for c in cols if c.kind == "column"]
        return sorted(cols, key=lambda c: c.oid_tuple[-1])

    # -- instance index decoding ---------------------------------------------------------------
    def index_components(self, sym: MibSymbol, suffix: tuple[int, ...]) -> list[IndexValue]:
        """Decode a row instance suffix into the row's INDEX values (RFC 2578 section 7.7).

        Integers give ints; IpAddress a dotted quad; OBJECT IDENTIFIER a dotted string; OCTET
        STRING (length-prefixed, fixed-size or IMPLIED) a string: text when printable, IPv4/IPv6
        text for InetAddress-like TCs of 4/16 bytes, else colon-separated hex.
        """
        parts = sym.index_parts
        if not parts:
            if sym.kind == "scalar":
                return list(suffix)
            raise MibIndexDecodeError(f"{sym.qualname} has no INDEX clause to decode {_dotted(suffix)}")
        values: list[IndexValue] = []
        pos = 0
        for n, part in enumerate(parts):
            last = n == len(parts) - 1
            base, tc, fixed, hint = self._index_type(part)
            rest = suffix[pos:]
            if base in _INTEGER_BASES:
                if not rest:
                    raise self._short(sym, suffix, part)
                values.append(rest[0])
                pos += 1
            elif base == "IpAddress":
                if len(rest) < 4:
                    raise self._short(sym, suffix, part)
                values.append(".".join(str(a) for a in rest[:4]))
                pos += 4
            elif base == "ObjectIdentifier":
                arcs, used = self._take_var(sym, suffix, part, rest, part.implied and last, None)
                values.append(_dotted(arcs))
                pos += used
            elif base in _STRING_BASES:
                arcs, used = self._take_var(sym, suffix, part, rest, part.implied and last, fixed)
                if any(a > 255 for a in arcs):
                    raise MibIndexDecodeError(
                        f"{sym.qualname}: index {part.name} has a byte above 255 in {_dotted(suffix)}")
                values.append(bytes_text(bytes(arcs), tc, hint))
                pos += used
            else:
                raise MibIndexDecodeError(
                    f"{sym.qualname}: cannot decode index {part.name} of type {base or 'unknown'}")
        if pos != len(suffix):
            raise MibIndexDecodeError(
                f"{sym.qualname}: {len(suffix) - pos} arc(s) left over after the INDEX in {_dotted(suffix)}")
        return values

    def _index_type(self, part: IndexPart) -> tuple[str | None, str | None, int | None, str | None]:
        obj = self.get(part.module, part.name)
        if obj is None and part.name in self._by_name:
            try:
                obj = self.resolve(part.name)
            except MibResolveError:
                obj = None
        if obj is None:
            # SMIv1 INDEX clauses may name a type instead of an object.
            return BASE_TYPES.get(part.name), None, None, None
        return obj.syntax, obj.tc, obj.fixed_size, obj.display_hint

    @staticmethod
    def _short(sym: MibSymbol, suffix: tuple[int, ...], part: IndexPart) -> MibIndexDecodeError:
        return MibIndexDecodeError(
            f"{sym.qualname}: instance suffix {_dotted(suffix) or '(empty)'} too short for index {part.name}")

    def _take_var(self, sym: MibSymbol, suffix: tuple[int, ...], part: IndexPart, rest: tuple[int, ...],
                  implied: bool, fixed: int | None) -> tuple[tuple[int, ...], int]:
        if implied:
            return rest, len(rest)
        if fixed is not None:
            if len(rest) < fixed:
                raise self._short(sym, suffix, part)
            return rest[:fixed], fixed
        if not rest or len(rest) < 1 + rest[0]:
            raise self._short(sym, suffix, part)
        return rest[1:1 + rest[0]], 1 + rest[0]


def _dotted(arcs: tuple[int, ...]) -> str:
    return ".".join(str(a) for a in arcs)


_ADDRESS_TCS = frozenset({"InetAddress", "InetAddressIPv4", "InetAddressIPv6", "IpV4orV6Addr",
                          "Ipv6Address", "TmnxAddressAndPrefixAddress"})


def bytes_text(raw: bytes, tc: str | None = None, hint: str | None = None) -> str:
    """Octets as text the way a MIB without a hint shows them: an address for an address
    convention, ASCII when printable, else colon-separated hex."""
    if tc in _ADDRESS_TCS and len(raw) in (4, 16):
        return str(ipaddress.ip_address(raw))
    if raw and all(0x20 <= b < 0x7F for b in raw) and not (hint and "x" in hint):
        return raw.decode("ascii")
    if not raw:
        return ""
    return ":".join(f"{b:02x}" for b in raw)


def _did_you_mean(options: list[str]) -> str:
    options = list(dict.fromkeys(options))
    return f" (did you mean {', '.join(options)}?)" if options else ""


# -- DISPLAY-HINT rendering (RFC 2579 section 3.1) -------------------------------------------------

_OctetSpec = tuple[bool, int, str, str | None, str | None]  # repeat, length, format, separator, terminator


def _parse_octet_hint(hint: str) -> list[_OctetSpec]:
    specs: list[_OctetSpec] = []
    i, n = 0, len(hint)
    while i < n:
        star = hint[i] == "*"
        if star:
            i += 1
        j = i
        while j < n and hint[j].isdigit():
            j += 1
        if j == i or j >= n or hint[j] not in "dxoat":
            raise ValueError(f"bad DISPLAY-HINT {hint!r}")
        length, fmt = int(hint[i:j]), hint[j]
        i = j + 1
        sep = term = None
        if i < n and not hint[i].isdigit() and hint[i] != "*":
            sep = hint[i]
            i += 1
            if star and i < n and not hint[i].isdigit() and hint[i] != "*":
                term = hint[i]
                i += 1
        specs.append((star, length, fmt, sep, term))
    if not specs:
        raise ValueError("empty DISPLAY-HINT")
    return specs


def _octet_chunk(chunk: bytes, fmt: str) -> str:
    if fmt == "a":
        return chunk.decode("ascii", errors="replace")
    if fmt == "t":
        return chunk.decode("utf-8", errors="replace")
    number = int.from_bytes(chunk, "big")
    if fmt == "d":
        return str(number)
    if fmt == "o":
        return format(number, "o")
    return format(number, f"0{2 * len(chunk)}x")  # two hex digits per octet (00:1a:..)


def format_octet_hint(hint: str, data: bytes) -> str:
    """Render an OCTET STRING with a DISPLAY-HINT such as ``1x:``, ``255a`` or DateAndTime's.

    The last specification repeats until the data ends; a separator is never written after
    the final octet.
    """
    specs = _parse_octet_hint(hint)
    out: list[str] = []
    pos, k = 0, 0
    while pos < len(data):
        star, length, fmt, sep, term = specs[min(k, len(specs) - 1)]
        k += 1
        repeat = 1
        if star:
            repeat = data[pos]
            pos += 1
        for r in range(repeat):
            if pos >= len(data):
                break
            chunk = data[pos:pos + max(length, 1)]
            pos += len(chunk)
            out.append(_octet_chunk(chunk, fmt))
            if pos < len(data):
                if r == repeat - 1 and term:
                    out.append(term)
                elif sep:
                    out.append(sep)
    return "".join(out)


def format_integer_hint(hint: str, value: int) -> str:
    """Render an INTEGER with a DISPLAY-HINT: ``d``, ``d-2`` (implied decimal point), ``x``, ``o``, ``b``."""
    if hint == "x":
        return format(value, "x")
    if hint == "o":
        return format(value, "o")
    if hint == "b":
        return format(value, "b")
    if hint == "d":
        return str(value)
    m = re.fullmatch(r"d-(\d+)", hint)
    if not m:
        raise ValueError(f"bad integer DISPLAY-HINT {hint!r}")
    places = int(m.group(1))
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else sign + digits
