"""NETCONF collector (ncclient over SSH). Registered as source kind ``netconf``, selector ``xpath``,
with recorded sessions (one ``.xml`` per RPC, NAPALM's layout)."""

from typing import Any

from netrosetta.collectors.registry import register
from netrosetta.collectors.request_source import request_kind


def _session(spec: Any) -> list[Any]:
    """The kept SSH session's up / logins / reconnects (collectors/sessions.py)."""
    from netrosetta.collectors.sessions import session_metrics
    return session_metrics(spec)


register(request_kind("netconf", "xpath", __name__, "NetconfTarget", order=30, extensions=(".xml",),
                      recognise=lambda names: any(n.endswith(".xml") for n in names), health=_session))
