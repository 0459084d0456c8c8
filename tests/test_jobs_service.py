"""Background jobs on the real database with the in-process (stub broker) runtime.

Covers the Job table's contract: probe progress, cancel, failures, fencing of
superseded attempts, reaping of dead workers, graceful shutdown, and the HTTP API.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pixelwise.db.engine import Database
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound, Unavailable
from pixelwise.domain.permissions import OrgRole
from pixelwise.jobs.runtime import JobRuntime
from pixelwise.jobs.worker import run_worker
from pixelwise.services import audit, job_kinds, job_runs, jobs, probe
from pixelwise.services.context import Actor, Context
from pixelwise.settings import Settings, SettingsError
from pixelwise.storage.blobs import LocalBlobStore

from helpers import bearer
from jobs_helpers import SYSTEM, job, wait_for, wait_state


@pytest.fixture
def runtime(ctx: Context) -> Iterator[JobRuntime]:
    """The ctx fixture's runtime, with its in-process worker running."""
    assert isinstance(ctx.enqueuer, JobRuntime)
    ctx.enqueuer.start_worker()
    yield ctx.enqueuer
    ctx.enqueuer.stop()


def context_with(settings: Settings, database: Database, **changes: Any) -> Context:
    """A Context (and its own, not yet started, runtime) for changed settings."""
    changed = settings.model_copy(update=changes)
    context = Context(changed, database, LocalBlobStore(changed.home_dir / "blobs"))
    context.enqueuer = JobRuntime(context)
    return context


def later(ctx: Context) -> Any:
    """A moment when every current heartbeat is stale."""
    return ctx.now() + timedelta(seconds=ctx.settings.job_stale_seconds + 1)


def as_user(info: Any) -> Actor:
    return Actor(user_id=info.id, email=info.email, org_role=OrgRole(info.org_role), via="token")


# --- running jobs ----------------------------------------------------------------------------


def test_probe_job_runs_to_done_with_progress_visible(client: TestClient, admin_token: str) -> None:
    response = client.post(
        "/api/jobs/probe", json={"steps": 8, "delay_seconds": 0.15}, headers=bearer(admin_token)
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["kind"] == "system.probe"
    assert started["progress"]["total"] == 8
    seen: list[int] = []

    def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(
            f"/api/jobs/{started['id']}", headers=bearer(admin_token)
        ).json()
        if body["state"] == "running":
            seen.append(body["progress"]["done"])
        return body if body["state"] in ("done", "failed", "cancelled") else None

    final = wait_for(finished, timeout=10, what="the probe to finish")
    assert final["state"] == "done", final
    assert final["progress"] == {"done": 8, "total": 8, "message": "step 8 of 8"}
    assert final["result"]["steps"] == 8
    assert final["result"]["worker"].endswith(f":{os.getpid()}")  # the embedded worker
    assert final["attempt"] == 1
    assert final["error"] is None
    assert final["started_at"]
    assert final["finished_at"]
    assert final["heartbeat_at"]
    assert any(0 < done < 8 for done in seen), f"no intermediate progress seen: {seen}"


def test_probe_requests_are_checked(
    client: TestClient, admin_token: str, make_user: Any, ctx: Context
) -> None:
    for body in ({"steps": 0}, {"steps": 1001}, {"delay_seconds": 61}, {"steps": 2, "x": 1}):
        response = client.post("/api/jobs/probe", json=body, headers=bearer(admin_token))
        assert response.status_code == 422, (body, response.text)
    _, member_token = make_user()
    response = client.post("/api/jobs/probe", json={}, headers=bearer(member_token))
    assert response.status_code == 403
    assert client.post("/api/jobs/probe", json={}).status_code == 401
    assert jobs.list_jobs(ctx, SYSTEM).items == []


def test_start_job_refuses_unknown_kinds_and_bad_params(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match=r"no job kind 'no\.such\.kind'"):
        jobs.start_job(ctx, SYSTEM, "no.such.kind", {})
    for params in ({"steps": 0}, {"steps": True}, {"delay_seconds": -1}, {"other": 1}):
        with pytest.raises(InvalidInput):
            jobs.start_job(ctx, SYSTEM, probe.PROBE_KIND, params)
    assert jobs.list_jobs(ctx, SYSTEM).items == []
    ctx.enqueuer = None
    with pytest.raises(Unavailable, match="no job runtime"):
        probe.start_probe(ctx, SYSTEM)


def test_start_job_saves_a_queued_job_and_audits_it(ctx: Context) -> None:
    info = probe.start_probe(ctx, SYSTEM, steps=3, delay_seconds=0)
    assert info.state == "queued"
    assert info.attempt == 0
    assert info.max_attempts == ctx.settings.job_max_attempts
    assert info.params == {"steps": 3, "delay_seconds": 0.0}
    assert job_runs.pending_jobs(ctx) == [info.id]
    events = audit.list_events(
        ctx, audit.AuditFilter(target_type="job", target_id=str(info.id)), cursor=None, limit=10
    ).items
    assert [e.action for e in events] == ["job.create"]
    assert events[0].detail == {"kind": "system.probe"}


@pytest.fixture
def exploding_kind() -> Iterator[str]:
    def explode(job: job_runs.JobContext, params: dict[str, Any]) -> dict[str, Any]:
        job.progress(1, 2, "about to fail")
        raise ValueError("the disk is full\nand a second line nobody needs")

    def not_an_object(job: job_runs.JobContext, params: dict[str, Any]) -> Any:
        return ["a", "list"]

    job_kinds.register("test.explode", explode)
    job_kinds.register("test.list", not_an_object)
    yield "test.explode"
    job_kinds.unregister("test.explode")
    job_kinds.unregister("test.list")


def test_a_handler_exception_fails_the_job_with_its_message(
    ctx: Context, runtime: JobRuntime, exploding_kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="pixelwise.jobs")
    info = jobs.start_job(ctx, SYSTEM, exploding_kind, {})
    final = wait_state(ctx, info.id, "failed", "done", "cancelled")
    assert final.state == "failed"
    assert final.error == "ValueError: the disk is full"
    assert final.progress.message == "about to fail"
    assert final.finished_at is not None
    assert final.attempt == 1  # a handler error is not retried
    assert any(r.exc_info for r in caplog.records if r.name == "pixelwise.jobs")

    other = jobs.start_job(ctx, SYSTEM, "test.list", {})
    assert wait_state(ctx, other.id, "failed").error == (
        "TypeError: the handler returned list, not a JSON object"
    )


def test_a_worker_without_the_kind_fails_the_job(ctx: Context, exploding_kind: str) -> None:
    info = jobs.start_job(ctx, SYSTEM, exploding_kind, {})
    job_kinds.unregister(exploding_kind)
    assert job_runs.execute(ctx, info.id) is job_runs.Outcome.FAILED
    assert "no handler for job kind 'test.explode'" in str(job(ctx, info.id).error)


# --- cancelling ------------------------------------------------------------------------------


def test_cancel_a_queued_job_at_once(ctx: Context) -> None:
    info = probe.start_probe(ctx, SYSTEM, steps=3, delay_seconds=0)
    cancelled = jobs.cancel_job(ctx, SYSTEM, info.id)
    assert cancelled.state == "cancelled"
    assert cancelled.finished_at is not None
    assert job_runs.claim(ctx, info.id) is None  # its message, when delivered, does nothing
    assert job_runs.execute(ctx, info.id) is job_runs.Outcome.NOT_CLAIMED
    with pytest.raises(Conflict, match="already finished"):
        jobs.cancel_job(ctx, SYSTEM, info.id)
    actions = [
        e.action
        for e in audit.list_events(
            ctx, audit.AuditFilter(target_type="job", target_id=str(info.id)), cursor=None, limit=9
        ).items
    ]
    assert actions == ["job.cancel", "job.create"]


def test_cancel_a_running_job(client: TestClient, admin_token: str, ctx: Context) -> None:
    headers = bearer(admin_token)
    started = client.post(
        "/api/jobs/probe", json={"steps": 200, "delay_seconds": 0.05}, headers=headers
    )
    job_id = started.json()["id"]
    wait_state(ctx, job_id, "running")
    response = client.post(f"/api/jobs/{job_id}/cancel", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["cancel_requested"] is True
    final = wait_state(ctx, job_id, "cancelled", "done", "failed", timeout=5)
    assert final.state == "cancelled"
    assert final.result is None
    assert final.finished_at is not None
    assert final.progress.done < 200
    again = client.post(f"/api/jobs/{job_id}/cancel", headers=headers)
    assert again.status_code == 409


# --- attempts, fencing and reaping -----------------------------------------------------------


def test_a_superseded_attempt_cannot_overwrite_the_job(ctx: Context) -> None:
    info = probe.start_probe(ctx, SYSTEM, steps=5, delay_seconds=0)
    first = job_runs.claim(ctx, info.id)
    assert first == 1
    old = job_runs.JobContext.open(ctx, info.id, first)
    old.progress(1, 5, "first attempt")
    assert job_runs.reap_stale(ctx, now=later(ctx)) == [info.id]
    second = job_runs.claim(ctx, info.id)
    assert second == 2
    assert job_runs.claim(ctx, info.id) is None  # a duplicate delivery gets nothing

    with pytest.raises(job_runs.JobSuperseded):
        old.heartbeat()
    assert not job_runs.finish(ctx, info.id, first, {"from": "old"})
    assert not job_runs.fail(ctx, info.id, first, "old failure")
    assert not job_runs.mark_cancelled(ctx, info.id, first)
    assert not job_runs.requeue(ctx, info.id, first)
    assert job(ctx, info.id).state == "running"

    new = job_runs.JobContext.open(ctx, info.id, second)
    new.progress(5, 5, "second attempt")
    assert job_runs.finish(ctx, info.id, second, {"from": "new"}, progress=new.reported)
    final = job(ctx, info.id)
    assert (final.state, final.attempt, final.result) == ("done", 2, {"from": "new"})
    assert final.progress == jobs.JobProgress(5, 5, "second attempt")
    with pytest.raises(job_runs.JobSuperseded):
        new.heartbeat()  # a finished job takes no more reports


def test_reap_stale_requeues_then_fails_after_max_attempts(ctx: Context) -> None:
    info = jobs.start_job(
        ctx, SYSTEM, probe.PROBE_KIND, {"steps": 1, "delay_seconds": 0}, max_attempts=2
    )
    assert job_runs.claim(ctx, info.id) == 1
    assert job_runs.reap_stale(ctx) == []  # its heartbeat is fresh
    assert job_runs.reap_stale(ctx, now=later(ctx)) == [info.id]
    requeued = job(ctx, info.id)
    assert (requeued.state, requeued.attempt) == ("queued", 1)
    assert "stopped responding" in requeued.progress.message
    assert job_runs.pending_jobs(ctx) == [info.id]

    assert job_runs.claim(ctx, info.id) == 2
    assert job_runs.reap_stale(ctx, now=later(ctx)) == []
    failed = job(ctx, info.id)
    assert failed.state == "failed"
    assert failed.error == "the worker stopped responding (2 attempts)"
    assert failed.finished_at is not None
    assert job_runs.reap_stale(ctx, now=later(ctx)) == []


def test_reap_cancels_a_dead_job_that_was_asked_to_stop(ctx: Context) -> None:
    info = probe.start_probe(ctx, SYSTEM, steps=3, delay_seconds=0)
    assert job_runs.claim(ctx, info.id) == 1
    asked = jobs.cancel_job(ctx, SYSTEM, info.id)
    assert (asked.state, asked.cancel_requested) == ("running", True)
    assert job_runs.reap_stale(ctx, now=later(ctx)) == []
    assert job(ctx, info.id).state == "cancelled"


def test_the_runtime_reaper_retries_a_dead_workers_job(
    settings: Settings, database: Database
) -> None:
    context = context_with(settings, database, job_stale_seconds=0.5, job_heartbeat_seconds=0.1)
    info = probe.start_probe(context, SYSTEM, steps=2, delay_seconds=0)
    assert job_runs.claim(context, info.id) == 1  # a worker took it ... and died
    runtime = context.enqueuer
    assert isinstance(runtime, JobRuntime)
    runtime.start_worker()
    try:
        final = wait_state(context, info.id, "done", "failed", timeout=10)
    finally:
        runtime.stop()
    assert (final.state, final.attempt) == ("done", 2)


def test_stopping_the_worker_requeues_running_jobs_for_the_next_start(
    settings: Settings, database: Database
) -> None:
    context = context_with(settings, database)
    first = context.enqueuer
    assert isinstance(first, JobRuntime)
    first.start_worker()
    info = probe.start_probe(context, SYSTEM, steps=40, delay_seconds=0.05)
    wait_state(context, info.id, "running")
    first.stop()
    stopped = job(context, info.id)
    assert (stopped.state, stopped.attempt) == ("queued", 1)
    assert "interrupted" in stopped.progress.message
    with pytest.raises(Unavailable):
        first.send(info.id)

    second = JobRuntime(context)  # a restarted server: re-sends what is still queued
    context.enqueuer = second
    second.start_worker()
    try:
        final = wait_state(context, info.id, "done", "failed", timeout=10)
    finally:
        second.stop()
    assert (final.state, final.attempt) == ("done", 2)
    assert final.result is not None
    assert final.result["steps"] == 40


def test_a_job_the_broker_refuses_is_failed_and_reported(
    settings: Settings, database: Database
) -> None:
    context = context_with(settings, database, broker_url="redis://127.0.0.1:1/0")
    runtime = context.enqueuer
    assert isinstance(runtime, JobRuntime)
    try:
        assert runtime.broker_state().startswith(
            "cannot reach the job broker at redis://127.0.0.1:1"
        )
        with pytest.raises(Unavailable, match="did not accept"):
            probe.start_probe(context, SYSTEM, steps=1)
    finally:
        runtime.stop()
    (saved,) = jobs.list_jobs(context, SYSTEM).items
    assert saved.state == "failed"
    assert saved.error is not None
    assert saved.error.startswith("the job broker did not accept the job: cannot reach")


def test_run_worker_needs_a_broker_url(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="PIXELWISE_BROKER_URL=redis://"):
        run_worker(settings)


# --- who sees what ---------------------------------------------------------------------------


def test_jobs_are_visible_to_their_owner_and_org_admins(
    client: TestClient, ctx: Context, make_user: Any, admin_token: str
) -> None:
    alice, alice_token = make_user()
    _, bob_token = make_user()
    assert isinstance(ctx.enqueuer, JobRuntime)
    first = probe.start_probe(ctx, as_user(alice), steps=1, delay_seconds=0)
    second = probe.start_probe(ctx, as_user(alice), steps=1, delay_seconds=0)
    admins = probe.start_probe(ctx, SYSTEM, steps=1, delay_seconds=0)
    wait_state(ctx, second.id, "done")

    mine = client.get("/api/jobs", headers=bearer(alice_token)).json()
    assert [j["id"] for j in mine["items"]] == [second.id, first.id]  # newest first
    assert client.get("/api/jobs", headers=bearer(bob_token)).json()["items"] == []
    assert client.get(f"/api/jobs/{first.id}", headers=bearer(bob_token)).status_code == 404
    assert client.post(f"/api/jobs/{first.id}/cancel", headers=bearer(bob_token)).status_code == 404
    assert client.get(f"/api/jobs/{first.id}", headers=bearer(alice_token)).status_code == 200
    assert client.get(f"/api/jobs/{admins.id}", headers=bearer(alice_token)).status_code == 404
    assert client.get("/api/jobs/999999", headers=bearer(admin_token)).status_code == 404
    assert client.get("/api/jobs").status_code == 401

    page = client.get("/api/jobs?limit=2", headers=bearer(admin_token)).json()
    assert [j["id"] for j in page["items"]] == [admins.id, second.id]
    rest = client.get(
        f"/api/jobs?limit=2&cursor={page['next_cursor']}", headers=bearer(admin_token)
    ).json()
    assert [j["id"] for j in rest["items"]] == [first.id]
    assert rest["next_cursor"] is None

    done = client.get("/api/jobs?state=done&kind=system.probe", headers=bearer(admin_token))
    assert {j["id"] for j in done.json()["items"]} <= {first.id, second.id, admins.id}
    assert client.get("/api/jobs?kind=nothing", headers=bearer(admin_token)).json()["items"] == []
    assert client.get("/api/jobs?state=lost", headers=bearer(admin_token)).status_code == 422
    with pytest.raises(InvalidInput):
        jobs.list_jobs(ctx, SYSTEM, state="lost")
    with pytest.raises(NotFound):
        jobs.cancel_job(ctx, as_user(alice), admins.id)
