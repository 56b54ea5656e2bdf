"""The JSON Schemas `rulebook schema` and `config schema` print accept exactly what the loaders
accept: every shipped rulebook, example config and sample target validates, and files the loader
rejects are rejected by the schema too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from netrosetta.collectors.api.config import ApiTarget
from netrosetta.collectors.cli.config import CliTarget
from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.netconf.config import NetconfTarget
from netrosetta.service.config import json_schema as config_schema

ROOT = Path(__file__).resolve().parents[2]
NOT_RULEBOOKS = ("schema", "testcases", "templates", "platforms")


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _rulebook_schema() -> dict[str, Any]:
    from netrosetta.cli.rulebook import rulebook_json_schema
    return rulebook_json_schema()


def _errors(v: jsonschema.Draft202012Validator, path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    return [f"{path.name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
            for e in v.iter_errors(doc)]


def shipped_rulebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "mappings").rglob("*.yaml")
                  if not set(p.relative_to(ROOT / "mappings").parts) & set(NOT_RULEBOOKS))


def test_every_shipped_rulebook_validates() -> None:
    v = _validator(_rulebook_schema())
    books = shipped_rulebooks()
    assert len(books) > 40
    problems = [e for p in books for e in _errors(v, p)]
    assert not problems, "\n".join(problems)


def test_example_and_sample_configs_validate() -> None:
    v = _validator(config_schema())
    files = [ROOT / "examples" / "config.yaml", *sorted((ROOT / "examples" / "targets.d").glob("*.yaml")),
             ROOT / "collectors" / "gnmi" / "sample-config.yaml"]
    problems = [e for p in files for e in _errors(v, p)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("model", "path"), [
    (ApiTarget, "collectors/api/sample-target.yaml"),
    (CliTarget, "collectors/cli/sample-target.yaml"),
    (NetconfTarget, "collectors/netconf/sample-target.yaml"),
    (FlowListenerConfig, "collectors/flow/sample.yaml"),
])
def test_sample_targets_validate(model: Any, path: str) -> None:
    v = _validator(model.model_json_schema(by_alias=True))
    problems = _errors(v, ROOT / path)
    assert not problems, "\n".join(problems)


BAD_RULEBOOKS = {
    "unknown key": "id: x/y\nversion: 1.0.0\nschema: unified/v1\nmatch: {generic: true}\nrules: []\nbogus: 1\n",
    "rule without selector": ("id: x/y\nversion: 1.0.0\nschema: unified/v1\nmatch: {generic: true}\n"
                              "rules:\n  - {name: a, metric: hw.temperature}\n"),
    "attribute that is a list": ("id: x/y\nversion: 1.0.0\nschema: unified/v1\nmatch: {generic: true}\n"
                                 "rules:\n  - name: a\n    metric: hw.temperature\n    snmp: {value: 1.3.6.1.2.1.1.3}\n"
                                 "    attributes: {hw.id: [1, 2]}\n"),
    "transform with two steps": ("id: x/y\nversion: 1.0.0\nschema: unified/v1\nmatch: {generic: true}\n"
                                 "rules:\n  - name: a\n    metric: hw.temperature\n    snmp: {value: 1.3.6.1.2.1.1.3}\n"
                                 "    transforms: [{scale: 2, offset: 1}]\n"),
    "default without map": ("id: x/y\nversion: 1.0.0\nschema: unified/v1\nmatch: {generic: true}\n"
                            "rules:\n  - name: a\n    metric: hw.temperature\n    snmp: {value: 1.3.6.1.2.1.1.3}\n"
                            "    transforms: [{scale: 2}, {default: 3}]\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_RULEBOOKS))
def test_what_the_loader_rejects_the_schema_rejects(case: str, tmp_path: Path) -> None:
    from netrosetta.engine.rulebooks import load_rulebook
    from netrosetta.errors import NetrosettaError
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_RULEBOOKS[case])
    with pytest.raises(NetrosettaError):
        load_rulebook(path)
    v = _validator(_rulebook_schema())
    structural = _errors(v, path)
    assert structural, f"the schema accepts a rulebook the loader rejects ({case})"


def test_config_with_int_version_loads_and_validates(tmp_path: Path) -> None:
    from netrosetta.service.config import load_config
    cfg = tmp_path / "c.yaml"
    cfg.write_text("targets:\n  snmp:\n    - {name: a, host: 127.0.0.1, version: 3, credentials: "
                   "{user: u, auth_protocol: SHA, auth_key: 'literal:abcdefgh', priv_protocol: AES, "
                   "priv_key: 'literal:abcdefgh'}}\n")
    load_config(cfg)
    assert not _errors(_validator(config_schema()), cfg)
    bad = tmp_path / "bad.yaml"
    bad.write_text(cfg.read_text().replace("version: 3", "version: 4"))
    assert _errors(_validator(config_schema()), bad)
    json.dumps(config_schema())  # printable as the CLI does
