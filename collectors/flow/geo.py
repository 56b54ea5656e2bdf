"""Flow enrichment from the user's databases: country, city and AS of each address (MaxMind-format
`.mmdb` files: GeoLite2/GeoIP2 City, Country and ASN, or DB-IP's files in the same format) and
network names from CIDR lists (longest prefix wins), as ktranslate and Akvorado do.

Columns added, each only where a database answered (a mask marks the rest, never an empty string
pretending to be data): ``src_country`` / ``dst_country`` (ISO 3166 code), ``src_city`` /
``dst_city`` (English name), ``src_as_name`` / ``dst_as_name``, ``src_net_name`` / ``dst_net_name``.
``src_as`` / ``dst_as`` are filled from the ASN database only where the exporter sent none (0 or
not exported): a router's BGP view wins over a database; so does any of these columns an exporter
sent itself (ntop's AS names, elements 443/444).

Lookups run once per distinct address of a batch, through a bounded cache.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from netrosetta.errors import NetrosettaError

from .record import FlowBatch, addr_to_str

log = logging.getLogger(__name__)
CACHE_MAX = 100_000


class NetworkName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cidr: str
    name: str

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            ipaddress.ip_network(v, strict=False)
        except ValueError as exc:
            raise ValueError(f"not a CIDR network: {exc}") from None
        return v


class GeoConfig(BaseModel):
    """`geo:` in a flow listener's config."""

    model_config = ConfigDict(extra="forbid")
    city: Path | None = Field(None, description="MaxMind-format City database (.mmdb): country and city")
    country: Path | None = Field(None, description="MaxMind-format Country database (.mmdb), if no City one")
    asn: Path | None = Field(None, description="MaxMind-format ASN database (.mmdb): AS number and name")
    networks: list[NetworkName] = Field(default_factory=list, description="CIDR -> name (your own networks)")
    networks_file: Path | None = Field(None, description="CSV lines `cidr,name` (# comments)")

    def enabled(self) -> bool:
        return bool(self.city or self.country or self.asn or self.networks or self.networks_file)


class _Reader:
    """A .mmdb file, opened once; a missing or broken file is a clear error at start, not per flow."""

    def __init__(self, path: Path, what: str) -> None:
        import maxminddb

        try:
            self._db = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise NetrosettaError(f"{path}: cannot open the {what} database: {exc}") from None
        self.path = path

    def get(self, addr: str) -> dict[str, Any] | None:
        try:
            rec = self._db.get(addr)
        except ValueError:            # an IPv6 address in an IPv4-only database
            return None
        return rec if isinstance(rec, dict) else None

    def close(self) -> None:
        self._db.close()


class _Networks:
    """Longest-prefix match over the user's CIDR list."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        by_len: dict[int, dict[tuple[int, int], str]] = {}
        for cidr, name in items:
            net = ipaddress.ip_network(cidr, strict=False)
            by_len.setdefault(net.prefixlen + (0 if net.version == 6 else 96), {})[
                (net.version, int(net.network_address) >> (net.max_prefixlen - net.prefixlen))] = name
        self._by_len = sorted(by_len.items(), reverse=True)

    def get(self, addr: str) -> str | None:
        ip = ipaddress.ip_address(addr)
        bits = ip.max_prefixlen
        for plen, table in self._by_len:
            own = plen - (0 if ip.version == 6 else 96)
            if own < 0 or own > bits:
                continue
            hit = table.get((ip.version, int(ip) >> (bits - own)))
            if hit is not None:
                return hit
        return None


def _networks_file(path: Path) -> list[tuple[str, str]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NetrosettaError(f"{path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        cidr, sep, name = text.partition(",")
        try:
            ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            raise NetrosettaError(f"{path}:{n}: not a CIDR network: {cidr.strip()!r}") from None
        if not sep or not name.strip():
            raise NetrosettaError(f"{path}:{n}: expected `cidr,name`")
        out.append((cidr.strip(), name.strip()))
    return out


FIELDS = ("country", "city", "as", "as_name", "net_name")


class GeoEnricher:
    def __init__(self, cfg: GeoConfig) -> None:
        self.city = _Reader(cfg.city, "City") if cfg.city else None
        self.country = _Reader(cfg.country, "Country") if cfg.country else None
        self.asn = _Reader(cfg.asn, "ASN") if cfg.asn else None
        items = [(n.cidr, n.name) for n in cfg.networks]
        if cfg.networks_file:
            items += _networks_file(cfg.networks_file)
        self.networks = _Networks(items) if items else None
        self._cache: dict[bytes, tuple[Any, ...]] = {}
        self.lookups = 0

    def close(self) -> None:
        for r in (self.city, self.country, self.asn):
            if r is not None:
                r.close()

    def lookup(self, raw: bytes) -> tuple[str | None, str | None, int | None, str | None, str | None]:
        """(country, city, AS number, AS name, network name) of one 16-byte flow address."""
        hit = self._cache.get(raw)
        if hit is not None:
            return hit  # type: ignore[return-value]
        self.lookups += 1
        addr = addr_to_str(raw)
        country = city = as_name = net_name = None
        asn = None
        located = self.city or self.country
        geo = located.get(addr) if located is not None else None
        if geo:
            country = (geo.get("country") or geo.get("registered_country") or {}).get("iso_code")
            city = ((geo.get("city") or {}).get("names") or {}).get("en")
        if self.asn is not None:
            rec = self.asn.get(addr)
            if rec:
                number = rec.get("autonomous_system_number")
                asn = number if isinstance(number, int) else None
                as_name = rec.get("autonomous_system_organization")
        if self.networks is not None:
            net_name = self.networks.get(addr)
        out = (country, city, asn, as_name, net_name)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[raw] = out
        return out

    def enrich(self, batch: FlowBatch) -> FlowBatch:
        n = len(batch)
        if not n:
            return batch
        cols = dict(batch.columns)
        mask = dict(batch.mask)
        for side in ("src", "dst"):
            addrs = batch.columns.get(f"{side}_addr")
            if addrs is None:
                continue
            present = batch.has(f"{side}_addr")
            uniq, inv = np.unique(addrs, return_inverse=True)
            found = [self.lookup(bytes(u)) for u in uniq]
            inv = inv.reshape(-1)
            for k, name in enumerate(("country", "city", None, "as_name", "net_name")):
                if name is None:
                    continue
                col = f"{side}_{name}"
                values = np.array([f[k] for f in found], dtype=object)[inv]
                has = present & np.array([f[k] is not None for f in found], dtype=bool)[inv]
                sent = batch.has(col)          # an exporter's own value (ntop's AS names) wins
                if sent.any():
                    values = np.where(sent, batch.columns[col], values)
                    has = has | sent
                if has.any():
                    cols[col] = values
                    if has.all():
                        mask.pop(col, None)
                    else:
                        mask[col] = has
            numbers = np.array([f[2] or 0 for f in found], dtype=np.uint32)[inv]
            from_db = present & (numbers > 0)
            if from_db.any():
                col = f"{side}_as"
                have = batch.columns.get(col)
                exported = batch.has(col) & (have != 0) if have is not None else np.zeros(n, dtype=bool)
                fill = from_db & ~exported
                if fill.any():
                    merged = np.array(have, dtype=np.uint32) if have is not None else np.zeros(n, dtype=np.uint32)
                    merged[fill] = numbers[fill]
                    cols[col] = merged
                    known = batch.has(col) | fill      # a 0 the exporter sent stays a 0
                    if known.all():
                        mask.pop(col, None)
                    else:
                        mask[col] = known
        return FlowBatch(cols, mask)
