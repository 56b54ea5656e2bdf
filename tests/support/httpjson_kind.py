"""A source kind that exists only in the tests: ``httpjson`` GETs one JSON document over HTTP,
``{command: reply}``, and feeds the engine's ``json`` selector (the device-API rulebooks).

It is the whole of a new kind, written as a plug-in would be: a target model, ``open`` (here the
shared request-round source), and recorded sessions. Nothing in service/ or netrosetta/cli names
it: tests/live/test_source_registry.py registers it and drives config, scheduling, record and
translate through the registry.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from netrosetta.collectors.recording import Recording, SourceDataset, TargetError
from netrosetta.collectors.registry import Recorded, SourceKind
from netrosetta.collectors.request_source import RequestSource
from netrosetta.collectors.schedule import Schedule

NAME = "httpjson"


class HttpJsonTarget(Schedule, BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["httpjson"] = "httpjson"
    name: str
    host: str
    port: int = Field(ge=1, le=65535)
    path: str = "/"
    platform: str


def _fetch(t: HttpJsonTarget) -> SourceDataset:
    try:
        with urllib.request.urlopen(f"http://{t.host}:{t.port}{t.path}", timeout=5) as resp:
            doc = json.loads(resp.read())
    except (OSError, urllib.error.URLError) as exc:
        raise TargetError(t.name, "connect", str(exc)) from None
    except ValueError as exc:
        raise TargetError(t.name, "bad-reply", f"not JSON ({exc})") from None
    return SourceDataset(NAME, t.name, t.platform, documents=dict(doc))


async def collect(t: HttpJsonTarget, record: Path | None = None) -> SourceDataset:
    src = await asyncio.to_thread(_fetch, t)
    if record is not None:
        rec = Recording(record, kind=NAME, platform=t.platform)
        for command, reply in src.documents.items():
            rec.write(command, json.dumps(reply), ".json")
        rec.save_manifest()
    return src


def replay(rec: Recording, platform: str | None, rulebooks: Any, forced: str | None) -> SourceDataset:
    docs = {command: json.loads(rec.read(command, NAME)) for command in rec.commands}
    return SourceDataset(NAME, rec.path.name, platform or rec.platform, documents=docs)


def to_engine(src: SourceDataset) -> Any:
    from netrosetta.engine.selectors.json import JsonDataset
    return JsonDataset(src.documents)


KIND = SourceKind(
    name=NAME, selector="json", target_model=lambda: HttpJsonTarget, order=90,
    open=lambda key, spec: RequestSource(key, NAME, spec, "json", collect, to_engine),
    recording=Recorded(extensions=(".json",), recognise=lambda names: False, record=collect,
                       replay=replay, to_engine=to_engine))
