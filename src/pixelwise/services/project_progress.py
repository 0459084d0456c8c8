"""How far a project is: its items counted by state, in one grouped query.

The count groups on (state, whether the item was ever saved), so besides the workflow
states it also tells how many queued or leased items already have work in them ("in
progress") and how many are untouched ("new").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pixelwise.db.models import Project, WorkItem
from pixelwise.domain.errors import NotFound
from pixelwise.services.context import Context

STATES = ("queued", "leased", "submitted", "skipped", "in_review", "accepted", "rejected")
OPEN_STATES = frozenset({"queued", "leased"})


@dataclass(frozen=True)
class Progress:
    total: int
    by_state: dict[str, int]  # every state in STATES, zeros included
    new: int  # open (queued or leased) and never saved
    in_progress: int  # open, with at least one saved revision
    done: int  # submitted, in review, accepted or rejected


def project_progress(ctx: Context, project_id: int) -> Progress:
    """The project's items counted by state."""
    started = (WorkItem.revision > 0).label("started")
    query = (
        select(WorkItem.state, started, func.count())
        .where(WorkItem.project_id == project_id)
        .group_by(WorkItem.state, started)
    )
    with ctx.database.read_connection() as connection:
        if connection.scalar(select(Project.id).where(Project.id == project_id)) is None:
            raise NotFound(f"There is no project {project_id}.")
        rows = [(str(state), bool(was_saved), int(count))
                for state, was_saved, count in connection.execute(query)]  # fmt: skip
    by_state = dict.fromkeys(STATES, 0)
    new = in_progress = 0
    for state, was_saved, count in rows:
        by_state[state] = by_state.get(state, 0) + count
        if state in OPEN_STATES:
            if was_saved:
                in_progress += count
            else:
                new += count
    done = sum(by_state[s] for s in ("submitted", "in_review", "accepted", "rejected"))
    return Progress(
        total=sum(by_state.values()), by_state=by_state, new=new, in_progress=in_progress,
        done=done,
    )  # fmt: skip
