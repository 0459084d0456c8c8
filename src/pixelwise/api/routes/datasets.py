"""Datasets (organisation admins): create, list, rename, browse folders, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.api.schemas.datasets import (
    ArchiveImportIn,
    DatasetCreateIn,
    DatasetOut,
    DatasetUpdateIn,
    DicomWebImportIn,
    FolderImportIn,
    FolderListingOut,
    FolderOut,
    MediaOptionsIn,
)
from pixelwise.api.schemas.jobs import JobOut
from pixelwise.api.schemas.projects import AssetOut
from pixelwise.domain.permissions import Action
from pixelwise.services import datasets, imports, uploads
from pixelwise.services.context import Actor
from pixelwise.services.import_run import ImportOptions


def _options(body: MediaOptionsIn) -> ImportOptions:
    return ImportOptions(extract_frames=body.extract_frames, frame_step=body.frame_step)


router = APIRouter(prefix="/api/datasets", tags=["datasets"])
Reader = Annotated[Actor, Depends(permit(Action.DATASET_READ))]
Manager = Annotated[Actor, Depends(permit(Action.DATASET_MANAGE))]


@router.post("", response_model=DatasetOut, status_code=201)
def create_dataset(body: DatasetCreateIn, ctx: CtxDep, actor: Manager) -> DatasetOut:
    """A new, empty dataset (names are unique)."""
    info = datasets.create_dataset(ctx, actor, name=body.name, description=body.description)
    return DatasetOut.model_validate(info)


@router.get("", response_model=PageOut[DatasetOut])
def list_datasets(
    ctx: CtxDep, _: Reader, cursor: Cursor = None, limit: Limit = 50
) -> PageOut[DatasetOut]:
    """Datasets with their number of assets and total size."""
    return page_out(DatasetOut, datasets.list_datasets(ctx, cursor=cursor, limit=limit))


@router.get("/{dataset_id}", response_model=DatasetOut)
def get_dataset(dataset_id: IdPath, ctx: CtxDep, _: Reader) -> DatasetOut:
    return DatasetOut.model_validate(datasets.get_dataset(ctx, dataset_id))


@router.patch("/{dataset_id}", response_model=DatasetOut)
def update_dataset(
    dataset_id: IdPath, body: DatasetUpdateIn, ctx: CtxDep, actor: Manager
) -> DatasetOut:
    """Rename a dataset or change its description."""
    info = datasets.update_dataset(
        ctx, actor, dataset_id, name=body.name, description=body.description
    )
    return DatasetOut.model_validate(info)


@router.get("/{dataset_id}/browse", response_model=FolderListingOut)
def browse(
    dataset_id: IdPath,
    ctx: CtxDep,
    _: Reader,
    folder: Annotated[str, Query(max_length=1000, description="'' for the top.")] = "",
    cursor: Cursor = None,
    limit: Limit = 100,
) -> FolderListingOut:
    """The subfolders of a folder and a page of the assets directly in it."""
    listing = datasets.browse(ctx, dataset_id, folder=folder, cursor=cursor, limit=limit)
    return FolderListingOut(
        path=listing.path,
        folders=[FolderOut.model_validate(f) for f in listing.folders],
        assets=page_out(AssetOut, listing.assets),
    )


@router.delete("/{dataset_id}", status_code=204)
def delete_dataset(
    dataset_id: IdPath,
    ctx: CtxDep,
    actor: Manager,
    force: Annotated[
        bool, Query(description="Also when projects use it: they are detached from it.")
    ] = False,
) -> None:
    """Delete the dataset, its assets and the files it owns. 409 lists the projects using it."""
    datasets.delete_dataset(ctx, actor, dataset_id, force=force)


@router.post("/{dataset_id}/imports/folder", response_model=JobOut, status_code=202)
def import_folder(dataset_id: IdPath, body: FolderImportIn, ctx: CtxDep, actor: Manager) -> JobOut:
    """Import a folder on the server (under PIXELWISE_IMPORT_ROOTS) as a background job;
    its result lists every file imported, skipped or failed, with the reason."""
    job = imports.start_folder_import(
        ctx, actor, dataset_id, body.path, in_place=body.in_place, folder=body.folder,
        options=_options(body),
    )  # fmt: skip
    return JobOut.model_validate(job)


@router.post("/{dataset_id}/imports/archive", response_model=JobOut, status_code=202)
def import_archive(
    dataset_id: IdPath, body: ArchiveImportIn, ctx: CtxDep, actor: Manager
) -> JobOut:
    """Unpack an archive on the server (under PIXELWISE_IMPORT_ROOTS) into the dataset as a
    background job: zip, tar, tar.gz, tar.bz2, tar.xz or one .gz file. Unsafe entries (links,
    paths leaving the archive, devices, files over the limit) are refused in the report; an
    archive expanding past the size or ratio limits is stopped."""
    job = imports.start_archive_import(
        ctx, actor, dataset_id, body.path, folder=body.folder, options=_options(body)
    )
    return JobOut.model_validate(job)


async def _receive(request: Request, receiving: uploads.Upload | uploads.CsvUpload) -> JobOut:
    """Stream the request body into an upload, then start its import job."""
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(receiving.feed, chunk)
    except BaseException:
        receiving.abort()
        raise
    job = await run_in_threadpool(receiving.finish)
    return JobOut.model_validate(job)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            }
        },
    }
}


@router.post(
    "/{dataset_id}/uploads", response_model=JobOut, status_code=202, openapi_extra=UPLOAD_BODY
)
async def upload(
    dataset_id: IdPath,
    request: Request,
    ctx: CtxDep,
    actor: Manager,
    folder: Annotated[str, Query(max_length=1000, description="Dataset folder to add to.")] = "",
    extract_frames: Annotated[
        bool, Query(description="Also turn each video into a folder of JPEG image assets.")
    ] = False,
    frame_step: Annotated[int, Query(ge=1, le=100_000, description="Every n-th frame.")] = 1,
) -> JobOut:
    """Upload files and whole folders (multipart/form-data, one part per file whose file name
    is its relative path, e.g. `trip/day1/0001.jpg`); archives among them are unpacked into
    a folder named after them. The files are imported by a background job whose result lists
    every file imported, skipped or failed, with the reason. Limits: PIXELWISE_MAX_FILE_BYTES
    per file (larger files are refused in the report), PIXELWISE_MAX_UPLOAD_BYTES per
    request (413)."""
    length = request.headers.get("content-length")
    receiving = await run_in_threadpool(
        uploads.begin_upload, ctx, actor, dataset_id, folder=folder,
        content_type=request.headers.get("content-type", ""),
        content_length=int(length) if length and length.isdigit() else None,
        options=ImportOptions(extract_frames=extract_frames, frame_step=frame_step),
    )  # fmt: skip
    return await _receive(request, receiving)


@router.post(
    "/{dataset_id}/imports/urls",
    response_model=JobOut,
    status_code=202,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_urls(
    dataset_id: IdPath,
    request: Request,
    ctx: CtxDep,
    actor: Manager,
    folder: Annotated[str, Query(max_length=1000, description="Dataset folder to add to.")] = "",
    register_only: Annotated[
        bool,
        Query(description="Register the URLs without downloading them (served by proxy)."),
    ] = False,
) -> JobOut:
    """Import the URLs of a CSV (the request body, `text/csv`): a header line naming the
    column `url`, and optionally `folder` and `name`. http(s) URLs and DICOMweb (WADO-RS)
    study, series or instance URLs. Fetched by a background job with bounded concurrency,
    timeouts and size and redirect limits; loopback, private, link-local and metadata
    addresses are refused unless PIXELWISE_URL_ALLOW_HOSTS names them."""
    length = request.headers.get("content-length")
    receiving = await run_in_threadpool(
        uploads.begin_csv_upload, ctx, actor, dataset_id, folder=folder,
        register_only=register_only,
        content_length=int(length) if length and length.isdigit() else None,
    )  # fmt: skip
    return await _receive(request, receiving)


@router.post("/{dataset_id}/imports/dicomweb", response_model=JobOut, status_code=202)
def import_dicomweb(
    dataset_id: IdPath, body: DicomWebImportIn, ctx: CtxDep, actor: Manager
) -> JobOut:
    """Fetch a DICOMweb study, series or instance (its WADO-RS URL) as a background job:
    QIDO-RS lists the instances, WADO-RS fetches them, and each series becomes one asset."""
    job = imports.start_dicomweb_import(ctx, actor, dataset_id, body.url, folder=body.folder)
    return JobOut.model_validate(job)
