"""The built-in `system.probe` job: operators start one to check that workers run jobs."""

from __future__ import annotations

import os
import socket
from typing import Any

from pixelwise.domain.errors import InvalidInput
from pixelwise.services import job_kinds
from pixelwise.services.context import Actor, Context
from pixelwise.services.job_runs import JobContext
from pixelwise.services.jobs import JobInfo, start_job

PROBE_KIND = "system.probe"


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
