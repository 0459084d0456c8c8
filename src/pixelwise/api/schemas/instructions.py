"""Request and response bodies of labeling instructions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pixelwise.api.schemas.common import RequestBody, ResponseBody


class InstructionCreateIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    document: dict[str, Any] = Field(
        description="The instruction (see GET /api/instructions/schema)."
    )


class VersionIn(RequestBody):
    document: dict[str, Any] = Field(
        description="The instruction (see GET /api/instructions/schema)."
    )


class InstructionOut(ResponseBody):
    id: int
    name: str
    description: str
    latest_version: int
    created_at: datetime


class VersionOut(ResponseBody):
    instruction_id: int
    version: int
    document: dict[str, Any]
    created_by: int | None
    created_at: datetime


class InstructionUpdateIn(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class VersionSummaryOut(ResponseBody):
    version: int
    created_by: int | None
    created_by_name: str | None = Field(description="The author's name, or email without one.")
    created_at: datetime
    pinned_by: int = Field(description="How many projects pin this version.")
