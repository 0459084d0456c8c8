"""Datasets (organisation admins): create, list, rename, browse folders, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.api.schemas.datasets import (
    DatasetCreateIn,
    DatasetOut,
    DatasetUpdateIn,
    FolderImportIn,
    FolderListingOut,
    FolderOut,
)
from pixelwise.api.schemas.jobs import JobOut
from pixelwise.api.schemas.projects import AssetOut
from pixelwise.domain.permissions import Action
from pixelwise.services import datasets, imports
from pixelwise.services.context import Actor

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
        ctx, actor, dataset_id, body.path, in_place=body.in_place, folder=body.folder
    )
    return JobOut.model_validate(job)
