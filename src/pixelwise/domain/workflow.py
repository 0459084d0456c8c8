"""A project's workflow settings: how much work is labelled twice or more (consensus), how
much is gold (known answers), and what gets reviewed. Stored now; the quality workflow
acts on them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pixelwise.domain.errors import InvalidInput

Share = Annotated[float, Field(ge=0, le=1)]


class ReviewPolicy(StrEnum):
    """Which submitted items a reviewer sees: none, every one, or a random share."""

    NONE = "none"
    ALL = "all"
    SAMPLE = "sample"


class Workflow(BaseModel):
    """`consensus_share` of items is labelled by `consensus_count` annotators each;
    `gold_share` of items are gold; `review_share` applies when the policy is `sample`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    consensus_share: Share = 0.0
    consensus_count: Annotated[int, Field(ge=2, le=10)] = 2
    gold_share: Share = 0.0
    review_policy: ReviewPolicy = ReviewPolicy.NONE
    review_share: Share = 0.0

    @model_validator(mode="after")
    def _check(self) -> Workflow:
        if self.review_policy is ReviewPolicy.SAMPLE and self.review_share == 0:
            raise ValueError("review_policy `sample` needs a review_share above 0")
        return self


def parse_workflow(data: object) -> Workflow:
    """The settings in JSON-like `data` (None: the defaults); InvalidInput naming the field."""
    if data is None:
        return Workflow()
    try:
        return Workflow.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        path = ".".join(["workflow", *(str(p) for p in first["loc"])])
        raise InvalidInput(f"{path}: {first['msg']}.", field=path) from None
