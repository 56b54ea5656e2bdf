"""gNMI / NETCONF / API / CLI targets: wired as their collectors expose an async poll (see their READMEs)."""

from __future__ import annotations

from typing import Any

from netrosetta.errors import NetrosettaError

from .sources import Source


def make_other_source(kind: str, key: str, spec: Any) -> Source:
    raise NetrosettaError(f"{key}: {kind} targets are not wired into the service yet")
