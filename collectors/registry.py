"""Source kinds: what each ``collectors/<kind>/`` registers so the rest is built from one table.

A kind is one folder, like a Telegraf input or an OpenTelemetry Collector receiver factory: its
``__init__.py`` calls ``register(SourceKind(...))`` naming its target model (the ``targets:
<kind>:`` list of the service config), the engine selector kind its datasets feed (rulebook
matching and rules), ``open(key, target) -> Source`` (collectors/source.py) and, when it has them,
recorded sessions (``netrosetta record``, ``translate --recording``). Config parsing, the service's
source creation and the CLI read this registry; none of them names a kind.

Registration must stay cheap: a kind's heavy modules (clients, protocol libraries) are imported
only when its hooks run, so loading the registry never needs a protocol library installed.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netrosetta.errors import NetrosettaError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from netrosetta.engine.rulebooks import RulebookSet

    from .recording import Recording, SourceDataset
    from .source import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """Recorded sessions of a kind in NAPALM's mocked-data folder layout (collectors/recording.py)."""

    extensions: tuple[str, ...]                     # file extensions tried for a command, in order
    recognise: Callable[[list[str]], bool]          # a folder's file names look like this kind's
    record: Callable[[Any, Path], Awaitable[SourceDataset]]   # poll a target, writing its replies
    # (recording, platform, rulebooks, forced rulebook id) -> what the collector would have made
    replay: Callable[[Recording, str | None, RulebookSet, str | None], SourceDataset]
    to_engine: Callable[[SourceDataset], Any]       # -> the engine dataset of ``selector``


@dataclass(frozen=True)
class SourceKind:
    name: str                                       # key under ``targets:``; first part of a target key
    selector: str                                   # engine selector kind its datasets feed
    target_model: Callable[[], type[BaseModel]]     # pydantic model of one target (imported lazily)
    open: Callable[[str, Any], Source]              # (target key, validated target) -> Source
    order: int = 100                                # position in the config schema and summaries
    recording: Recorded | None = None


_KINDS: dict[str, SourceKind] = {}
_generation = 0
_loaded = False


def register(kind: SourceKind) -> None:
    """Add (or replace) a kind; config models built before are rebuilt on their next use."""
    global _generation
    _KINDS[kind.name] = kind
    _generation += 1
    from . import recording  # the file layout learns the kind's extensions (it must not import us)
    if kind.recording is not None:
        recording.EXTENSIONS[kind.name] = kind.recording.extensions
    else:
        recording.EXTENSIONS.pop(kind.name, None)


def unregister(name: str) -> None:
    global _generation
    if _KINDS.pop(name, None) is not None:
        _generation += 1
    from . import recording
    recording.EXTENSIONS.pop(name, None)


def generation() -> int:
    """Changes whenever a kind is added or removed (models built from the registry are cached on it)."""
    _load_builtins()
    return _generation


def _load_builtins() -> None:
    """Import every ``collectors/<kind>/`` package once: their ``__init__`` registers them."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from netrosetta import collectors

    for info in pkgutil.iter_modules(collectors.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"{collectors.__name__}.{info.name}")
            except ImportError as exc:  # a kind whose package cannot load is absent, not fatal
                log.warning("source kind %s not available: %s", info.name, exc)


def kinds() -> list[SourceKind]:
    _load_builtins()
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.name))


def names() -> tuple[str, ...]:
    return tuple(k.name for k in kinds())


def get(name: str) -> SourceKind:
    _load_builtins()
    kind = _KINDS.get(name)
    if kind is None:
        raise NetrosettaError(f"unknown source kind {name!r} (known: {', '.join(names())})")
    return kind


def recorded_kinds() -> list[SourceKind]:
    """Kinds with recorded sessions, in order (the first whose ``recognise`` accepts a folder wins)."""
    return [k for k in kinds() if k.recording is not None]


def recording_of(name: str) -> Recorded:
    rec = get(name).recording
    if rec is None:
        known = ", ".join(k.name for k in recorded_kinds())
        raise NetrosettaError(f"source kind {name!r} has no recordings (kinds with recordings: {known})")
    return rec


def open_source(kind: str, key: str, spec: Any) -> Source:
    return get(kind).open(key, spec)
