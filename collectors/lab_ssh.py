"""What the SSH-based lab simulators (NETCONF, CLI) share: the login check of a simulated device."""

from __future__ import annotations

from collections.abc import Collection

import asyncssh


def device_auth(username: str, password: str | None, client_keys: Collection[bytes]) -> type[asyncssh.SSHServer]:
    """An SSHServer class accepting ``username`` with ``password`` or one of the public keys."""

    class _DeviceAuth(asyncssh.SSHServer):
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
