"""One poll of a recorded walk served by snmpsim, through the service's own SNMP source."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.collectors.snmp.target import SnmpTargetSpec
from netrosetta.collectors.source import Polled
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.service.sources import make_source


async def poll_walk_once(walk: Path, name: str) -> Polled:
    """Serve ``walk`` over snmpsim (community ``name``) and poll it once with the shipped rulebooks."""
    with snmpsim_agent({name: walk}) as agent:
        spec = SnmpTargetSpec.model_validate({"host": agent.host, "port": agent.port, "version": "2c",
                                              "credentials": SnmpV2cCredentials(community=SecretStr(name)),
                                              "timeout": 10, "retries": 1})
        src = make_source("snmp", f"snmp/{name}", spec)
        try:
            polled = await src.poll(RulebookSet.from_paths())
        finally:
            await src.close()
    assert isinstance(polled, Polled), polled
    return polled
