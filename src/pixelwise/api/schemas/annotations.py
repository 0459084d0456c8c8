"""Request and response shapes of work items and their annotations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.domain.annotations import AnnotationPatch, AnnotationReplace


class AnnotationPatchIn(AnnotationPatch):
    __doc__ = AnnotationPatch.__doc__


class AnnotationReplaceIn(AnnotationReplace):
    __doc__ = AnnotationReplace.__doc__


class SearchIn(RequestBody):
    filter: dict[str, Any] | None = Field(
        None, description="An item filter (see the item filter language in docs/api.md)."
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=1000)


class SubmitIn(RequestBody):
    base_revision: int = Field(ge=0, le=2**31)


class ItemOut(ResponseBody):
    id: int
    asset_id: int
    folder: str
    name: str
    kind: str
    width: int | None
    height: int | None
    state: str
    round: int
    assignee_id: int | None
    revision: int
    object_count: int
    time_spent: float
    updated_by: int | None
    updated_at: datetime | None


class AnnotationOut(ResponseBody):
    item_id: int
    revision: int
    objects: list[dict[str, Any]]
    answers: dict[str, Any]


class SaveOut(ResponseBody):
    item_id: int
    revision: int
    replayed: bool = Field(description="True when this request id was saved before.")
    put: list[str] = Field(description="Ids of the objects put, in request order.")
    deleted: list[str]


class RevisionOut(ResponseBody):
    revision: int
    request_id: str
    user_id: int | None
    at: datetime
    time_spent: float
    summary: dict[str, Any]


class SubmitOut(ResponseBody):
    item_id: int
    revision: int
    state: str
