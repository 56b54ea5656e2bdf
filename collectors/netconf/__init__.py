"""NETCONF collector (ncclient over SSH). Registered as source kind ``netconf``, selector ``xpath``,
with recorded sessions (one ``.xml`` per RPC, NAPALM's layout)."""

from netrosetta.collectors.registry import register
from netrosetta.collectors.request_source import request_kind

register(request_kind("netconf", "xpath", __name__, "NetconfTarget", order=30, extensions=(".xml",),
                      recognise=lambda names: any(n.endswith(".xml") for n in names)))
