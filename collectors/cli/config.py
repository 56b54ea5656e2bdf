"""CLI target configuration (pydantic v2); per-platform commands live in mappings/platforms/."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from netrosetta.collectors.recording import TargetBase


class CliCommand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str
    template: str | None = None       # None = ntc-templates; else a TTP file under mappings/


class CliTarget(TargetBase):
    kind: Literal["cli"] = "cli"
    port: int | None = 22
    secret: SecretStr | None = None   # enable secret, when the platform needs one
    key_file: Path | None = None      # SSH private key (instead of / besides the password)
    known_hosts: Path | None = None   # default ~/.ssh/known_hosts
    hostkey_verify: bool = True       # on by default; turning it off is logged
    commands: list[CliCommand] | None = None   # default: what the rulebook reads / the platform definition's
    persistent: bool = True           # keep one SSH session between polls (else log in per poll)

    def scrub(self, text: str) -> str:
        text = super().scrub(text)
        if self.secret is not None and self.secret.get_secret_value():
            text = text.replace(self.secret.get_secret_value(), "***")
        return text

