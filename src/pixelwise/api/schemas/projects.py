"""Bodies for projects, members and assets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pixelwise.api.schemas.common import MAX_ID, RequestBody, ResponseBody
from pixelwise.domain.permissions import ProjectRole


class ProjectCreateIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    dataset_id: int | None = Field(None, ge=1, le=MAX_ID)
    folder: str = Field(
        "", max_length=1000, description="Only the assets in this folder of the dataset."
    )
    instruction_id: int | None = Field(None, ge=1, le=MAX_ID)
    instruction_version: int | None = Field(
        None, ge=1, le=2**31, description="The version to pin; its latest when left out."
    )
    workflow: dict[str, Any] | None = Field(
        None,
        description="consensus_share, consensus_count, gold_share, review_policy "
        "(none | all | sample), review_share.",
    )


class ProjectUpdateIn(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    workflow: dict[str, Any] | None = None


class ProjectOut(ResponseBody):
    id: int
    name: str
    description: str
    dataset_id: int | None
    folder: str
    instruction_id: int | None
    instruction_version: int | None
    workflow: dict[str, Any]
    item_count: int
    created_at: datetime


class InstructionChangeIn(RequestBody):
    instruction_id: int = Field(ge=1, le=MAX_ID)
    version: int | None = Field(None, ge=1, le=2**31, description="Its latest when left out.")
    dry_run: bool = Field(False, description="Only report what the change would do.")


class ProblemOut(ResponseBody):
    path: str
    message: str


class InstructionChangeOut(ResponseBody):
    ok: bool
    applied: bool
    instruction_id: int
    version: int
    changes: list[str]
    problems: list[ProblemOut]
    migrated_objects: int


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


class ProgressOut(ResponseBody):
    total: int
    by_state: dict[str, int] = Field(
        description="Items in each state (queued, leased, submitted, skipped, in_review, "
        "accepted, rejected), zeros included."
    )
    new: int = Field(description="Queued or leased items never saved.")
    in_progress: int = Field(description="Queued or leased items with at least one save.")
    done: int = Field(description="Submitted, in review, accepted or rejected items.")


class PlacedItemOut(ResponseBody):
    position: int = Field(description="1-based place in the item list (id order).")
    id: int
    asset_id: int
    folder: str
    name: str
    kind: str
    width: int | None
    height: int | None
    state: str
    revision: int
    object_count: int


class ItemWindowOut(ResponseBody):
    total: int
    anchor_id: int
    anchor_position: int
    items: list[PlacedItemOut]


class FoundItemsOut(ResponseBody):
    items: list[PlacedItemOut]
