"""`pixelwise export`: export a project's annotations to a file, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer

HomeOpt = Annotated[
    str | None,
    typer.Option("--home", help="Data directory [env: PIXELWISE_HOME]", show_default=False),
]


def export_command(
    project: Annotated[str, typer.Option("--project", help="Project name or id.")],
    out: Annotated[str, typer.Option("--out", help="File to write the export to.")],
    format_name: Annotated[
        str, typer.Option("--format", help="json (everything), coco, or masks (a zip of PNGs).")
    ] = "json",
    item_filter: Annotated[
        str | None,
        typer.Option("--filter", help='Item filter as JSON, e.g. \'{"state": "accepted"}\'.'),
    ] = None,
    include_revisions: Annotated[
        bool, typer.Option("--include-revisions", help="json: add every item's revision history.")
    ] = False,
    home: HomeOpt = None,
) -> None:
    """Export a project's items and annotations in this process and write the file to --out."""
    from pathlib import Path

    from pixelwise.cli.job_progress import run_with_progress
    from pixelwise.cli.main import fail, guard, open_cli_context
    from pixelwise.jobs.runtime import JobRuntime
    from pixelwise.services import exports
    from pixelwise.services.context import Actor

    target = Path(out)
    if not target.parent.is_dir():
        raise fail(f"there is no folder {target.parent} to write {target.name} into")
    ctx = open_cli_context(home)
    ctx.enqueuer = JobRuntime(ctx)  # records the job; it runs right here, in this process
    actor = Actor.system("cli")
    project_id, project_name = guard(lambda: exports.find_project(ctx, project))
    job = guard(
        lambda: exports.start_export(
            ctx, actor, project_id, format_name, item_filter, include_revisions
        )
    )
    finished = run_with_progress(ctx, actor, job.id, f"exporting {project_name!r}")
    if finished.result is None:
        raise fail(f"the export did not finish: {finished.error or finished.state}")
    download = guard(lambda: exports.download_export(ctx, actor, project_id, job.id))
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as handle:
        for chunk in download.chunks:
            handle.write(chunk)
    partial.replace(target)
    result = finished.result
    typer.echo(f"exported {result['items']} items, {result['objects']} objects to {target}")
