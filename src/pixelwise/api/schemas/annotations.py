"""Request and response shapes of work items and their annotations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.domain.annotations import AnnotationPatch, AnnotationReplace


def _refuse_nul(value: object, path: str = "body") -> None:
    """No string anywhere in an annotation may hold NUL (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path} holds a NUL character, which no text may contain")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, path)
            _refuse_nul(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{path}[{index}]")


class AnnotationPatchIn(AnnotationPatch):
    __doc__ = AnnotationPatch.__doc__

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _refuse_nul(data)
        return data


class AnnotationReplaceIn(AnnotationReplace):
    __doc__ = AnnotationReplace.__doc__

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _refuse_nul(data)
        return data


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
