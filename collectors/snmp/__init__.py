"""SNMP collector (v1/v2c/v3): native client, pysnmp and gufo-snmp fallbacks, the service source.

Registered as source kind ``snmp``: targets ``targets: snmp:`` (SnmpTargetSpec), selector ``snmp``.
"""

from __future__ import annotations

from typing import Any

from netrosetta.collectors.registry import SourceKind, register


def _model() -> Any:
    from .target import SnmpTargetSpec
    return SnmpTargetSpec


def _open(key: str, spec: Any) -> Any:
    from .source import SnmpSource
    return SnmpSource(key, spec)


register(SourceKind(name="snmp", selector="snmp", target_model=_model, open=_open, order=10))
