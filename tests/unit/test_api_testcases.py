"""Fault recordings (collectors/api/testcases): an HTML page or cut-off JSON is a counted error on
that command, other commands of the recording still decode."""

from __future__ import annotations

from pathlib import Path

from netrosetta.collectors.api import dataset as apd
from netrosetta.collectors.recording import Recording
from netrosetta.engine.selectors.json import JsonDataset

CASES = Path(__file__).resolve().parents[2] / "collectors" / "api" / "testcases"


def test_html_page_is_an_error() -> None:
    src = apd.from_recording(Recording.open(CASES / "html-error"), "arista_eos")
    assert "not JSON" in src.errors["show interfaces"]
    assert "show interfaces" not in src.documents


def test_cut_off_json_is_an_error_and_the_rest_decodes() -> None:
    src = apd.from_recording(Recording.open(CASES / "not-json"), "arista_eos")
    assert "not JSON" in src.errors["show interfaces"]
    assert src.facts.model == "vEOS"


def test_json_paths() -> None:
    doc = {"TABLE_interface": {"ROW_interface": {"interface": "Ethernet1/1", "eth_inbytes": "42"}},
           "a.b": {"c": 1}}
    ds = JsonDataset({"show interface": doc, "other": doc})
    col = ds.column(("show interface", "TABLE_interface.ROW_interface[]", "interface", "eth_inbytes", None))
    assert col == {"Ethernet1/1": 42}           # a single row collapsed to an object, string -> number
    assert ds.column(("other", '"a.b"', None, "c", None)) == {(): 1}   # quoted key with a dot
