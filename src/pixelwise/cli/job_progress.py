"""Running a job in the command's own process while a progress bar follows it on stderr."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelwise.services.context import Actor, Context
    from pixelwise.services.jobs import JobInfo


def run_with_progress(ctx: Context, actor: Actor, job_id: int, description: str) -> JobInfo:
    """Execute job `job_id` here, showing its progress, and return it once it has ended."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pixelwise.services import job_runs, jobs

    runner = threading.Thread(target=job_runs.execute, args=(ctx, job_id), daemon=True)
    runner.start()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=None)
        while runner.is_alive():
            state = jobs.get_job(ctx, actor, job_id)
            progress.update(task, completed=state.progress.done, total=state.progress.total or None)
            time.sleep(0.2)
    return jobs.get_job(ctx, actor, job_id)
