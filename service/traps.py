"""SNMP traps and informs inside the service (`traps:` in the config): each notification becomes an
OTLP log record with the sending device's Resource and enters every output's delivery - the same
queue, spill, retry and drop accounting as polled data. In cluster mode each instance delivers the
traps it receives itself (the cluster's stream carries metrics).

The Resource: when the sender's address is a polled target's host, the target's own Resource from
its last poll (host.name, vendor, model...), so a trap lands on the same device as its metrics;
otherwise ``host.ip`` alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netrosetta.collectors.snmp.traps import Notification, TrapConfig, TrapReceiver

    from .delivery import Delivery
    from .status import TargetStatus

log = logging.getLogger(__name__)


class TrapListener:
    def __init__(self, cfg: TrapConfig, status: Mapping[str, TargetStatus],
                 deliveries: Sequence[Delivery]) -> None:
        self.cfg, self.status, self.deliveries = cfg, status, deliveries
        self.receiver: TrapReceiver | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.port: int | None = None
        self.delivered = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        host, port = self.cfg.address()
        transport, receiver = await loop.create_datagram_endpoint(
            lambda: self.cfg.receiver(self._notified), local_addr=(host, port))
        self.transport, self.receiver = transport, receiver
        self.port = int(transport.get_extra_info("sockname")[1])
        log.info("SNMP traps: listening on %s:%d", host, self.port)

    def _resource(self, address: str) -> dict[str, Any]:
        for st in self.status.values():
            if st.kind == "snmp" and st.address.rpartition(":")[0] == address and st.resource is not None:
                return dict(st.resource)
        return {"host.ip": address}

    def _notified(self, note: Notification) -> None:
        # datagram_received runs on the loop thread: deliveries are offered directly
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

        from netrosetta.collectors.snmp.traps import encode_trap_logs, log_record
        from netrosetta.engine.mib_index import MibIndex

        rec = log_record(note, MibIndex.default())
        rec["resource"] = self._resource(note.source[0])
        req = ExportLogsServiceRequest.FromString(encode_trap_logs([rec]))
        for d in self.deliveries:
            if "logs" in d.signals:
                d.offer(req, 1)
        self.delivered += 1

    def status_json(self) -> dict[str, Any]:
        st = self.receiver.stats if self.receiver is not None else None
        return {"listen": f"{self.cfg.address()[0]}:{self.port}", "delivered": self.delivered,
                "received": st.received if st else 0, "accepted": st.accepted if st else 0,
                "informs_answered": st.informs_answered if st else 0,
                "refused": dict(st.refused) if st else {}}

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
