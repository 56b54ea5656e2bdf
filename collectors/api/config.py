"""Device API target configuration (pydantic v2); per-platform commands live in mappings/platforms/."""

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
    commands: list[ApiCommand] | None = None   # default: the platform definition's


ENDPOINTS = {"eapi": "/command-api", "nxapi": "/ins", "restconf": "/restconf/data/"}
