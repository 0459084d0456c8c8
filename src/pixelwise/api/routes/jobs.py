"""Background jobs: list them, follow their progress, cancel them, and probe the workers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.api.schemas.jobs import JobOut, ProbeIn
from pixelwise.domain.permissions import Action
from pixelwise.services import jobs, probe
from pixelwise.services.context import Actor
from pixelwise.services.jobs import JobState

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", response_model=PageOut[JobOut])
def list_jobs(
    ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.JOB_READ))],
    cursor: Cursor = None, limit: Limit = 50, state: JobState | None = None,
    kind: Annotated[str | None, Query(max_length=100)] = None,
) -> PageOut[JobOut]:  # fmt: skip
    """Newest first: the jobs you started (organisation admins: every job)."""
    page = jobs.list_jobs(ctx, actor, cursor, limit, state=state, kind=kind)
    return page_out(JobOut, page)


@router.post("/probe", response_model=JobOut, status_code=202)
def start_probe(
    body: ProbeIn, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.JOB_PROBE))]
) -> JobOut:
    """Start a `system.probe` job that counts `steps`, to check that workers run jobs."""
    info = probe.start_probe(ctx, actor, steps=body.steps, delay_seconds=body.delay_seconds)
    return JobOut.model_validate(info)


@router.get("/{job_id}", response_model=JobOut)
def get_job(
    job_id: IdPath, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.JOB_READ))]
) -> JobOut:
    """One job with its progress, result or error."""
    return JobOut.model_validate(jobs.get_job(ctx, actor, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(
    job_id: IdPath, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.JOB_CANCEL))]
) -> JobOut:
    """Cancel a job: at once when queued, at its next progress report when running."""
    return JobOut.model_validate(jobs.cancel_job(ctx, actor, job_id))
