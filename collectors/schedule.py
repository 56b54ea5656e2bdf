"""Per-target schedule fields a kind's target model may include; the service's scheduler reads them
(``None``: the config's ``defaults:``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Schedule(BaseModel):
    """Per-target schedule; a target may override any of these."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    interval: float | None = Field(None, gt=0, le=86400, description="seconds between polls")
    jitter: float | None = Field(None, ge=0, le=1, description="fraction of the interval the first poll is "
                                 "spread over, so targets do not all poll at once")
    poll_timeout: float | None = Field(None, gt=0, le=3600, description="a whole poll's deadline, seconds")
