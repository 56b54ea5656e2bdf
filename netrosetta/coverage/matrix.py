"""The coverage matrix of the loaded rulebooks: for each concrete rulebook (a vendor family), which
metric families it provides from which source kind (snmp, gnmi, xpath = NETCONF, json = device
API, cli). Read from the rules after mixins are applied, so inherited rules count."""

from __future__ import annotations

from netrosetta.engine.model import SELECTOR_KINDS
from netrosetta.engine.rulebooks import RulebookSet

from .families import FAMILIES, family

SOURCE_NAMES = {"snmp": "SNMP", "gnmi": "gNMI", "xpath": "NETCONF", "json": "API", "cli": "CLI"}


def matrix(rulebooks: RulebookSet) -> dict[str, dict[str, list[str]]]:
    """rulebook id -> family -> sources (in SELECTOR_KINDS order) that provide it."""
    out: dict[str, dict[str, list[str]]] = {}
    for rb in rulebooks.concrete():
        fams: dict[str, set[str]] = {}
        for r in rb.rules:
            fams.setdefault(family(r.metric), set()).add(r.kind)
        out[rb.id] = {f: [SOURCE_NAMES[k] for k in SELECTOR_KINDS if k in fams[f]] for f in FAMILIES if f in fams}
    return out
