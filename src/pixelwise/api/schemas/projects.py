"""Bodies for projects, members and assets."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from pixelwise.api.schemas.common import MAX_ID, RequestBody, ResponseBody
from pixelwise.domain.permissions import ProjectRole


class ProjectCreateIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    dataset_id: int | None = Field(None, ge=1, le=MAX_ID)


class ProjectUpdateIn(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class ProjectOut(ResponseBody):
    id: int
    name: str
    description: str
    dataset_id: int | None
    created_at: datetime


class MemberIn(RequestBody):
    role: ProjectRole


class MemberOut(ResponseBody):
    user_id: int
    email: str
    name: str
    role: ProjectRole


class AssetOut(ResponseBody):
    id: int
    dataset_id: int
    folder: str
    name: str
    kind: str
    media_type: str
    size_bytes: int
    width: int | None
    height: int | None
    frame_count: int | None
    created_at: datetime
