"""gNMI collector: client, subscriptions, reconnect, value normalisation and the simulator (lab/).

The wire types come from pygnmi's shipped generated modules (see proto.py for why); the client is
our own grpc.aio code because pygnmi runs subscriptions in a thread that swallows errors.

Registered as source kind ``gnmi`` (a stream kept open between polls), selector ``gnmi``.
"""

from __future__ import annotations

from typing import Any

from netrosetta.collectors.registry import SourceKind, register


def _model() -> Any:
    from .config import GnmiTarget
    return GnmiTarget


def _open(key: str, spec: Any) -> Any:
    from .source import GnmiSource
    return GnmiSource(key, spec)


register(SourceKind(name="gnmi", selector="gnmi", target_model=_model, open=_open, order=20))
