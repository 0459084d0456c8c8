"""Bodies for project exports: the request that starts one, the listing of its files."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.services.jobs import JobState


class ExportIn(RequestBody):
    format: Literal["json", "coco", "masks"] = Field(
        description="json: everything Pixelwise stores; coco: COCO JSON with Pixelwise "
        "extensions; masks: a zip of class-index and instance PNGs."
    )
    filter: dict[str, Any] | None = Field(
        None, description="Item filter (the item filter language); null exports every item."
    )
    include_revisions: bool = Field(
        False, description="json only: add each item's revisions and their changes."
    )


class ExportFileOut(ResponseBody):
    name: str
    size_bytes: int
    items: int = Field(description="Work items in this file.")
    objects: int = Field(description="Annotation objects in this file.")
    first_item_id: int | None
    last_item_id: int | None


class ExportFilesOut(ResponseBody):
    export_id: int
    format: str
    state: JobState
    complete: bool = Field(description="True once every file has been written.")
    total_items: int = Field(description="Items the export will hold (counted at its start).")
    files: list[ExportFileOut] = Field(description="The complete files so far, in order.")
