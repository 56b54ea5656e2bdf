"""NETCONF collection with ncclient: vendor device handlers, subtree/XPath filters, vendor RPCs,
host-key verification on by default, bounded timeouts. ``await poll(target)`` -> SourceDataset.

ncclient is thread-based, so each poll runs in a worker thread; its own connect and RPC timeouts
bound that thread, and every failure becomes a TargetError on this target only.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lxml import etree
from ncclient import manager, transport
from ncclient.manager import make_device_handler
from ncclient.operations import RaiseMode, RPCError, TimeoutExpiredError
from ncclient.transport.errors import AuthenticationError, SSHError, SSHUnknownHostError

from netrosetta.collectors import sessions
from netrosetta.collectors.netconf.config import NetconfRequest, NetconfTarget
from netrosetta.collectors.netconf.dataset import facts_from_capabilities, parse_reply, strips_namespaces
from netrosetta.collectors.platforms import platforms
from netrosetta.collectors.recording import Recording, SourceDataset, TargetError
from netrosetta.collectors.sessions import KEEPALIVE, BackingOff, Session, session_for

log = logging.getLogger(__name__)


def requests_for(target: NetconfTarget) -> list[NetconfRequest]:
    if target.requests is not None:
        return target.requests
    d = platforms().get(target.platform)
    if d is None or not d.netconf.requests:
        raise target.fail("config", f"no default NETCONF requests for platform {target.platform}; "
                                    "give `requests`")
    return list(d.netconf.requests)


def _connect(target: NetconfTarget) -> manager.Manager:
    d = platforms().get(target.platform)
    handler = make_device_handler({"name": d.netconf.device_handler if d else "default"})
    session = transport.SSHSession(handler)
    if target.hostkey_verify and target.known_hosts is not None:
        session.load_known_hosts(str(target.known_hosts))
    if not target.hostkey_verify:
        log.warning("%s: SSH host-key verification is OFF", target.name)
    session.connect(
        target.host, port=target.port or 830, username=target.username,
        password=target.password.get_secret_value() if target.password else None,
        key_filename=str(target.key_file) if target.key_file else None,
        hostkey_verify=target.hostkey_verify, allow_agent=False, look_for_keys=False,
        timeout=target.connect_timeout, ssh_config=None)
    transport_ = getattr(session, "_transport", None)
    if transport_ is not None:    # SSH keepalives hold the kept session through idle NAT/firewalls
        transport_.set_keepalive(KEEPALIVE)
    return manager.Manager(session, handler, timeout=target.timeout, raise_mode=RaiseMode.ERRORS)


def _text(reply: object) -> str:
    # an RPCReply has .xml; device handlers that transform replies (junos) return NCElement
    xml = getattr(reply, "xml", None)
    return str(xml if xml is not None else reply)


def _send(m: manager.Manager, req: NetconfRequest) -> str:
    if req.rpc is not None:
        return _text(m.dispatch(etree.fromstring(req.rpc)))
    if req.subtree is not None:
        tops = etree.fromstring(f"<filter>{req.subtree}</filter>")
        return _text(m.get(filter=[etree.tostring(t).decode() for t in tops if isinstance(t.tag, str)]))
    return _text(m.get(filter=("xpath", (req.namespaces, req.xpath) if req.namespaces else req.xpath)))


def _login(sess: Session, target: NetconfTarget) -> manager.Manager:
    try:
        return sess.use()  # type: ignore[no-any-return]
    except BackingOff as exc:      # the last attempt's fault, with when the next one is due
        reason, message = _login_fault(target, exc.last)
        raise target.fail(reason, f"{message} ({exc})") from None
    except (AuthenticationError, SSHError, OSError) as exc:      # TimeoutError is an OSError
        raise target.fail(*_login_fault(target, exc)) from None


def _login_fault(target: NetconfTarget, exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, SSHUnknownHostError):
        return "hostkey", f"host key not trusted or changed ({exc})"
    if isinstance(exc, AuthenticationError):
        return "auth", "login failed"
    if isinstance(exc, TimeoutError):
        return "timeout", f"no connection within {target.connect_timeout:g}s"
    return "connect", str(exc) or type(exc).__name__


def _poll_sync(target: NetconfTarget, record: Path | None) -> SourceDataset:
    reqs = requests_for(target)
    sess = session_for(target, lambda: _connect(target), lambda m: m.connected, lambda m: m.close_session())
    rec = Recording(record, kind="netconf", platform=target.platform) if record else None
    strip = strips_namespaces(target.platform)

    def ask_all(m: manager.Manager) -> SourceDataset:
        ds = SourceDataset("netconf", target.name, target.platform)
        ds.facts = facts_from_capabilities(list(m.server_capabilities), target.platform)
        for req in reqs:
            key = req.key()
            try:
                text = _send(m, req)
            except RPCError as exc:
                ds.errors[key] = target.scrub(f"rpc-error: {exc.tag or ''} {exc.message or exc}".strip())
                log.warning("%s: %s: %s", target.name, key, ds.errors[key])
                continue
            except etree.XMLSyntaxError as exc:   # ncclient parses the reply itself
                ds.errors[key] = f"bad-reply: malformed XML ({exc.msg})"
                log.warning("%s: %s: %s", target.name, key, ds.errors[key])
                continue
            except TimeoutExpiredError:    # the session is dropped: a late reply would answer the next request
                raise target.fail("timeout", f"{key}: no reply within {target.timeout:g}s") from None
            if rec is not None:
                rec.write(key, text, ".xml")
            try:
                ds.documents[key] = parse_reply(text, strip=strip)
            except ValueError as exc:
                ds.errors[key] = f"bad-reply: {exc}"
                log.warning("%s: %s: %s", target.name, key, ds.errors[key])
        return ds

    try:
        ds = sess.run(lambda: _login(sess, target), ask_all,
                      (TargetError, SSHError, OSError, transport.TransportError), target.persistent)
    except (SSHError, OSError, transport.TransportError) as exc:
        raise target.fail("connect", f"session lost: {exc}") from None
    if rec is not None:
        rec.save_manifest()
    if not ds.documents and ds.errors:
        raise target.fail("rpc-error", "; ".join(f"{k}: {v}" for k, v in ds.errors.items()))
    return ds


async def poll(target: NetconfTarget, *, record: Path | None = None) -> SourceDataset:
    """Collect one NETCONF target; raises TargetError (reason: connect, timeout, auth, hostkey,
    rpc-error, bad-reply). With ``record``, every reply is also written there (NAPALM layout)."""
    # a kept session that died unnoticed costs one failed round before the fresh login's round
    budget = target.connect_timeout * 2 + target.timeout * (2 * len(requests_for(target)) + 1)
    try:
        return await asyncio.wait_for(asyncio.to_thread(_poll_sync, target, record), budget)
    except TimeoutError:
        raise target.fail("timeout", f"poll exceeded {budget:g}s") from None




async def close(target: Any) -> None:
    """Log out of the target's kept session (target removed, service stopping)."""
    await asyncio.to_thread(sessions.close, target)


__all__ = ["NetconfTarget", "TargetError", "close", "poll"]
