"""Device API target configuration (pydantic v2) and per-platform default commands."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from netrosetta.collectors.recording import TargetBase


class ApiCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str                    # CLI command (eAPI/NX-API) or RESTCONF data path
    format: Literal["json", "text"] = "json"


class ApiTarget(TargetBase):
    kind: Literal["api"] = "api"
    api: Literal["eapi", "nxapi", "restconf"]
    # optional here: without it the rulebook is matched from `show version` read through the API
    platform: str | None = None  # type: ignore[assignment]
    port: int | None = 443
    verify_tls: bool = True          # on by default; turning it off is logged
    ca_file: Path | None = None      # trust this CA / pinned self-signed cert
    commands: list[ApiCommand] | None = None   # default: PLANS[platform]


PLANS: dict[str, list[ApiCommand]] = {
    "arista_eos": [ApiCommand(command="show version"), ApiCommand(command="show interfaces"),
                   ApiCommand(command="show system environment temperature"),
                   ApiCommand(command="show system environment cooling"),
                   ApiCommand(command="show system environment power"),
                   ApiCommand(command="show processes top once", format="text")],
    "cisco_nxos": [ApiCommand(command="show version"), ApiCommand(command="show interface"),
                   ApiCommand(command="show environment")],
}
# the platform an API implies, for the default commands when none is configured
API_PLATFORMS = {"eapi": "arista_eos", "nxapi": "cisco_nxos"}
ENDPOINTS = {"eapi": "/command-api", "nxapi": "/ins", "restconf": "/restconf/data/"}
