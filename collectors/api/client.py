"""Device API collection over HTTPS with aiohttp: Arista eAPI and Cisco NX-API (JSON-RPC) and
RESTCONF GET (RFC 8040). ``await poll(target)`` -> SourceDataset of decoded JSON per command.

TLS is verified by default. An HTML page, a non-JSON body, a JSON-RPC error, 401, timeouts: each a
TargetError (whole target) or a per-command error (``dataset.errors``), never a traceback.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import ssl
from pathlib import Path
from typing import Any

import aiohttp

from netrosetta.collectors.api.config import ENDPOINTS, ApiCommand, ApiTarget
from netrosetta.collectors.api.dataset import facts_from_show_version
from netrosetta.collectors.platforms import platforms
from netrosetta.collectors.recording import Recording, SourceDataset, TargetError
from netrosetta.collectors.sessions import KEEPALIVE, session_key

log = logging.getLogger(__name__)
_ids = itertools.count(1)


class CommandError(Exception):
    pass


def commands_for(target: ApiTarget) -> list[ApiCommand]:
    if target.commands is not None:
        return target.commands
    defs = platforms()
    d = defs.get(target.platform or defs.for_api(target.api))
    if d is None or not d.api.commands:
        raise target.fail("config", f"no default API commands for platform {target.platform or target.api}; "
                                    "give `commands`")
    return list(d.api.commands)


def _ssl(target: ApiTarget) -> ssl.SSLContext | bool:
    if not target.verify_tls:
        log.warning("%s: TLS certificate verification is OFF", target.name)
        return False
    ctx = ssl.create_default_context(cafile=str(target.ca_file) if target.ca_file else None)
    return ctx


async def _decode(target: ApiTarget, resp: aiohttp.ClientResponse) -> Any:
    if resp.status == 401:
        raise target.fail("auth", "login failed (HTTP 401)")
    text = await resp.text(errors="replace")
    ctype = resp.headers.get("Content-Type", "")
    if "html" in ctype or text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        raise target.fail("bad-reply", f"HTML page instead of JSON (HTTP {resp.status})")
    try:
        return json.loads(text)
    except ValueError:
        raise target.fail("bad-reply", f"reply is not JSON (HTTP {resp.status}, {len(text)} bytes)") from None


async def _call(target: ApiTarget, session: aiohttp.ClientSession, base: str, cmd: ApiCommand) -> Any:
    if target.api == "restconf":
        url = base + ENDPOINTS["restconf"] + cmd.command.lstrip("/")
        async with session.get(url, headers={"Accept": "application/yang-data+json"}) as resp:
            doc = await _decode(target, resp)
            if resp.status >= 400:
                errs = (doc.get("ietf-restconf:errors") or {}).get("error") or [{}]
                raise CommandError(f"HTTP {resp.status}: {errs[0].get('error-message', '')}".strip())
            return doc
    rid = next(_ids)
    if target.api == "eapi":
        body: Any = {"jsonrpc": "2.0", "method": "runCmds", "id": rid,
                     "params": {"version": 1, "cmds": [cmd.command], "format": cmd.format}}
        headers = {"Content-Type": "application/json"}
    else:
        body = [{"jsonrpc": "2.0", "method": "cli" if cmd.format == "json" else "cli_ascii", "id": rid,
                 "params": {"cmd": cmd.command, "version": 1}}]
        headers = {"Content-Type": "application/json-rpc"}
    async with session.post(base + ENDPOINTS[target.api], json=body, headers=headers) as resp:
        doc = await _decode(target, resp)
    reply = doc[0] if isinstance(doc, list) and doc else doc
    if not isinstance(reply, dict):
        raise CommandError("unexpected JSON-RPC reply")
    if "error" in reply:
        err = reply["error"] or {}
        detail = err.get("data", {}).get("msg", "") if isinstance(err.get("data"), dict) else ""
        raise CommandError(f"JSON-RPC error {err.get('code')}: {err.get('message', '')} {detail}".strip())
    result = reply.get("result")
    if target.api == "eapi":
        if not isinstance(result, list) or not result:
            raise CommandError("eAPI reply without result")
        return result[0]
    if not isinstance(result, dict):
        raise CommandError("NX-API reply without result")
    return result.get("body", result.get("msg"))


# one HTTP session per target and event loop, so polls reuse its kept-alive connections
_HTTP: dict[str, tuple[ApiTarget, asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


def _http_session(target: ApiTarget) -> aiohttp.ClientSession:
    key, loop = session_key(target), asyncio.get_running_loop()
    held = _HTTP.get(key)
    if held is not None and held[0] == target and held[1] is loop and not held[2].closed:
        return held[2]
    if held is not None and held[1] is loop:      # settings changed: the old session goes
        loop.create_task(held[2].close())
    auth = aiohttp.BasicAuth(target.username, target.password.get_secret_value() if target.password else "")
    timeout = aiohttp.ClientTimeout(total=target.timeout, sock_connect=target.connect_timeout)
    connector = aiohttp.TCPConnector(ssl=_ssl(target), keepalive_timeout=KEEPALIVE)
    session = aiohttp.ClientSession(auth=auth, timeout=timeout, connector=connector)
    _HTTP[key] = (target.model_copy(deep=True), loop, session)   # a copy: targets may be edited in place
    return session


async def close(target: ApiTarget) -> None:
    """Close the target's HTTP session (its kept-alive connections) on this event loop."""
    held = _HTTP.pop(session_key(target), None)
    if held is not None and held[1] is asyncio.get_running_loop():
        await held[2].close()


async def close_all() -> None:
    """Close every HTTP session kept on this event loop (a one-shot caller's end, tests)."""
    loop = asyncio.get_running_loop()
    for key in [k for k, held in _HTTP.items() if held[1] is loop]:
        await _HTTP.pop(key)[2].close()


async def _poll(target: ApiTarget, record: Path | None) -> SourceDataset:
    cmds = commands_for(target)
    ds = SourceDataset("api", target.name, target.platform)
    rec = Recording(record, kind="api", platform=target.platform) if record else None
    base = f"https://{target.host}:{target.port or 443}"
    try:
        session = _http_session(target)
        for cmd in cmds:
            try:
                doc = await _call(target, session, base, cmd)
            except CommandError as exc:
                ds.errors[cmd.command] = target.scrub(str(exc))
                log.warning("%s: %s: %s", target.name, cmd.command, ds.errors[cmd.command])
                continue
            if cmd.format == "text" and isinstance(doc, dict) and "output" in doc:
                doc = doc["output"]
            ds.documents[cmd.command] = doc
            if rec is not None:
                if isinstance(doc, str):
                    rec.write(cmd.command, doc, ".text")
                else:
                    rec.write(cmd.command, json.dumps(doc, indent=2), ".json")
    except TargetError:
        raise
    except TimeoutError:
        raise target.fail("timeout", f"no reply within {target.timeout:g}s") from None
    except aiohttp.ClientConnectorCertificateError as exc:
        raise target.fail("tls", f"certificate not trusted ({exc.certificate_error})") from None
    except (aiohttp.ClientError, OSError) as exc:
        await close(target)         # a refused or reset connection is not kept for the next poll
        raise target.fail("connect", str(exc) or type(exc).__name__) from None
    if rec is not None:
        rec.save_manifest(api=target.api)
    if "show version" in ds.documents:
        ds.facts = facts_from_show_version(ds.documents["show version"], target.platform)
        ds.platform = ds.platform or ds.facts.platform    # matched from `show version`
    if not ds.documents and ds.errors:
        raise target.fail("rpc-error", "; ".join(f"{k}: {v}" for k, v in ds.errors.items()))
    return ds


async def poll(target: ApiTarget, *, record: Path | None = None) -> SourceDataset:
    """Collect one API target; raises TargetError (reason: connect, tls, timeout, auth, bad-reply,
    rpc-error). With ``record``, replies are written there in NAPALM's layout."""
    budget = target.connect_timeout + target.timeout * (len(commands_for(target)) + 1)
    try:
        return await asyncio.wait_for(_poll(target, record), budget)
    except TimeoutError:
        raise target.fail("timeout", f"poll exceeded {budget:g}s") from None
