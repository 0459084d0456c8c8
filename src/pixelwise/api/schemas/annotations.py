"""Request and response shapes of work items and their annotations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.domain.annotations import AnnotationPatch, AnnotationReplace


def _holds_nul(value: object) -> bool:
    """Whether any string in `value` (keys included) holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _nul_path(value: object, path: str) -> str | None:
    """Where the first NUL is (only asked once one was found)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    children: list[tuple[object, str]] = []
    if isinstance(value, dict):
        children = [(key, path) for key in value] + [(v, f"{path}.{k}") for k, v in value.items()]
    elif isinstance(value, list):
        children = [(item, f"{path}[{index}]") for index, item in enumerate(value)]
    for child, where in children:
        if (found := _nul_path(child, where)) is not None:
            return found
    return None


def _refuse_nul(value: object) -> None:
    """No string anywhere in an annotation may hold NUL (PostgreSQL cannot store it)."""
    if _holds_nul(value):
        where = _nul_path(value, "body") or "body"
        raise ValueError(f"{where} holds a NUL character, which no text may contain")


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
