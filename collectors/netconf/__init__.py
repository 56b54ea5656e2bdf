"""NETCONF collector (ncclient over SSH). Registered as source kind ``netconf``, selector ``xpath``,
with recorded sessions (one ``.xml`` per RPC, NAPALM's layout; IOS-XR XML-agent replies too)."""

from typing import Any

from netrosetta.collectors.registry import register
from netrosetta.collectors.request_source import request_kind


def _session(spec: Any) -> list[Any]:
    """The kept SSH session's up / logins / reconnects (collectors/sessions.py)."""
    from netrosetta.collectors.sessions import session_metrics
    return session_metrics(spec)


def _recognise(names: list[str]) -> bool:
    """NETCONF replies (.xml), or IOS-XR XML-agent replies under NAPALM's request file names."""
    from netrosetta.collectors.netconf.xml_agent import is_request_file
    return any(n.endswith(".xml") or is_request_file(n) for n in names)


register(request_kind("netconf", "xpath", __name__, "NetconfTarget", order=30, extensions=(".xml",),
                      recognise=_recognise, health=_session))
