"""A large targets file is validated in chunks (and, when watched, parsed in a child process):
the targets and the problems (file:line:col) are the same as one whole-document validation
gives; a problem in the third chunk is located at its own line, not its place in the chunk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from netrosetta.collectors import registry
from netrosetta.engine.yaml_source import InvalidDocument, load_yaml, validate
from netrosetta.service.config import _CHUNK, _models, load_targets_file
from netrosetta.service.targets_read import read_targets_file

N = 2 * _CHUNK + 500


def _file(tmp_path: Path, bad: dict[int, str]) -> tuple[Path, dict[int, int]]:
    """N SNMP targets; target i gets the extra text bad[i]. Returns the file and target -> line."""
    lines, where = ["targets:", "  snmp:"], {}
    for i in range(N):
        where[i] = len(lines) + 1
        lines.append(f"    - {{name: t{i}, host: 192.0.2.{i % 250 + 1}, version: 2c, "
                     f"credentials: {{community: 'literal:x'}}{bad.get(i, '')}}}")
    p = tmp_path / "targets.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p, where


def test_valid_large_file_equals_one_validation(tmp_path: Path) -> None:
    p, _ = _file(tmp_path, {})
    whole = validate(load_yaml(p), _models_file()).targets
    chunked = load_targets_file(p)
    watched = asyncio.run(read_targets_file(p))
    assert chunked.count() == watched.count() == N
    assert chunked == whole and watched == whole


def test_problems_located_in_the_whole_file(tmp_path: Path) -> None:
    bad = {5: ", hots: a", 2 * _CHUNK + 7: ", porty: 1"}
    p, where = _file(tmp_path, bad)
    with pytest.raises(InvalidDocument) as whole:
        validate(load_yaml(p), _models_file())
    for read in (lambda: load_targets_file(p), lambda: asyncio.run(read_targets_file(p))):
        with pytest.raises(InvalidDocument) as exc:
            read()
        got = [(q.line, q.column, q.message) for q in exc.value.problems]
        assert got == [(q.line, q.column, q.message) for q in whole.value.problems]
        assert {line for line, _c, _m in got} == {where[i] for i in bad}
        assert any("'hots'" in m for _l, _c, m in got) and any("'porty'" in m for _l, _c, m in got)


def _models_file() -> type:
    return _models(registry.generation())[1]
