"""The worker's side of background jobs: claim a job, run its handler, record the outcome.

A worker that receives a job id `claim`s the job (an atomic queued -> running update that
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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update

from pixelwise.db.models import Job
from pixelwise.services import job_kinds
from pixelwise.services.context import Context
from pixelwise.services.jobs import JobState, describe_error, one_line

log = logging.getLogger("pixelwise.jobs")

PROGRESS_INTERVAL_SECONDS = 0.5
MAX_MESSAGE_CHARS = 1000


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
            self._message = one_line(message, MAX_MESSAGE_CHARS)
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
        ctx, job_id, attempt, state=JobState.FAILED.value, error=one_line(error) or "failed",
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
