"""Device identity from SNMPv2-MIB system scalars (sysDescr, sysObjectID, sysUpTime, sysName)."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.transforms import to_text

from .dataset import SnmpDataset
from .varbind import read_snmprec

SYS_DESCR = "1.3.6.1.2.1.1.1"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2"
SYS_UPTIME = "1.3.6.1.2.1.1.3"
SYS_NAME = "1.3.6.1.2.1.1.5"
SYSTEM_OIDS = [f"{o}.0" for o in (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME)]


def snmp_facts(ds: SnmpDataset, *, name: str | None = None, address: str | None = None) -> DeviceFacts:
    descr = ds.scalar(SYS_DESCR)
    oid = ds.scalar(SYS_OBJECT_ID)
    uptime = ds.scalar(SYS_UPTIME)
    sys_name = ds.scalar(SYS_NAME)
    sys_name_text = to_text(sys_name) if sys_name is not None else None
    if sys_name_text == "<private>":      # anonymised corpus walks
        sys_name_text = None
    return DeviceFacts(
        name=name, address=address,
        sys_object_id=str(oid).lstrip(".") if oid is not None else None,
        sys_descr=to_text(descr, "ascii") if descr is not None else None,
        sys_uptime=uptime if isinstance(uptime, int) else None,
        sys_name=sys_name_text,
    )


def load_walk(path: Path) -> tuple[SnmpDataset, DeviceFacts]:
    """A rulebook fixture's ``walk.snmprec`` as (dataset, facts), for `netrosetta rulebook test`."""
    ds = SnmpDataset(read_snmprec(path).varbinds)
    return ds, snmp_facts(ds)
