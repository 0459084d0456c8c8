"""Where items stand in a project's list, for moving about in the workspace: the items
around one (the thumbnail strip), the item at a position ("go to item 1234"), and items
found by file name, each with its 1-based position.

The list order is the item list's (`GET /api/projects/{p}/items`: by id). A position is
counted on the project's (project_id, id) index, so it costs one index range scan, never
a read of every item; a project of 100 000 items answers in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, select

from pixelwise.db.models import Asset, Project, WorkItem
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services.context import Context

MAX_AROUND = 100  # items on either side of the anchor
MAX_FOUND = 50
SEARCH_STEP = 10_000  # items read per step of a file-name search


@dataclass(frozen=True)
class PlacedItem:
    """An item with its place in the list and what a thumbnail shows of it."""

    position: int
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


@dataclass(frozen=True)
class ItemWindow:
    """A run of consecutive items around an anchor item."""

    total: int
    anchor_id: int
    anchor_position: int
    items: list[PlacedItem]


_COLUMNS = (
    WorkItem.id,
    WorkItem.asset_id,
    Asset.folder,
    Asset.name,
    Asset.kind,
    Asset.width,
    Asset.height,
    WorkItem.state,
    WorkItem.revision,
    WorkItem.object_count,
)


def _listed(project_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(*_COLUMNS)
        .join(Asset, Asset.id == WorkItem.asset_id)
        .where(WorkItem.project_id == project_id)
    )


def _placed(row: Row[*tuple[Any, ...]], position: int) -> PlacedItem:
    item_id, asset_id, folder, name, kind, width, height, state, revision, object_count = row
    return PlacedItem(position, item_id, asset_id, folder, name, kind, width, height, state,
                      revision, object_count)  # fmt: skip


def _count_through(project_id: int, item_id: int) -> Select[int]:
    """The number of the project's items up to and including `item_id` (its position)."""
    return select(func.count()).where(WorkItem.project_id == project_id, WorkItem.id <= item_id)


def item_window(
    ctx: Context,
    project_id: int,
    *,
    item_id: int | None = None,
    position: int | None = None,
    before: int = 10,
    after: int = 10,
) -> ItemWindow:
    """Up to `before` items before the anchor, the anchor and up to `after` items after it.
    The anchor is `item_id`, or the item at `position` (1-based); exactly one is given."""
    if (item_id is None) == (position is None):
        raise InvalidInput("Give either item_id or position.", field="item_id")
    if not (0 <= before <= MAX_AROUND and 0 <= after <= MAX_AROUND):
        raise InvalidInput(f"before and after are 0 to {MAX_AROUND}.", field="before")
    with ctx.database.read_connection() as connection:
        if connection.scalar(select(Project.id).where(Project.id == project_id)) is None:
            raise NotFound(f"There is no project {project_id}.")
        total = int(
            connection.scalar(select(func.count()).where(WorkItem.project_id == project_id)) or 0
        )
        if position is not None:
            if not 1 <= position <= total:
                raise InvalidInput(
                    f"There is no item {position}: this project has items 1 to {total}."
                    if total
                    else "This project has no items yet.",
                    field="position",
                )
            item_id = connection.scalar(
                select(WorkItem.id)
                .where(WorkItem.project_id == project_id)
                .order_by(WorkItem.id)
                .offset(position - 1)
                .limit(1)
            )
        assert item_id is not None
        anchor = connection.execute(_listed(project_id).where(WorkItem.id == item_id)).first()
        if anchor is None:
            raise NotFound(f"Project {project_id} has no item {item_id}.")
        if position is None:
            position = int(connection.scalar(_count_through(project_id, item_id)) or 0)
        earlier = list(
            connection.execute(
                _listed(project_id)
                .where(WorkItem.id < item_id)
                .order_by(WorkItem.id.desc())
                .limit(before)
            )
        )
        later = list(
            connection.execute(
                _listed(project_id).where(WorkItem.id > item_id).order_by(WorkItem.id).limit(after)
            )
        )
    rows = [*reversed(earlier), anchor, *later]
    first = position - len(earlier)
    items = [_placed(row, first + offset) for offset, row in enumerate(rows)]
    return ItemWindow(total=total, anchor_id=item_id, anchor_position=position, items=items)


def find_items(ctx: Context, project_id: int, name: str, *, limit: int = 20) -> list[PlacedItem]:
    """The first `limit` items (in list order) whose file path (`folder/name`) contains
    `name`, ignoring case, each with its position.

    The list is read in id order, SEARCH_STEP items at a time, and matched here: a search
    whose first matches come early stops early, and one that matches nothing reads the list
    once. (A pattern match in SQL leaves the plan to the database's guess of how many rows
    match, which on PostgreSQL sorts the whole list when the guess is wrong.)"""
    needle = name.strip().lower()
    if not needle:
        raise InvalidInput("Type a part of a file name to look for.", field="name")
    if not 1 <= limit <= MAX_FOUND:
        raise InvalidInput(f"limit is 1 to {MAX_FOUND}.", field="limit")
    found: list[PlacedItem] = []
    with ctx.database.read_connection() as connection:
        if connection.scalar(select(Project.id).where(Project.id == project_id)) is None:
            raise NotFound(f"There is no project {project_id}.")
        after, position = 0, 0
        hits: list[tuple[int, int]] = []  # (item id, position)
        while len(hits) < limit:
            rows = connection.execute(
                select(WorkItem.id, Asset.folder, Asset.name)
                .join(Asset, Asset.id == WorkItem.asset_id)
                .where(WorkItem.project_id == project_id, WorkItem.id > after)
                .order_by(WorkItem.id)
                .limit(SEARCH_STEP)
            ).all()
            for item_id, folder, file_name in rows:
                position += 1
                if needle in f"{folder}/{file_name}".lower():
                    hits.append((item_id, position))
                    if len(hits) == limit:
                        break
            if len(rows) < SEARCH_STEP:
                break
            after = rows[-1][0]
        if hits:
            places = dict(hits)
            chosen = _listed(project_id).where(WorkItem.id.in_(places)).order_by(WorkItem.id)
            found = [_placed(row, places[row[0]]) for row in connection.execute(chosen)]
    return found
