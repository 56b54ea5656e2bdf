"""The service's side of a source: a configured target becomes a scheduled ``Source``.

What a source is (poll / close, PollError, Polled) is the collectors' contract
(collectors/source.py); which kinds exist and how each opens its source is the registry's
(collectors/registry.py). The scheduler (runtime.py) knows a target only as (kind, key, spec).
"""

from __future__ import annotations

from typing import Any

from netrosetta.collectors import registry
from netrosetta.collectors.source import Polled, PollError, Source

__all__ = ["PollError", "Polled", "Source", "make_source"]


def make_source(kind: str, key: str, spec: Any) -> Source:
    """The registered kind's source for one target; an unknown kind is a NetrosettaError."""
    return registry.open_source(kind, key, spec)
