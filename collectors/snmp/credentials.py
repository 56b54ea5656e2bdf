"""SNMP credentials: secrets are given by reference and resolved in one place.

A secret is written as ``env:VAR`` (read from the environment), ``file:PATH`` (first line of a
file, e.g. a mounted Kubernetes secret) or ``literal:VALUE`` (lab and tests only). The resolved
value is a pydantic ``SecretStr``: it prints as ``**********`` and never appears in errors
(``hide_input_in_errors``), logs or ``repr``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr, model_validator

from netrosetta.errors import NetrosettaError


class SecretRefError(NetrosettaError):
    """A secret reference could not be resolved (the message names the reference, not the value)."""


def resolve_secret(ref: str | SecretStr) -> SecretStr:
    """Resolve ``env:VAR`` / ``file:PATH`` / ``literal:VALUE`` into a SecretStr."""
    if isinstance(ref, SecretStr):
        return ref
    if not isinstance(ref, str):
        raise SecretRefError("a secret must be a string reference: env:VAR, file:PATH or literal:VALUE")
    kind, sep, rest = ref.partition(":")
    if not sep or kind not in ("env", "file", "literal"):
        # never echo the string: it may be a pasted secret
        raise SecretRefError("a secret must be written as env:VAR, file:PATH or literal:VALUE")
    if kind == "env":
        value = os.environ.get(rest)
        if value is None:
            raise SecretRefError(f"environment variable {rest!r} is not set")
    elif kind == "file":
        try:
            text = Path(rest).read_text(encoding="utf-8")
        except OSError as exc:
            raise SecretRefError(f"cannot read secret file {rest!r}: {exc.strerror}") from None
        value = text.splitlines()[0] if text else ""
    else:
        value = rest
    if not value:
        raise SecretRefError(f"secret reference {kind}:{rest if kind != 'literal' else '…'} is empty")
    return SecretStr(value)


def _validate_secret(v: object) -> SecretStr:
    if isinstance(v, SecretStr):
        return v
    if isinstance(v, str):
        try:
            return resolve_secret(v)
        except SecretRefError as exc:
            raise ValueError(exc.message) from None
    raise ValueError("a secret must be a string reference: env:VAR, file:PATH or literal:VALUE")


Secret = Annotated[SecretStr, BeforeValidator(_validate_secret)]

AuthProtocol = Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"]
# AES192/AES256 are Blumenthal key extension (RFC-draft, net-snmp); the -C variants are
# Reeder/"Cisco" key extension, which Cisco devices use.
PrivProtocol = Literal["DES", "AES", "AES192", "AES256", "AES192C", "AES256C"]


class SnmpV2cCredentials(BaseModel):
    """Community for SNMP v1 and v2c."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)
    community: Secret


class SnmpV3Credentials(BaseModel):
    """USM user; security level follows from which keys are set (noAuthNoPriv/authNoPriv/authPriv)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)
    user: str
    auth_protocol: AuthProtocol | None = None
    auth_key: Secret | None = None
    priv_protocol: PrivProtocol | None = None
    priv_key: Secret | None = None
    context_name: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> SnmpV3Credentials:
        if not self.user:
            raise ValueError("SNMPv3 user must not be empty")
        if (self.auth_protocol is None) != (self.auth_key is None):
            raise ValueError("auth_protocol and auth_key go together")
        if (self.priv_protocol is None) != (self.priv_key is None):
            raise ValueError("priv_protocol and priv_key go together")
        if self.priv_protocol is not None and self.auth_protocol is None:
            raise ValueError("privacy needs authentication (authPriv): set auth_protocol and auth_key")
        for key in (self.auth_key, self.priv_key):
            # RFC 3414 password-to-key needs at least 8 characters; net-snmp refuses shorter ones
            if key is not None and len(key.get_secret_value()) < 8:
                raise ValueError("SNMPv3 auth/priv passphrases must be at least 8 characters")
        return self

    @property
    def security_level(self) -> Literal["noAuthNoPriv", "authNoPriv", "authPriv"]:
        if self.priv_protocol:
            return "authPriv"
        return "authNoPriv" if self.auth_protocol else "noAuthNoPriv"
