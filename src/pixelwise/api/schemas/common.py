"""Shapes shared by every router: strict request bodies, pages, query limits."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, field_validator

from pixelwise.domain.pagination import MAX_LIMIT, Page

T = TypeVar("T")


class RequestBody(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """No text field may hold a NUL character (PostgreSQL cannot store one)."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value


class ResponseBody(BaseModel):
    """Base of response bodies, built from the services' result objects."""

    model_config = ConfigDict(from_attributes=True)


class PageOut(ResponseBody, Generic[T]):
    """One page of a listing; pass `next_cursor` as `cursor` to get the next (null at the end)."""

    items: list[T]
    next_cursor: str | None


M = TypeVar("M", bound=ResponseBody)


def page_out(model: type[M], page: Page[Any]) -> PageOut[M]:
    """A service's page as the response schema, each item converted to `model`."""
    schema = cast(type[PageOut[M]], PageOut[model])  # type: ignore[valid-type]
    return schema(
        items=[model.model_validate(item) for item in page.items], next_cursor=page.next_cursor
    )


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="next_cursor of the previous page.")
]

MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
