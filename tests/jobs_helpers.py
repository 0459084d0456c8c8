"""Helpers for the job tests: wait for a condition, read a job as the system."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pixelwise.services import jobs
from pixelwise.services.context import Actor, Context

T = TypeVar("T")

SYSTEM = Actor.system("test")


def wait_for(check: Callable[[], T | None], *, timeout: float = 10.0, what: str = "it") -> T:
    """Poll `check` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def job(ctx: Context, job_id: int) -> jobs.JobInfo:
    return jobs.get_job(ctx, SYSTEM, job_id)


def wait_state(ctx: Context, job_id: int, *states: str, timeout: float = 10.0) -> jobs.JobInfo:
    """The job once it is in one of `states`."""

    def check() -> jobs.JobInfo | None:
        info = job(ctx, job_id)
        return info if info.state in states else None

    return wait_for(check, timeout=timeout, what=f"job {job_id} to be {'/'.join(states)}")
