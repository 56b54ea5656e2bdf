"""SNMP request errors, shared by every client (and the factory in client.py, which imports the
clients: keeping the errors here keeps the clients from importing the factory back)."""

from __future__ import annotations

from netrosetta.errors import NetrosettaError


class SnmpError(NetrosettaError):
    """An SNMP request failed; the message names the target (host:port) and never a secret."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target


class SnmpTimeout(SnmpError):
    """No response after all tries: unreachable, filtered, or (v1/v2c) a wrong community."""


class SnmpAuthError(SnmpError):
    """SNMPv3 authentication/privacy failure (unknown user, wrong key, unsupported level...)."""
