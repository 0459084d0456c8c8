"""Work items: one per asset of a project's dataset (or folder), made when the project is
created and whenever assets are added to the dataset later."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import String

from pixelwise.db.models import Asset, Project, WorkItem


def in_folder(
    folder: InstrumentedAttribute[str] | ColumnElement[str],
    asset_folder: InstrumentedAttribute[str] | ColumnElement[str],
) -> ColumnElement[bool]:
    """True for assets in `folder` or below it ("" is the whole dataset)."""
    prefix = folder + "/"
    return or_(
        folder == "",
        asset_folder == folder,
        func.substr(asset_folder, 1, func.length(prefix)) == prefix,
    )


def add_missing(session: Session, *, dataset_id: int, after_asset_id: int = 0) -> int:
    """Create the items missing for assets of `dataset_id` (with ids above `after_asset_id`)
    in every project over that dataset; returns how many were made."""
    missing = (
        select(
            Project.id,
            Asset.id,
            literal(0),
            literal("queued"),
            literal(0),
            literal(0),
            literal_column("'{}'", String),
            literal(0.0),
        )
        .join(Asset, Asset.dataset_id == Project.dataset_id)
        .where(
            Project.dataset_id == dataset_id,
            Asset.id > after_asset_id,
            in_folder(Project.folder, Asset.folder),
            ~exists().where(
                and_(
                    WorkItem.project_id == Project.id,
                    WorkItem.asset_id == Asset.id,
                    WorkItem.round == 0,
                )
            ),
        )
    )
    columns = [
        "project_id",
        "asset_id",
        "round",
        "state",
        "revision",
        "object_count",
        "answers",
        "time_spent",
    ]
    result = session.execute(insert(WorkItem).from_select(columns, missing))
    return int(getattr(result, "rowcount", 0) or 0)


def last_asset_id(session: Session) -> int:
    """The highest asset id so far (items for assets added after it are made by
    `add_missing(..., after_asset_id=...)`)."""
    return int(session.scalar(select(func.max(Asset.id))) or 0)
