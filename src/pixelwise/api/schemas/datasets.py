"""Bodies for datasets and their folders."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from pixelwise.api.schemas.common import PageOut, RequestBody, ResponseBody
from pixelwise.api.schemas.projects import AssetOut


class DatasetCreateIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)


class DatasetUpdateIn(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class DatasetOut(ResponseBody):
    id: int
    name: str
    description: str
    created_at: datetime
    asset_count: int
    total_bytes: int


class FolderOut(ResponseBody):
    name: str
    path: str
    asset_count: int = Field(description="Assets in this folder and below it.")


class FolderListingOut(ResponseBody):
    path: str = Field(description="The folder listed; '' is the top of the dataset.")
    folders: list[FolderOut]
    assets: PageOut[AssetOut]


class MediaOptionsIn(RequestBody):
    extract_frames: bool = Field(
        False, description="Also turn each video into a folder of JPEG image assets."
    )
    frame_step: int = Field(1, ge=1, le=100_000, description="Keep every n-th frame.")


class FolderImportIn(MediaOptionsIn):
    path: str = Field(min_length=1, max_length=4096, description="Absolute path on the server.")
    in_place: bool = Field(
        False, description="Register the files where they are instead of copying them."
    )
    folder: str = Field("", max_length=1000, description="Dataset folder to import into.")


class ArchiveImportIn(MediaOptionsIn):
    path: str = Field(
        min_length=1, max_length=4096, description="Absolute path of the archive on the server."
    )
    folder: str = Field("", max_length=1000, description="Dataset folder to unpack into.")


class DicomWebImportIn(RequestBody):
    url: str = Field(
        min_length=1, max_length=4096,
        description="WADO-RS URL: <service root>/studies/<uid>[/series/<uid>[/instances/<uid>]]",
    )  # fmt: skip
    folder: str = Field("", max_length=1000, description="Dataset folder to import into.")
