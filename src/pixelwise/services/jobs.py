"""Background jobs as use cases of people: start one, follow it, list them, cancel it.

The Job table is the source of truth and the broker only a doorbell: a job is saved as
`queued` and its id handed to the enqueuer (the Dramatiq runtime). What a worker does with
that id is in `job_runs`; the built-in `system.probe` kind is in `probe`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pixelwise.db.models import Job, Project
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound, PixelwiseError, Unavailable
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import audit, job_kinds
from pixelwise.services.context import Actor, Context

log = logging.getLogger("pixelwise.jobs")

MAX_ERROR_CHARS = 2000


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int
    message: str


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    state: JobState
    params: dict[str, Any]
    progress: JobProgress
    attempt: int
    max_attempts: int
    cancel_requested: bool
    result: dict[str, Any] | None
    error: str | None
    created_by: int | None
    project_id: int | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


def job_info(row: Job) -> JobInfo:
    return JobInfo(
        id=row.id, kind=row.kind, state=JobState(row.state), params=dict(row.params or {}),
        progress=JobProgress(row.progress_done, row.progress_total, row.message),
        attempt=row.attempt, max_attempts=row.max_attempts,
        cancel_requested=bool(row.cancel_requested), result=row.result, error=row.error,
        created_by=row.created_by, project_id=row.project_id, created_at=row.created_at,
        started_at=row.started_at, heartbeat_at=row.heartbeat_at, finished_at=row.finished_at,
    )  # fmt: skip


def one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe_error(error: BaseException) -> str:
    """A one-line description of an exception for the job's `error` column."""
    if isinstance(error, PixelwiseError):
        return one_line(error.detail) or type(error).__name__
    text = one_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def start_job(
    ctx: Context,
    actor: Actor,
    kind: str,
    params: dict[str, Any],
    *,
    total: int = 0,
    project_id: int | None = None,
    max_attempts: int | None = None,
) -> JobInfo:
    """Save a queued job (and its audit event) in one transaction, then hand it to the broker.

    InvalidInput for an unknown kind or bad parameters (checked by the kind's
    `check_params`). Unavailable when this process has no job runtime or the broker
    cannot take the job; the job is then saved as failed, saying why, so it is never
    left queued with nobody to run it.
    """
    if ctx.enqueuer is None:
        raise Unavailable("This process has no job runtime, so it cannot start background jobs.")
    entry = job_kinds.get(kind)
    if entry is None:
        known = ", ".join(sorted(job_kinds.known_kinds())) or "none"
        raise InvalidInput(f"There is no job kind {kind!r} (known: {known}).", field="kind")
    if not isinstance(params, dict):
        raise InvalidInput("Job parameters must be a JSON object.", field="params")
    params = entry.check_params(dict(params)) if entry.check_params else dict(params)
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"Job parameters must be plain JSON: {error}.", field="params") from None
    if total < 0:
        raise InvalidInput("A job's total cannot be negative.", field="total")
    attempts = max_attempts if max_attempts is not None else ctx.settings.job_max_attempts
    if attempts < 1:
        raise InvalidInput("A job needs at least one attempt.", field="max_attempts")
    with ctx.database.transaction() as session:
        if project_id is not None and session.get(Project, project_id) is None:
            raise InvalidInput(f"There is no project {project_id}.", field="project_id")
        row = Job(
            kind=kind, state=JobState.QUEUED.value, params=params, progress_total=total,
            message="", attempt=0, max_attempts=attempts, cancel_requested=False,
            created_by=actor.user_id, project_id=project_id, created_at=ctx.now(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "job.create", target_type="job", target_id=row.id,
            project_id=project_id, kind=kind,
        )  # fmt: skip
        info = job_info(row)
    try:
        ctx.enqueuer.send(info.id)
    except Exception as error:
        reason = describe_error(error)
        log.error("could not hand job %s to the broker: %s", info.id, reason)
        failed = {
            "state": JobState.FAILED.value, "finished_at": ctx.now(),
            "error": f"the job broker did not accept the job: {reason}",
        }  # fmt: skip
        with ctx.database.transaction() as session:
            session.execute(
                update(Job)
                .where(Job.id == info.id, Job.state == JobState.QUEUED.value)
                .values(**failed)
                .execution_options(synchronize_session=False)
            )
        raise Unavailable(
            f"The job broker did not accept job {info.id}, so it was not started: {reason}"
        ) from None
    return info


def _visible(actor: Actor, row: Job) -> bool:
    if actor.org_role is OrgRole.ADMIN:
        return True
    return actor.user_id is not None and row.created_by == actor.user_id


def _load_visible(session: Session, actor: Actor, job_id: int, *, lock: bool = False) -> Job:
    row = session.get(Job, job_id, with_for_update=lock)
    if row is None or not _visible(actor, row):
        raise NotFound(f"There is no job {job_id}.")
    return row


def get_job(ctx: Context, actor: Actor, job_id: int) -> JobInfo:
    """The job, for the user who started it or an organisation admin; NotFound for anyone else."""
    with ctx.database.read() as session:
        return job_info(_load_visible(session, actor, job_id))


def list_jobs(
    ctx: Context,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 50,
    *,
    state: str | None = None,
    kind: str | None = None,
) -> Page[JobInfo]:
    """Newest first, `limit` at a time. Organisation admins see every job, others their own."""
    if state is not None:
        try:
            state = JobState(state).value
        except ValueError:
            states = ", ".join(s.value for s in JobState)
            raise InvalidInput(f"state must be one of {states}.", field="state") from None
    after = decode_cursor(cursor)
    query = select(Job).order_by(Job.id.desc()).limit(limit + 1)
    if after is not None:
        try:
            query = query.where(Job.id < int(after))
        except ValueError:
            raise InvalidInput("The cursor is malformed.", field="cursor") from None
    if actor.org_role is not OrgRole.ADMIN:
        if actor.user_id is None:
            return Page([], None)
        query = query.where(Job.created_by == actor.user_id)
    if state is not None:
        query = query.where(Job.state == state)
    if kind:
        query = query.where(Job.kind == kind)
    with ctx.database.read() as session:
        rows = list(session.scalars(query))
    return page_from([job_info(row) for row in rows], limit, key=lambda job: job.id)


def cancel_job(ctx: Context, actor: Actor, job_id: int) -> JobInfo:
    """Stop a job. A queued job is cancelled at once; a running one is marked
    `cancel_requested` and ends `cancelled` at its handler's next progress report.

    NotFound as in `get_job`; Conflict when the job has already finished.
    """
    with ctx.database.transaction() as session:
        row = _load_visible(session, actor, job_id, lock=True)
        before = row.state
        if before in FINISHED_STATES:
            raise Conflict(f"Job {job_id} has already finished ({before}); nothing to cancel.")
        if before == JobState.QUEUED:
            row.state = JobState.CANCELLED.value
            row.finished_at = ctx.now()
            row.message = "cancelled before it started"
        row.cancel_requested = True
        audit.record(
            session, actor, "job.cancel", target_type="job", target_id=job_id,
            project_id=row.project_id, kind=row.kind, state=before,
        )  # fmt: skip
        session.flush()
        return job_info(row)
