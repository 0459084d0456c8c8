"""Background jobs as use cases: the Job table is the source of truth, the broker only a doorbell.

A job is saved as `queued` and its id handed to the enqueuer (the Dramatiq runtime). A
worker that receives the id `claim`s the job (an atomic queued -> running update that
also increments `attempt`), runs the kind's handler with a `JobContext`, and records the
outcome. Every write a worker makes is fenced by `WHERE id = ? AND attempt = ? AND
state = 'running'`, so a worker that was given up on (its heartbeat went stale and the
job was queued again) can never overwrite the newer attempt: it gets `JobSuperseded`.

Messages may be delivered twice or lost; neither matters: a second delivery finds the
job no longer queued, and a lost one is replaced by `pending_jobs` (embedded start) or by
`reap_stale` (a running job whose worker died).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from pixelwise.db.models import Job, Project
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound, PixelwiseError, Unavailable
from pixelwise.domain.pagination import Page, decode_cursor, encode_cursor
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import audit, job_kinds
from pixelwise.services.context import Actor, Context

log = logging.getLogger("pixelwise.jobs")

PROBE_KIND = "system.probe"
PROGRESS_INTERVAL_SECONDS = 0.5
MAX_ERROR_CHARS = 2000
MAX_MESSAGE_CHARS = 1000


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


class JobCancelled(Exception):
    """Raised inside a handler by `JobContext.progress` when someone asked to cancel the job."""


class JobSuperseded(Exception):
    """Raised inside a handler when this attempt no longer owns the job (it was reaped,
    cancelled or deleted); the handler must stop without touching the job again."""


class JobInterrupted(Exception):
    """Raised inside a handler when the worker is shutting down; the job is queued again."""


class Outcome(StrEnum):
    """What `execute` did with one delivery of a job id."""

    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # queued again because the worker is stopping
    SUPERSEDED = "superseded"  # another attempt owns the job now; nothing was written
    NOT_CLAIMED = "not_claimed"  # not queued (already taken, finished, cancelled or gone)


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


def _info(row: Job) -> JobInfo:
    return JobInfo(
        id=row.id, kind=row.kind, state=JobState(row.state), params=dict(row.params or {}),
        progress=JobProgress(row.progress_done, row.progress_total, row.message),
        attempt=row.attempt, max_attempts=row.max_attempts,
        cancel_requested=bool(row.cancel_requested), result=row.result, error=row.error,
        created_by=row.created_by, project_id=row.project_id, created_at=row.created_at,
        started_at=row.started_at, heartbeat_at=row.heartbeat_at, finished_at=row.finished_at,
    )  # fmt: skip


def _one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe_error(error: BaseException) -> str:
    """A one-line description of an exception for the job's `error` column."""
    if isinstance(error, PixelwiseError):
        return _one_line(error.detail) or type(error).__name__
    text = _one_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- use cases of people (API, CLI) ----------------------------------------------------------


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
        info = _info(row)
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
        return _info(_load_visible(session, actor, job_id))


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
        items = [_info(row) for row in rows[:limit]]
    return Page(items, encode_cursor(items[-1].id) if len(rows) > limit and items else None)


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
        return _info(row)


# --- the worker's side -----------------------------------------------------------------------


def claim(ctx: Context, job_id: int) -> int | None:
    """Take a queued job: atomically make it running and return the new attempt number.

    None when the job is not queued (another worker has it, it finished, was cancelled or
    deleted): the delivery must then be dropped. Progress, result and error of an earlier
    attempt are cleared; the total set at start is kept.
    """
    now = ctx.now()
    values = {
        "state": JobState.RUNNING.value, "attempt": Job.attempt + 1, "started_at": now,
        "heartbeat_at": now, "progress_done": 0, "message": "", "result": None, "error": None,
    }  # fmt: skip
    with ctx.database.transaction() as session:
        attempt: int | None = session.scalar(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED.value)
            .values(**values)
            .returning(Job.attempt)
            .execution_options(synchronize_session=False)
        )
    return attempt


def _fence(job_id: int, attempt: int) -> tuple[Any, ...]:
    return (Job.id == job_id, Job.attempt == attempt, Job.state == JobState.RUNNING.value)


def _fenced_update(ctx: Context, job_id: int, attempt: int, **values: Any) -> bool:
    """Apply `values` when attempt `attempt` still runs the job; False when it does not."""
    with ctx.database.transaction() as session:
        changed = session.scalar(
            update(Job)
            .where(*_fence(job_id, attempt))
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
    return changed is not None


@dataclass
class JobContext:
    """What a handler gets to run one attempt of a job, and to report on it.

    The handler must call `progress` (or `heartbeat`, or `sleep`) at least once every
    `settings.job_stale_seconds`; otherwise the job is taken to be dead, queued again and
    this attempt superseded. Those calls raise, and the handler must let the exception
    propagate: `JobCancelled` (someone cancelled the job), `JobSuperseded` (this attempt
    lost the job) or `JobInterrupted` (the worker is shutting down).
    """

    ctx: Context
    job_id: int
    attempt: int
    kind: str
    params: dict[str, Any]
    created_by: int | None = None
    project_id: int | None = None
    should_stop: Callable[[], bool] = field(default=lambda: False)
    min_interval: float = PROGRESS_INTERVAL_SECONDS
    _done: int = field(default=0, init=False, repr=False)
    _total: int | None = field(default=None, init=False, repr=False)
    _message: str | None = field(default=None, init=False, repr=False)
    _last_write: float = field(default=float("-inf"), init=False, repr=False)

    @classmethod
    def open(
        cls,
        ctx: Context,
        job_id: int,
        attempt: int,
        *,
        should_stop: Callable[[], bool] | None = None,
    ) -> JobContext:
        """The context of a claimed job; JobSuperseded when the attempt no longer owns it."""
        with ctx.database.read() as session:
            row = session.scalar(select(Job).where(*_fence(job_id, attempt)))
            if row is None:
                raise JobSuperseded(f"job {job_id} attempt {attempt} no longer runs")
            job = cls(
                ctx=ctx, job_id=job_id, attempt=attempt, kind=row.kind,
                params=dict(row.params or {}), created_by=row.created_by,
                project_id=row.project_id,
            )  # fmt: skip
        if should_stop is not None:
            job.should_stop = should_stop
        return job

    @property
    def reported(self) -> tuple[int, int | None, str | None]:
        """The last (done, total, message) the handler reported; None: not reported."""
        return self._done, self._total, self._message

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report that `done` of `total` units are done (None keeps the total or message).

        Writes the progress and the heartbeat at most every `min_interval` seconds (the
        first call always writes) and raises as described on the class.
        """
        if done < 0 or (total is not None and total < 0):
            raise ValueError("progress counts cannot be negative")
        self._done = done
        if total is not None:
            self._total = total
        if message is not None:
            self._message = _one_line(message, MAX_MESSAGE_CHARS)
        self._tick(force=False)

    def heartbeat(self) -> None:
        """Write the heartbeat (and the last progress) now; raises as `progress` does."""
        self._tick(force=True)

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, keeping the heartbeat fresh and noticing cancel and shutdown."""
        deadline = time.monotonic() + max(0.0, seconds)
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, 0.05))
            self._tick(force=False)

    def _tick(self, *, force: bool) -> None:
        if self.should_stop():
            raise JobInterrupted(f"job {self.job_id}: the worker is shutting down")
        now = time.monotonic()
        if not force and now - self._last_write < self.min_interval:
            return
        values: dict[str, Any] = {"progress_done": self._done, "heartbeat_at": self.ctx.now()}
        if self._total is not None:
            values["progress_total"] = self._total
        if self._message is not None:
            values["message"] = self._message
        with self.ctx.database.transaction() as session:
            cancel_requested = session.scalar(
                update(Job)
                .where(*_fence(self.job_id, self.attempt))
                .values(**values)
                .returning(Job.cancel_requested)
                .execution_options(synchronize_session=False)
            )
        self._last_write = now
        if cancel_requested is None:
            raise JobSuperseded(f"job {self.job_id} attempt {self.attempt} no longer runs")
        if cancel_requested:
            raise JobCancelled(f"job {self.job_id} was cancelled")


def finish(
    ctx: Context,
    job_id: int,
    attempt: int,
    result: dict[str, Any] | None,
    *,
    progress: tuple[int, int | None, str | None] | None = None,
) -> bool:
    """Mark the job done with `result` (and the last reported progress).

    False, writing nothing, when `attempt` no longer runs the job. A cancel requested
    after the handler's last progress report does not undo a finished job.
    """
    values: dict[str, Any] = {
        "state": JobState.DONE.value, "result": result, "finished_at": ctx.now(),
        "heartbeat_at": ctx.now(), "error": None,
    }  # fmt: skip
    if progress is not None:
        done, total, message = progress
        values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        if message is not None:
            values["message"] = message
    return _fenced_update(ctx, job_id, attempt, **values)


def fail(ctx: Context, job_id: int, attempt: int, error: str) -> bool:
    """Mark the job failed with a one-line `error`; False when `attempt` no longer runs it."""
    return _fenced_update(
        ctx, job_id, attempt, state=JobState.FAILED.value, error=_one_line(error) or "failed",
        finished_at=ctx.now(), heartbeat_at=ctx.now(),
    )  # fmt: skip


def mark_cancelled(ctx: Context, job_id: int, attempt: int) -> bool:
    """End a running job as cancelled; False when `attempt` no longer runs it."""
    return _fenced_update(
        ctx, job_id, attempt, state=JobState.CANCELLED.value, finished_at=ctx.now(),
        heartbeat_at=ctx.now(), message="cancelled while running",
    )  # fmt: skip


def requeue(ctx: Context, job_id: int, attempt: int) -> bool:
    """Put a running job back in the queue because its worker is stopping.

    The caller must send the job again (or rely on `pending_jobs` at the next embedded
    start). False when `attempt` no longer runs the job.
    """
    return _fenced_update(
        ctx, job_id, attempt, state=JobState.QUEUED.value, heartbeat_at=ctx.now(),
        message=f"attempt {attempt} was interrupted by a worker shutdown; queued again",
    )  # fmt: skip


def reap_stale(ctx: Context, *, now: datetime | None = None) -> list[int]:
    """Deal with running jobs whose heartbeat is older than `settings.job_stale_seconds`.

    Each is queued again while it has attempts left (its id is returned: the caller must
    send it), failed with "the worker stopped responding (N attempts)" when it has not,
    and cancelled when a cancel was requested. Safe to run in several processes at once:
    each job is changed by exactly one of them.
    """
    now = now or ctx.now()
    cutoff = now - timedelta(seconds=ctx.settings.job_stale_seconds)
    stale = or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None))
    requeued: list[int] = []
    with ctx.database.transaction() as session:
        rows = session.execute(
            select(Job.id, Job.attempt, Job.max_attempts, Job.cancel_requested)
            .where(Job.state == JobState.RUNNING.value, stale)
            .order_by(Job.id)
        ).all()
        for job_id, attempt, max_attempts, cancel_requested in rows:
            values: dict[str, Any]
            if cancel_requested:
                values = {
                    "state": JobState.CANCELLED.value, "finished_at": now,
                    "message": "cancelled; its worker had stopped responding",
                }  # fmt: skip
            elif attempt < max_attempts:
                values = {
                    "state": JobState.QUEUED.value,
                    "message": f"attempt {attempt} stopped responding; queued again",
                }
            else:
                values = {
                    "state": JobState.FAILED.value, "finished_at": now,
                    "error": f"the worker stopped responding ({attempt} attempts)",
                }  # fmt: skip
            changed = session.scalar(
                update(Job)
                .where(*_fence(job_id, attempt), stale)
                .values(**values)
                .returning(Job.id)
                .execution_options(synchronize_session=False)
            )
            if changed is None:
                continue
            log.warning(
                "job %s: attempt %s stopped responding; now %s", job_id, attempt, values["state"]
            )
            if values["state"] == JobState.QUEUED.value:
                requeued.append(job_id)
    return requeued


def pending_jobs(ctx: Context) -> list[int]:
    """Ids of the queued jobs, oldest first (an embedded runtime re-sends them at start)."""
    with ctx.database.read() as session:
        return list(
            session.scalars(
                select(Job.id).where(Job.state == JobState.QUEUED.value).order_by(Job.id)
            )
        )


def execute(ctx: Context, job_id: int, *, should_stop: Callable[[], bool] | None = None) -> Outcome:
    """Run one delivery of `job_id`: claim, run the kind's handler, record the outcome.

    Never raises for what a handler does: an exception fails the job with a one-line
    error (the traceback goes to the log). Database errors while recording propagate;
    the job then stays running and `reap_stale` takes it up later.
    """
    attempt = claim(ctx, job_id)
    if attempt is None:
        return Outcome.NOT_CLAIMED
    try:
        job = JobContext.open(ctx, job_id, attempt, should_stop=should_stop)
    except JobSuperseded:
        return Outcome.SUPERSEDED
    log.info("job %s (%s): attempt %s started", job_id, job.kind, attempt)
    handler = job_kinds.handler_for(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r} in this worker")
        result = handler(job, dict(job.params))
        if result is not None and not isinstance(result, dict):
            raise TypeError(f"the handler returned {type(result).__name__}, not a JSON object")
        json.dumps(result, allow_nan=False)
    except JobCancelled:
        log.info("job %s: cancelled", job_id)
        return Outcome.CANCELLED if mark_cancelled(ctx, job_id, attempt) else Outcome.SUPERSEDED
    except JobSuperseded:
        log.info("job %s: attempt %s was superseded; dropping it", job_id, attempt)
        return Outcome.SUPERSEDED
    except JobInterrupted:
        log.info("job %s: interrupted by shutdown; queued again", job_id)
        return Outcome.INTERRUPTED if requeue(ctx, job_id, attempt) else Outcome.SUPERSEDED
    except Exception as error:
        log.exception("job %s (%s): attempt %s failed", job_id, job.kind, attempt)
        failed = fail(ctx, job_id, attempt, describe_error(error))
        return Outcome.FAILED if failed else Outcome.SUPERSEDED
    if finish(ctx, job_id, attempt, result, progress=job.reported):
        log.info("job %s (%s): done", job_id, job.kind)
        return Outcome.DONE
    return Outcome.SUPERSEDED


# --- the built-in probe ----------------------------------------------------------------------


def _check_probe_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"steps", "delay_seconds"}
    if unknown:
        raise InvalidInput(f"Unknown probe parameters: {', '.join(sorted(unknown))}.")
    steps = params.get("steps", 10)
    delay = params.get("delay_seconds", 0.1)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1000:
        raise InvalidInput("steps must be a whole number from 1 to 1000.", field="steps")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 60:
        raise InvalidInput("delay_seconds must be a number from 0 to 60.", field="delay_seconds")
    return {"steps": steps, "delay_seconds": float(delay)}


def run_probe(job: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Count `steps`, waiting `delay_seconds` before each, reporting progress; name the worker."""
    steps = int(params["steps"])
    delay = float(params["delay_seconds"])
    job.progress(0, steps, "probing")
    for step in range(1, steps + 1):
        job.sleep(delay)
        job.progress(step, steps, f"step {step} of {steps}")
    return {"steps": steps, "worker": f"{socket.gethostname()}:{os.getpid()}"}


def start_probe(
    ctx: Context, actor: Actor, *, steps: int = 10, delay_seconds: float = 0.1
) -> JobInfo:
    """Start a `system.probe` job: operators use it to check that workers run jobs."""
    params = {"steps": steps, "delay_seconds": delay_seconds}
    return start_job(ctx, actor, PROBE_KIND, params, total=steps)


job_kinds.register(PROBE_KIND, run_probe, check_params=_check_probe_params)
