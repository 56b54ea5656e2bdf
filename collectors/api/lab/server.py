"""An HTTPS device-API server replaying a recording: Arista eAPI (POST /command-api), Cisco NX-API
JSON-RPC (POST /ins) and RESTCONF GET (/restconf/data/...). Basic auth; faults injectable.
Run: ``python -m netrosetta.collectors.api.lab.server --recording DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from netrosetta.collectors.api.tls import self_signed
from netrosetta.collectors.recording import Recording
from netrosetta.errors import NetrosettaError

HTML_500 = ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
            "<body><h1>Internal Server Error</h1><p>nginx</p></body></html>")


@dataclass
class Faults:
    html_error: bool = False                                  # every request answers an HTML 500 page
    delay: dict[str, float] = field(default_factory=dict)      # command -> seconds


class ApiSimulator:
    def __init__(self, recording: str | Path, *, username: str = "lab", password: str = "lab",
                 faults: Faults | None = None, computed: dict[str, Callable[[], Any]] | None = None) -> None:
        self.recording = Recording.open(recording)
        # command -> its JSON reply made when asked (a lab device whose counters move)
        self.computed = dict(computed or {})
        self.username, self.password = username, password
        self.faults = faults or Faults()
        self.port = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="nr-api-lab-")
        self.cert, self.key = self_signed(Path(self._tmp.name))
        self._runner: web.AppRunner | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        app = web.Application(middlewares=[self._auth])
        app.router.add_post("/command-api", self._eapi)
        app.router.add_post("/ins", self._nxapi)
        app.router.add_get("/restconf/data/{path:.*}", self._restconf)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=ctx)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._tmp.cleanup()

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.faults.html_error:
            return web.Response(status=500, text=HTML_500, content_type="text/html")
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.Response(status=401, text="Unauthorized",
                                headers={"WWW-Authenticate": 'Basic realm="api"'})
        return await handler(request)

    async def _output(self, command: str, fmt: str = "json") -> Any:
        if command in self.faults.delay:
            await asyncio.sleep(self.faults.delay[command])
        if command in self.computed and fmt != "text":
            return self.computed[command]()
        if fmt == "text":
            return {"output": self.recording.read(command, "cli")}
        return json.loads(self.recording.read(command, "api"))

    async def _eapi(self, request: web.Request) -> web.Response:
        body = await request.json()
        rid = body.get("id")
        params = body.get("params") or {}
        fmt = params.get("format", "json")
        results = []
        for i, cmd in enumerate(params.get("cmds") or [], 1):
            cmd = cmd if isinstance(cmd, str) else cmd.get("cmd", "")
            try:
                results.append(await self._output(cmd, fmt))
            except (NetrosettaError, ValueError):
                msg = f"CLI command {i} of {len(params['cmds'])} '{cmd}' failed: invalid command"
                return web.json_response({"jsonrpc": "2.0", "id": rid, "error": {
                    "code": 1002, "message": msg, "data": [*results, {"errors": ["Invalid input"]}]}})
        return web.json_response({"jsonrpc": "2.0", "id": rid, "result": results})

    async def _nxapi(self, request: web.Request) -> web.Response:
        body = await request.json()
        calls = body if isinstance(body, list) else [body]
        out = []
        for call in calls:
            cmd = (call.get("params") or {}).get("cmd", "")
            try:
                body_ = await self._output(cmd)
                out.append({"jsonrpc": "2.0", "id": call.get("id"), "result": {"body": body_}})
            except (NetrosettaError, ValueError):
                out.append({"jsonrpc": "2.0", "id": call.get("id"), "error": {
                    "code": -32602, "message": "Invalid params", "data": {"msg": "Input CLI command error"}}})
        return web.json_response(out if isinstance(body, list) else out[0],
                                 content_type="application/json-rpc")

    async def _restconf(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        try:
            data = await self._output(path)
        except (NetrosettaError, ValueError):
            err = {"ietf-restconf:errors": {"error": [{
                "error-type": "application", "error-tag": "invalid-value",
                "error-message": f"uri keypath not found: {path}"}]}}
            return web.json_response(err, status=404, content_type="application/yang-data+json")
        return web.json_response(data, content_type="application/yang-data+json")


async def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--recording", required=True)
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--username", default="lab")
    ap.add_argument("--password", default="lab")
    args = ap.parse_args()
    sim = ApiSimulator(args.recording, username=args.username, password=args.password)
    await sim.start(port=args.port)
    print(f"https://127.0.0.1:{sim.port} (CA: {sim.cert})", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
