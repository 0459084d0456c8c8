"""Datasets: create, list with counts and sizes, rename, browse folders, delete without orphans.

Every blob a dataset owns (copied originals and their renditions) lives under the storage
folder `datasets/<id>/`, so deleting a dataset removes exactly that folder; files registered
in place stay where their owner keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pixelwise.db.models import Asset, Dataset, Project
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.services import audit
from pixelwise.services.assets import AssetInfo, asset_info
from pixelwise.services.context import Actor, Context


def blob_prefix(dataset_id: int) -> str:
    """The storage folder that holds every blob the dataset owns."""
    return f"datasets/{dataset_id}/"


@dataclass(frozen=True)
class DatasetInfo:
    id: int
    name: str
    description: str
    created_at: datetime
    asset_count: int
    total_bytes: int


@dataclass(frozen=True)
class FolderInfo:
    name: str
    path: str
    asset_count: int


@dataclass(frozen=True)
class FolderListing:
    """One folder: its direct subfolders (all) and a page of the assets directly in it."""

    path: str
    folders: list[FolderInfo]
    assets: Page[AssetInfo]


@dataclass(frozen=True)
class DatasetDeletion:
    dataset_id: int
    assets_removed: int
    blobs_removed: int
    projects_detached: list[int]


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("A dataset needs a name.", field="name")
    return name


def _stats(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Asset.dataset_id, func.count(Asset.id), func.coalesce(func.sum(Asset.size_bytes), 0))
        .where(Asset.dataset_id.in_(ids))
        .group_by(Asset.dataset_id)
    ).all()
    return {dataset_id: (int(count), int(size)) for dataset_id, count, size in rows}


def _info(row: Dataset, stats: dict[int, tuple[int, int]]) -> DatasetInfo:
    count, size = stats.get(row.id, (0, 0))
    return DatasetInfo(
        id=row.id, name=row.name, description=row.description, created_at=row.created_at,
        asset_count=count, total_bytes=size,
    )  # fmt: skip


def _load(session: Session, dataset_id: int) -> Dataset:
    row = session.get(Dataset, dataset_id)
    if row is None:
        raise NotFound(f"There is no dataset {dataset_id}.")
    return row


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A dataset named {name!r} already exists; choose another name.", field="name")


def create_dataset(ctx: Context, actor: Actor, *, name: str, description: str = "") -> DatasetInfo:
    """A new, empty dataset; Conflict when the name is taken."""
    name = _check_name(name)
    try:
        with ctx.database.transaction() as session:
            if session.scalar(select(Dataset.id).where(Dataset.name == name)) is not None:
                raise _name_taken(name)
            row = Dataset(name=name, description=description, created_by=actor.user_id)
            session.add(row)
            session.flush()
            audit.record(
                session, actor, "dataset.create", target_type="dataset", target_id=row.id, name=name
            )
            return _info(row, {})
    except IntegrityError:
        raise _name_taken(name) from None


def list_datasets(ctx: Context, *, cursor: str | None, limit: int) -> Page[DatasetInfo]:
    """Datasets by id, each with its number of assets and their total size."""
    after = decode_cursor(cursor)
    query = select(Dataset).order_by(Dataset.id).limit(limit + 1)
    if after is not None:
        query = query.where(Dataset.id > int(after))
    with ctx.database.read() as session:
        rows = list(session.scalars(query))
        stats = _stats(session, [row.id for row in rows[:limit]])
    return page_from([_info(row, stats) for row in rows], limit, key=lambda info: info.id)


def get_dataset(ctx: Context, dataset_id: int) -> DatasetInfo:
    with ctx.database.read() as session:
        row = _load(session, dataset_id)
        return _info(row, _stats(session, [row.id]))


def find_dataset(ctx: Context, name: str) -> DatasetInfo | None:
    """The dataset with this name, if there is one."""
    with ctx.database.read() as session:
        row = session.scalar(select(Dataset).where(Dataset.name == name.strip()))
        return _info(row, _stats(session, [row.id])) if row else None


def update_dataset(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> DatasetInfo:
    """Rename a dataset or change its description."""
    try:
        with ctx.database.transaction() as session:
            row = _load(session, dataset_id)
            changes: dict[str, Any] = {}
            if name is not None and _check_name(name) != row.name:
                new_name = _check_name(name)
                taken = session.scalar(select(Dataset.id).where(Dataset.name == new_name))
                if taken is not None:
                    raise _name_taken(new_name)
                row.name = changes["name"] = new_name
            if description is not None and description != row.description:
                row.description = changes["description"] = description
            if changes:
                audit.record(
                    session, actor, "dataset.update", target_type="dataset", target_id=row.id,
                    **changes,
                )  # fmt: skip
            return _info(row, _stats(session, [row.id]))
    except IntegrityError:
        raise _name_taken(name or "") from None


def clean_folder(folder: str) -> str:
    """A dataset folder path as stored: '/'-separated, no empty or '.' parts; InvalidInput
    for '..'."""
    parts = [part for part in folder.replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        raise InvalidInput("A folder path cannot contain '..'.", field="folder")
    return "/".join(parts)


def browse(
    ctx: Context, dataset_id: int, *, folder: str = "", cursor: str | None, limit: int
) -> FolderListing:
    """The subfolders directly under `folder` (with the number of assets below each) and a
    page of the assets directly in it. '' is the top of the dataset."""
    path = clean_folder(folder)
    after = decode_cursor(cursor)
    with ctx.database.read() as session:
        _load(session, dataset_id)
        below = Asset.folder.startswith(path + "/", autoescape=True) if path else Asset.folder != ""
        counts = session.execute(
            select(Asset.folder, func.count(Asset.id))
            .where(Asset.dataset_id == dataset_id, below)
            .group_by(Asset.folder)
        ).all()
        query = select(Asset).where(Asset.dataset_id == dataset_id, Asset.folder == path)
        if after is not None:
            query = query.where(Asset.id > int(after))
        rows = list(session.scalars(query.order_by(Asset.id).limit(limit + 1)))
    children: dict[str, int] = {}
    start = len(path) + 1 if path else 0
    for sub, count in counts:
        child = sub[start:].split("/", 1)[0]
        children[child] = children.get(child, 0) + int(count)
    folders = [
        FolderInfo(name=name, path=f"{path}/{name}" if path else name, asset_count=count)
        for name, count in sorted(children.items())
    ]
    assets = page_from([asset_info(row) for row in rows], limit, key=lambda asset: asset.id)
    return FolderListing(path=path, folders=folders, assets=assets)


def delete_dataset(
    ctx: Context, actor: Actor, dataset_id: int, *, force: bool = False
) -> DatasetDeletion:
    """Delete a dataset, its assets and every blob it owns.

    Conflict (naming the projects) while projects use it, unless `force`: then those
    projects are kept but detached from it (they no longer have a dataset).
    """
    with ctx.database.transaction() as session:
        row = _load(session, dataset_id)
        users_of = session.execute(
            select(Project.id, Project.name).where(Project.dataset_id == dataset_id)
        ).all()
        if users_of and not force:
            names = ", ".join(f"{name!r} ({pid})" for pid, name in users_of)
            raise Conflict(
                f"Dataset {row.name!r} is used by {len(users_of)} project(s): {names}. "
                "Delete or change those projects first, or delete with force=true.",
                projects=[{"id": pid, "name": name} for pid, name in users_of],
            )
        detached = [pid for pid, _ in users_of]
        if detached:
            session.execute(update(Project).where(Project.id.in_(detached)).values(dataset_id=None))
        removed = session.scalar(select(func.count(Asset.id)).where(Asset.dataset_id == dataset_id))
        session.execute(delete(Asset).where(Asset.dataset_id == dataset_id))
        session.delete(row)
        audit.record(
            session, actor, "dataset.delete", target_type="dataset", target_id=dataset_id,
            name=row.name, assets=removed, detached_projects=detached,
        )  # fmt: skip
    blobs = ctx.blobs.delete_prefix(blob_prefix(dataset_id))
    return DatasetDeletion(dataset_id, int(removed or 0), blobs, detached)
