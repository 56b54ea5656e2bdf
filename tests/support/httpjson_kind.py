"""A source kind that exists only in the tests: ``httpjson`` GETs one JSON document over HTTP,
``{command: reply}``, and feeds the engine's ``json`` selector (the device-API rulebooks).

It is the whole of a new kind, written as a plug-in would be: a target model, ``open`` (here the
shared request-round source), recorded sessions, and its lab device (``serve``). Nothing in service/ or netrosetta/cli names
it: tests/live/test_source_registry.py registers it and drives config, scheduling, record and
translate through the registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextlib.contextmanager
def serve(doc: dict[str, Any]) -> Iterator[int]:
    """The kind's lab device: ``doc`` as JSON on every GET, on a free port of 127.0.0.1."""
    body = json.dumps(doc).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
