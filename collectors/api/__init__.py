"""Device API collector (eAPI, NX-API, RESTCONF over HTTPS). Registered as source kind ``api``,
selector ``json``, with recorded sessions (``.json`` per command, NAPALM's layout)."""

from netrosetta.collectors.registry import register
from netrosetta.collectors.request_source import request_kind

register(request_kind("api", "json", __name__, "ApiTarget", order=40, extensions=(".json", ".txt", ".text"),
                      recognise=lambda names: any(n.endswith(".json") or "___json" in n for n in names)))
