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
SEARCH_STEP = 10_000  # items a file-name search walks in list order before it scans names


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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_items(ctx: Context, project_id: int, name: str, *, limit: int = 20) -> list[PlacedItem]:
    """The first `limit` items (in list order) whose file path (`folder/name`) contains
    `name`, ignoring case, each with its position.

    No index serves a substring, so the search runs in two steps that each suit one kind of
    name: the first SEARCH_STEP items are walked in list order (a common name is found there
    at once), then the rest is looked up from the names of the dataset's assets, read once
    (a rare name costs one scan of the names, not one join per item). The first step tests
    the substring with a function (`strpos`, `instr`) whose selectivity the planner does
    not guess low; the second reads the matching names first (a materialised CTE), whatever
    the planner guesses of the pattern."""
    needle = name.strip().lower()
    if not needle:
        raise InvalidInput("Type a part of a file name to look for.", field="name")
    if not 1 <= limit <= MAX_FOUND:
        raise InvalidInput(f"limit is 1 to {MAX_FOUND}.", field="limit")
    path = func.lower(Asset.folder + "/" + Asset.name)
    contains = (
        func.strpos(path, needle) > 0
        if ctx.database.dialect == "postgresql"
        else func.instr(path, needle) > 0
    )
    like = path.like(f"%{_escape_like(needle)}%", escape="\\")
    with ctx.database.read_connection() as connection:
        project = connection.execute(
            select(Project.id, Project.dataset_id).where(Project.id == project_id)
        ).first()
        if project is None:
            raise NotFound(f"There is no project {project_id}.")
        upper = connection.scalar(
            select(WorkItem.id)
            .where(WorkItem.project_id == project_id)
            .order_by(WorkItem.id)
            .offset(SEARCH_STEP - 1)
            .limit(1)
        )
        first = _listed(project_id).where(contains)
        if upper is not None:
            first = first.where(WorkItem.id <= upper)
        rows = list(connection.execute(first.order_by(WorkItem.id).limit(limit)))
        if upper is not None and len(rows) < limit:
            hits = (
                select(Asset.id)
                .where(Asset.dataset_id == project.dataset_id, like)
                .cte("hits")
                .prefix_with("MATERIALIZED")
            )
            rest = _listed(project_id).where(
                WorkItem.id > upper, WorkItem.asset_id.in_(select(hits.c.id))
            )
            rows += connection.execute(rest.order_by(WorkItem.id).limit(limit - len(rows)))
        return [
            _placed(row, int(connection.scalar(_count_through(project_id, row[0])) or 0))
            for row in rows
        ]
