"""Bodies for background jobs: the job as clients see it, and the probe request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.services.jobs import JobState


class JobProgressOut(ResponseBody):
    done: int = Field(description="Units of work done so far.")
    total: int = Field(description="Units of work in all; 0 when not known yet.")
    message: str = Field(description="What the job is doing now.")


class JobOut(ResponseBody):
    id: int
    kind: str
    state: JobState
    progress: JobProgressOut
    attempt: int = Field(description="Attempts started so far (a dead worker's job is retried).")
    max_attempts: int
    cancel_requested: bool
    result: dict[str, Any] | None = Field(description="What the job produced, once done.")
    error: str | None = Field(description="Why the job failed (one line), once failed.")
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


class ProbeIn(RequestBody):
    steps: int = Field(10, ge=1, le=1000, description="Steps to count.")
    delay_seconds: float = Field(0.1, ge=0, le=60, description="Pause before each step.")
