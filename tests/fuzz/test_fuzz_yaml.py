"""Fuzz the YAML loaders a user's files go through: rulebooks (load_rulebook) and the service
config (load_config), on mutated real rulebooks and configs written to real files.

The one allowed outcome for a bad file is NetrosettaError naming file and line; an error without
a location, any other exception, a hang or a runaway allocation is a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from netrosetta.engine.rulebooks import load_rulebook
from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS
from netrosetta.service.config import load_config, load_targets_file
from tests.conftest import SHARED
from tests.fuzz import harness

ROOT = Path(__file__).resolve().parents[2]
ENV = {"SNMP_COMMUNITY": "c", "EDGE1_AUTH_KEY": "auth-key-123", "EDGE1_PRIV_KEY": "priv-key-123",
       "GNMI_PASSWORD": "pw", "OTLP_TOKEN": "t"}
BUILT = [b"", b"id: a/b\nversion: 1.0.0\nrules: []\n", b"a: &x [1]\nb: *x\nc: {<<: *x}\n",
         b"- [\n", b"\xef\xbb\xbfkey: value\n", b"x: !!binary AAAA\n", b"? [a]\n: b\n"]


class Unlocated(AssertionError):
    """A load error that does not say where: the user cannot find the problem."""


def located(load: Callable[[Path], object], path: Path) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        path.write_bytes(data)
        try:
            load(path)
        except NetrosettaError as exc:
            if exc.file != str(path) or (exc.line is None and not _file_level(exc)):
                raise Unlocated(str(exc)) from None
            raise
    return target


def _file_level(exc: NetrosettaError) -> bool:
    # about the file as a whole (too large, unreadable): there is no line to name
    return exc.message.startswith(("cannot read", "larger than"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)


def test_fuzz_rulebook_loader(tmp_path: Path) -> None:
    seeds = [p.read_bytes() for p in sorted(MAPPINGS.rglob("*.yaml"))]
    # third-party SNMP profiles: real YAML written by others (anchors, odd scalars)
    profiles = SHARED / "corpus" / "ktranslate-profiles"
    seeds += [p.read_bytes() for p in sorted(profiles.rglob("*.yaml"))[:200]] if profiles.exists() else []
    rep = harness.fuzz("yaml-rulebook", located(load_rulebook, tmp_path / "rulebook.yaml"), seeds + BUILT,
                       allowed=(NetrosettaError,))
    harness.assert_clean(rep)


def test_fuzz_config_loader(tmp_path: Path, env: None) -> None:
    seeds = [(ROOT / "examples" / "config.yaml").read_bytes()]
    seeds += [p.read_bytes() for p in sorted((ROOT / "collectors").glob("*/sample-target.yaml"))]
    rep = harness.fuzz("yaml-config", located(load_config, tmp_path / "config.yaml"), seeds + BUILT,
                       allowed=(NetrosettaError,))
    harness.assert_clean(rep)


def test_fuzz_targets_file_loader(tmp_path: Path, env: None) -> None:
    seeds = [p.read_bytes() for p in sorted((ROOT / "examples" / "targets.d").glob("*.yaml"))]
    seeds += [(ROOT / "examples" / "config.yaml").read_bytes()]
    rep = harness.fuzz("yaml-targets", located(load_targets_file, tmp_path / "targets.yaml"), seeds + BUILT,
                       allowed=(NetrosettaError,))
    harness.assert_clean(rep)


def test_fuzz_platform_definition_loader(tmp_path: Path) -> None:
    from netrosetta.collectors.platforms import PLATFORMS_DIR, load_platform

    seeds = [p.read_bytes() for p in sorted(PLATFORMS_DIR.glob("*.yaml"))]
    # named as the seed most are mutated from expects; other names are a located mismatch
    rep = harness.fuzz("yaml-platform", located(load_platform, tmp_path / "cisco_ios.yaml"), seeds + BUILT,
                       allowed=(NetrosettaError,))
    harness.assert_clean(rep)
