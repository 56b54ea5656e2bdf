"""Sampling rates: reported by exporters (v5 header, v9/IPFIX options, sFlow samples) or configured.

Precedence: a configured per-exporter override, then the rate the exporter reported (per sampler id
when records name one, else per observation domain), then the configured default, else 1 with
``sampling_rate`` left out of the record so "unknown" is never shown as "unsampled".
"""

from __future__ import annotations

from collections.abc import Mapping

# (exporter address, version, observation domain)
DomainKey = tuple[str, int, int]


def rate_from_options(values: Mapping[str, int]) -> int | None:
    """A 1-in-N rate from one options record's sampling elements, or None."""
    interval = values.get("samplingInterval") or values.get("samplerRandomInterval")
    if interval:
        return int(interval)
    population, size = values.get("samplingPopulation"), values.get("samplingSize")
    if population and size:  # RFC 5477 random n-out-of-N: N / n
        return max(1, round(population / size))
    pkt_interval = values.get("samplingPacketInterval")
    pkt_space = values.get("samplingPacketSpace")
    if pkt_interval:  # RFC 5477: select `interval` packets, then skip `space`
        return max(1, round((pkt_interval + (pkt_space or 0)) / pkt_interval))
    return None


class SamplingTable:
    def __init__(self, default_rate: int | None = None, overrides: Mapping[str, int] | None = None) -> None:
        self.default_rate = default_rate
        self.overrides = dict(overrides or {})
        self._domain: dict[DomainKey, int] = {}
        self._sampler: dict[tuple[str, int, int, int], int] = {}

    def learn(self, key: DomainKey, rate: int, sampler_id: int | None = None) -> None:
        if rate <= 0:
            return
        if sampler_id is None:
            self._domain[key] = rate
        else:
            self._sampler[(*key, sampler_id)] = rate
            self._domain.setdefault(key, rate)

    def override(self, exporter: str) -> int | None:
        return self.overrides.get(exporter)

    def domain_rate(self, key: DomainKey) -> int | None:
        ov = self.overrides.get(key[0])
        if ov is not None:
            return ov
        r = self._domain.get(key)
        return r if r is not None else self.default_rate

    def sampler_rate(self, key: DomainKey, sampler_id: int) -> int | None:
        ov = self.overrides.get(key[0])
        if ov is not None:
            return ov
        r = self._sampler.get((*key, sampler_id))
        return r if r is not None else self.domain_rate(key)

    def reported(self, exporter: str, reported: int | None) -> int | None:
        """For protocols that carry the rate in each datagram/sample (v5, sFlow)."""
        ov = self.overrides.get(exporter)
        if ov is not None:
            return ov
        if reported:
            return reported
        return self.default_rate
