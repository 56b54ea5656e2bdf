"""openconfig interfaces over gNMI: `state/description` and `state/type` become the same interface
attributes SNMP's ifAlias and ifType give. The input is the simulator fixture's recording with
the two interfaces' state containers given a description and a type here (the expected values
are the ones written into the input)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from netrosetta.cli.gnmi import load_gnmi
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate

CASE = Path(__file__).resolve().parents[2] / "mappings" / "openconfig" / "testcases" / "oc-gnmi-json-ietf"
STATE = {"Ethernet1": {"description": "uplink to core-1", "type": "iana-if-type:ethernetCsmacd"},
         "Ethernet2": {"description": "   ", "type": "iana-if-type:ieee8023adLag"}}


def _with_state(responses: list[Any]) -> list[Any]:
    for r in responses:
        for u in r.get("update", {}).get("update", []):
            elems = u["path"]["elem"]
            if [e["name"] for e in elems] == ["interfaces", "interface", "state"]:
                name = elems[1]["key"]["name"]
                state = json.loads(base64.b64decode(u["val"]["jsonIetfVal"]))
                state.update(STATE[name])
                u["val"]["jsonIetfVal"] = base64.b64encode(json.dumps(state).encode()).decode()
    return responses


def test_description_and_type_from_openconfig_state(tmp_path: Path) -> None:
    src = tmp_path / "responses.json"
    src.write_text(json.dumps(_with_state(json.loads((CASE / "responses.json").read_text()))))
    ((ds, facts),) = load_gnmi(SimpleNamespace(gnmi=str(src), name=None, platform=None, gnmi_models=None))  # type: ignore[arg-type]
    t = translate(ds, facts, RulebookSet.from_paths())
    seen: dict[str, set[tuple[str | None, str | None]]] = {}
    for _s, _m, a, _v in t.iter_points():
        if "network.interface.name" in a:
            seen.setdefault(a["network.interface.name"], set()).add(
                (a.get("netrosetta.interface.description"), a.get("netrosetta.interface.type")))
    assert seen["Ethernet1"] == {("uplink to core-1", "ethernetCsmacd")}
    assert seen["Ethernet2"] == {(None, "ieee8023adLag")}      # a blank description: no attribute
