"""CLI target configuration (pydantic v2) and per-platform default commands and templates."""

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
    commands: list[CliCommand] | None = None   # default: the rulebook's / PLANS[platform]

    def scrub(self, text: str) -> str:
        text = super().scrub(text)
        if self.secret is not None and self.secret.get_secret_value():
            text = text.replace(self.secret.get_secret_value(), "***")
        return text


T = "templates/"
PLANS: dict[str, list[CliCommand]] = {
    "cisco_ios": [CliCommand(command="show interfaces", template=T + "cisco_ios/show_interfaces.ttp"),
                  CliCommand(command="show processes cpu"),
                  CliCommand(command="show processes memory sorted"),
                  CliCommand(command="show environment temperature")],
    "cisco_nxos": [CliCommand(command="show interface", template=T + "cisco_nxos/show_interface.ttp")],
    "cisco_xr": [CliCommand(command="show interfaces", template=T + "cisco_xr/show_interfaces.ttp")],
    "arista_eos": [CliCommand(command="show interfaces", template=T + "arista_eos/show_interfaces.ttp")],
    # juniper_junos: no CLI plan — collect Junos over NETCONF (`show interfaces` prints no
    # per-cast or byte counters; no real `extensive` capture to build a template against)
    "huawei_vrp": [CliCommand(command="display interface", template=T + "huawei_vrp/display_interface.ttp")],
}
