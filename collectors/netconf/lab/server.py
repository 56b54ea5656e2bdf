"""A NETCONF-over-SSH server (asyncssh, `netconf` subsystem, RFC 6242 framing) answering RPCs from
a recording folder: vendor RPCs from ``<rpc-name>.xml``, ``<get>`` with subtree or XPath filters
from the recorded top-level containers. Run: ``python -m netrosetta.collectors.netconf.lab.server``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
from lxml import etree

from netrosetta.collectors.lab_ssh import Sessions, device_auth
from netrosetta.collectors.netconf import filters
from netrosetta.collectors.netconf.framing import FrameReader, FramingError, encode

log = logging.getLogger(__name__)
NC = filters.NC_NS
BASE10 = "urn:ietf:params:netconf:base:1.0"
BASE11 = "urn:ietf:params:netconf:base:1.1"
PLATFORM_CAPS = {
    "juniper_junos": ["http://xml.juniper.net/netconf/junos/1.0", "http://xml.juniper.net/dmi/system/1.0"],
    "cisco_xr": ["http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper?module=Cisco-IOS-XR-pfi-im-cmd-oper"],
    "cisco_nxos": ["urn:ietf:params:xml:ns:netconf:base:1.0?module=nx-os"],
    "huawei_vrp": ["http://www.huawei.com/netconf/capability/base/1.0"],
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)


@dataclass
class Faults:
    """Misbehaviour to inject, by RPC name (the recorded file stem)."""

    delay: dict[str, float] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)


class NetconfSimulator:
    def __init__(self, recording: str | Path, *, username: str = "lab", password: str = "lab",
                 platform: str | None = None, chunked: bool = True,
                 host_key: asyncssh.SSHKey | None = None, faults: Faults | None = None,
                 client_keys: list[asyncssh.SSHKey] | None = None,
                 computed: dict[str, Callable[[], str]] | None = None) -> None:
        self.recording = Path(recording)
        # vendor RPC name -> its reply body made when asked (a lab device whose counters move)
        self.computed = dict(computed or {})
        self.username, self.password = username, password
        self.platform = platform
        self.chunked = chunked
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.faults = faults or Faults()
        self.client_keys = [k.export_public_key("openssh") for k in client_keys or []]
        self.port = 0
        self.sessions = Sessions()      # logins counted device-side; drop_all() cuts them
        self._server: asyncssh.SSHAcceptor | None = None
        self._tops: list[etree._Element] = []
        self._load()

    # ---- recording --------------------------------------------------------------------------
    def _load(self) -> None:
        for p in sorted(self.recording.glob("*.xml")):
            if p.name == "server_capabilities.xml" or p.stat().st_size == 0:
                continue
            try:
                root = etree.fromstring(p.read_bytes(), _PARSER)
            except etree.XMLSyntaxError:
                continue           # served raw as a vendor RPC reply, not part of the datastore
            data = root.find(f"{{{NC}}}data")
            if data is not None:
                self._tops.extend(c for c in data if isinstance(c.tag, str))

    def capabilities(self) -> list[str]:
        caps = [BASE10] + ([BASE11] if self.chunked else [])
        recorded = self.recording / "server_capabilities.xml"
        if recorded.is_file():
            root = etree.fromstring(recorded.read_bytes(), _PARSER)
            caps += [c.text.strip() for c in root.iter("{*}capability")
                     if c.text and not c.text.startswith("urn:ietf:params:netconf:base:")]
        else:
            caps += PLATFORM_CAPS.get(self.platform or "", [])
        caps.append("urn:ietf:params:netconf:capability:xpath:1.0")
        return caps

    def known_hosts_line(self, host: str = "127.0.0.1") -> str:
        pub = self.host_key.export_public_key("openssh").decode().strip()
        return f"[{host}]:{self.port} {pub}\n"

    # ---- server -----------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        auth = device_auth(self.username, self.password, self.client_keys, self.sessions)
        self._server = await asyncssh.create_server(
            auth, host, port, server_host_keys=[self.host_key], process_factory=self._session,
            encoding=None, allow_scp=False)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        if process.subsystem != "netconf":
            process.stderr.write(b"only the netconf subsystem is served\n")
            process.exit(1)
            return
        reader = FrameReader(process.stdin.read)
        hello = (f'<hello xmlns="{NC}"><capabilities>'
                 + "".join(f"<capability>{_esc(c)}</capability>" for c in self.capabilities())
                 + "</capabilities><session-id>1</session-id></hello>")
        decl = b'<?xml version="1.0" encoding="UTF-8"?>'
        process.stdout.write(encode(decl + hello.encode(), chunked=False))
        try:
            client_hello = etree.fromstring(await reader.read_message(), _PARSER)
            client_caps = {c.text for c in client_hello.iter(f"{{{NC}}}capability")}
            reader.chunked = self.chunked and BASE11 in client_caps
            while True:
                raw = await reader.read_message()
                reply, close = await self._answer(raw)
                process.stdout.write(encode(reply, chunked=reader.chunked))
                if close:
                    break
        except (EOFError, FramingError, etree.XMLSyntaxError, asyncssh.Error, ConnectionError) as exc:
            log.debug("netconf session ended: %s", exc)
        with contextlib.suppress(Exception):
            process.exit(0)

    async def _answer(self, raw: bytes) -> tuple[bytes, bool]:
        try:
            rpc = etree.fromstring(raw, _PARSER)
        except etree.XMLSyntaxError:
            return _error("", "malformed-message", "rpc", "malformed XML"), True
        mid = rpc.get("message-id", "")
        ops = [c for c in rpc if isinstance(c.tag, str)]
        if etree.QName(rpc).localname != "rpc" or len(ops) != 1:
            return _error(mid, "malformed-message", "rpc", "expected one operation in <rpc>"), False
        op = ops[0]
        name = etree.QName(op).localname
        if name == "close-session":
            return _ok(mid), True
        if name in ("get", "get-config"):
            return self._get(mid, op), False
        return await self._vendor(mid, name), False

    def _get(self, mid: str, op: etree._Element) -> bytes:
        filt = op.find(f"{{{NC}}}filter")
        if filt is None:
            filt = op.find("filter")
        if filt is None:
            found = self._tops
        elif filt.get("type") == "xpath":
            try:
                found = filters.xpath_filter(self._tops, filt.get("select", ""), dict(filt.nsmap))
            except (etree.XPathError, ValueError) as exc:
                return _error(mid, "invalid-value", "application", f"bad XPath filter: {exc}")
        else:
            found = filters.subtree_filter(self._tops, filt)
        reply = etree.Element(f"{{{NC}}}rpc-reply", nsmap={None: NC})
        reply.set("message-id", mid)
        data = etree.SubElement(reply, f"{{{NC}}}data")
        for el in found:
            data.append(el)
        return etree.tostring(reply)

    async def _vendor(self, mid: str, name: str) -> bytes:
        path = self.recording / f"{name}.xml"
        if name not in self.computed and not path.is_file():
            return _error(mid, "operation-not-supported", "protocol", f"RPC {name} is not supported")
        if name in self.faults.delay:
            await asyncio.sleep(self.faults.delay[name])
        body = self.computed[name]() if name in self.computed else path.read_text(encoding="utf-8", errors="replace")
        body = re.sub(r"^\s*<\?xml[^>]*\?>", "", body).strip()
        if body.startswith("<rpc-reply"):    # recorded whole: keep it, set our message-id
            body = re.sub(r'message-id="[^"]*"', "", body, count=1)
            body = body.replace("<rpc-reply", f'<rpc-reply message-id="{_esc(mid)}"', 1)
        else:
            body = f'<rpc-reply xmlns="{NC}" message-id="{_esc(mid)}">{body}</rpc-reply>'
        if name in self.faults.truncate:
            body = body[: len(body) // 2]
        return body.encode()


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _ok(mid: str) -> bytes:
    return f'<rpc-reply xmlns="{NC}" message-id="{_esc(mid)}"><ok/></rpc-reply>'.encode()


def _error(mid: str, tag: str, etype: str, message: str) -> bytes:
    return (f'<rpc-reply xmlns="{NC}" message-id="{_esc(mid)}"><rpc-error><error-type>{etype}</error-type>'
            f"<error-tag>{tag}</error-tag><error-severity>error</error-severity>"
            f"<error-message>{_esc(message)}</error-message></rpc-error></rpc-reply>").encode()


async def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--recording", required=True)
    ap.add_argument("--platform")
    ap.add_argument("--port", type=int, default=8830)
    ap.add_argument("--username", default="lab")
    ap.add_argument("--password", default="lab")
    args = ap.parse_args()
    sim = NetconfSimulator(args.recording, username=args.username, password=args.password,
                           platform=args.platform)
    await sim.start(port=args.port)
    print(sim.known_hosts_line(), end="", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
