"""A project's work items: listing them with a filter, page by page, and reading one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from pixelwise.db.models import Asset, Project, WorkItem
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.domain.item_filter import ItemFilter
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.services.context import Context
from pixelwise.services.item_query import item_condition


@dataclass(frozen=True)
class ItemInfo:
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


_COLUMNS = (
    WorkItem.id,
    WorkItem.asset_id,
    Asset.folder,
    Asset.name,
    Asset.kind,
    Asset.width,
    Asset.height,
    WorkItem.state,
    WorkItem.round,
    WorkItem.assignee_id,
    WorkItem.revision,
    WorkItem.object_count,
    WorkItem.time_spent,
    WorkItem.updated_by,
    WorkItem.updated_at,
)


_PROJECT_EXISTS = select(Project.id).where(Project.id == bindparam("project_id"))


def list_items(
    ctx: Context,
    project_id: int,
    *,
    where: ItemFilter | None,
    cursor: str | None,
    limit: int,
) -> Page[ItemInfo]:
    """The project's items matching `where`, in id order, `limit` at a time."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, int):
        raise InvalidInput("cursor is not from this list; start again without it.", field="cursor")
    query = (
        select(*_COLUMNS)
        .join(Asset, Asset.id == WorkItem.asset_id)
        .where(WorkItem.project_id == project_id, item_condition(where, ctx.database.dialect))
        .order_by(WorkItem.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(WorkItem.id > after)
    with ctx.database.read_connection() as connection:
        items = [ItemInfo(**row._mapping) for row in connection.execute(query)]
        if not items and connection.scalar(_PROJECT_EXISTS, {"project_id": project_id}) is None:
            raise NotFound(f"There is no project {project_id}.")
    return page_from(items, limit, key=lambda item: item.id)


def get_item(ctx: Context, project_id: int, item_id: int) -> ItemInfo:
    with ctx.database.read() as session:
        row = session.execute(
            select(*_COLUMNS)
            .join(Asset, Asset.id == WorkItem.asset_id)
            .where(WorkItem.id == item_id, WorkItem.project_id == project_id)
        ).one_or_none()
    if row is None:
        raise NotFound(f"Project {project_id} has no item {item_id}.")
    return ItemInfo(**row._mapping)
