"""What the SSH-based lab simulators (NETCONF, CLI) share: the login check of a simulated device,
and the device's own view of its sessions (logins counted, sessions it can cut)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import asyncssh


@dataclass
class Sessions:
    """The device side: how many logins succeeded, and the connections open now."""

    logins: int = 0
    open: set[asyncssh.SSHServerConnection] = field(default_factory=set)

    def drop_all(self) -> int:
        """Cut every open session, as a device reload or a firewall would; returns how many."""
        conns, self.open = list(self.open), set()
        for conn in conns:
            conn.abort()
        return len(conns)


def device_auth(username: str, password: str | None, client_keys: Collection[bytes],
                sessions: Sessions | None = None) -> type[asyncssh.SSHServer]:
    """An SSHServer class accepting ``username`` with ``password`` or one of the public keys."""
    seen = sessions if sessions is not None else Sessions()

    class _DeviceAuth(asyncssh.SSHServer):
        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            self._conn = conn

        def connection_lost(self, exc: Exception | None) -> None:
            seen.open.discard(self._conn)

        def auth_completed(self) -> None:
            seen.logins += 1
            seen.open.add(self._conn)

        def begin_auth(self, user: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, user: str, pw: str) -> bool:
            return user == username and pw == password

        def public_key_auth_supported(self) -> bool:
            return bool(client_keys)

        def validate_public_key(self, user: str, key: asyncssh.SSHKey) -> bool:
            return user == username and key.export_public_key("openssh") in client_keys

    return _DeviceAuth
