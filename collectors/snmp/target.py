"""One SNMP device to poll: address, protocol version, credentials and request pacing."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from netrosetta.collectors.schedule import Schedule
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.target_options import TargetOptions


def _versions_as_yaml_writes_them(schema: dict[str, Any]) -> None:
    # `version: 3` is an int in YAML and the loader accepts it (_version_as_str): so must the schema
    schema.pop("type", None)
    schema["enum"] = ["1", "2c", "3", 1, 3]


class SnmpTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    host: str = Field(min_length=1)
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["1", "2c", "3"] = Field(default="2c", json_schema_extra=_versions_as_yaml_writes_them)
    credentials: SnmpV2cCredentials | SnmpV3Credentials
    timeout: float = Field(default=2.0, gt=0, le=60, description="seconds per request try")
    retries: int = Field(default=2, ge=0, le=10, description="extra tries after the first")
    max_repetitions: int = Field(default=25, ge=1, le=255)
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _version_as_str(cls, data: object) -> object:
        # YAML gives `version: 3` as an int
        if isinstance(data, dict) and isinstance(data.get("version"), int):
            data = {**data, "version": str(data["version"])}
        return data

    @model_validator(mode="after")
    def _credentials_match_version(self) -> SnmpTarget:
        if self.version == "3" and not isinstance(self.credentials, SnmpV3Credentials):
            raise ValueError("version 3 needs v3 credentials (user, auth/priv)")
        if self.version != "3" and not isinstance(self.credentials, SnmpV2cCredentials):
            raise ValueError(f"version {self.version} needs a community")
        return self

    @property
    def address(self) -> str:
        """host:port, the only way a target is named in messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _creds_kind(v: Any) -> str:
    if isinstance(v, dict):
        return "v3" if "user" in v else "v2c"
    return "v3" if isinstance(v, SnmpV3Credentials) else "v2c"


class SnmpTargetSpec(SnmpTarget, Schedule, TargetOptions):
    """An SNMP device as the service config lists it: the target plus its schedule."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)
    # tagged by its keys, so an error names the one wrong field, not both union branches
    credentials: Annotated[Annotated[SnmpV2cCredentials, Tag("v2c")] | Annotated[SnmpV3Credentials, Tag("v3")],
                           Discriminator(_creds_kind)]
