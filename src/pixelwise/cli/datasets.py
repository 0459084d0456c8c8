"""`pixelwise datasets`: list datasets and import files into them, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer

datasets_app = typer.Typer(help="Manage datasets and import files.", no_args_is_help=True)

HomeOpt = Annotated[
    str | None,
    typer.Option("--home", help="Data directory [env: PIXELWISE_HOME]", show_default=False),
]


@datasets_app.command("list")
def list_command(home: HomeOpt = None) -> None:
    """List datasets with their number of assets and size."""
    from rich.console import Console
    from rich.table import Table

    from pixelwise.cli.main import open_cli_context
    from pixelwise.domain.pagination import every_item
    from pixelwise.services import datasets

    ctx = open_cli_context(home)
    table = Table("id", "name", "assets", "bytes")
    for item in every_item(lambda cursor: datasets.list_datasets(ctx, cursor=cursor, limit=500)):
        table.add_row(str(item.id), item.name, str(item.asset_count), str(item.total_bytes))
    Console().print(table)


@datasets_app.command("import")
def import_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A folder, an archive (zip, tar, tar.gz, tar.bz2, tar.xz, .gz), a CSV of URLs "
            "(columns url, folder, name) or a DICOMweb study/series URL."
        ),
    ],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset name (created if new).")],
    in_place: Annotated[
        bool,
        typer.Option("--in-place", help="Register files where they are (under IMPORT_ROOTS)."),
    ] = False,
    folder: Annotated[str, typer.Option(help="Dataset folder to import into.")] = "",
    register_only: Annotated[
        bool, typer.Option("--register-only", help="CSV: register the URLs, do not download.")
    ] = False,
    extract_frames: Annotated[
        bool, typer.Option("--extract-frames", help="Also turn videos into image folders.")
    ] = False,
    frame_step: Annotated[int, typer.Option(min=1, help="With --extract-frames: every n-th.")] = 1,
    home: HomeOpt = None,
) -> None:
    """Import into a dataset; prints a report, exits 1 when files failed."""
    from pathlib import Path

    from pixelwise.cli.job_progress import run_with_progress
    from pixelwise.cli.main import fail, guard, open_cli_context
    from pixelwise.jobs.runtime import JobRuntime
    from pixelwise.services import datasets, imports, jobs
    from pixelwise.services.context import Actor
    from pixelwise.services.import_run import ImportOptions

    remote = source.startswith(("http://", "https://", "dicomweb+http://", "dicomweb+https://"))
    given = Path(source)
    if not remote and not given.exists():
        raise fail(f"there is no file or folder {source}")
    if in_place and not given.is_dir():
        raise fail("--in-place registers the files of a folder; give a folder")
    options = ImportOptions(extract_frames=extract_frames, frame_step=frame_step)
    ctx = open_cli_context(home)
    ctx.enqueuer = JobRuntime(ctx)  # records the job; it runs right here, in this process
    actor = Actor.system("cli")
    found = datasets.find_dataset(ctx, dataset)
    target = found or guard(lambda: datasets.create_dataset(ctx, actor, name=dataset))

    def start() -> jobs.JobInfo:
        if remote:
            return imports.start_dicomweb_import(ctx, actor, target.id, source, folder=folder)
        if given.is_dir():
            return imports.start_folder_import(
                ctx, actor, target.id, source, in_place=in_place, folder=folder, anywhere=True,
                options=options,
            )  # fmt: skip
        if given.suffix.lower() == ".csv":
            return imports.start_url_import(
                ctx, actor, target.id, str(given.resolve()), folder=folder,
                register_only=register_only, options=options,
            )  # fmt: skip
        return imports.start_archive_import(
            ctx, actor, target.id, source, folder=folder, anywhere=True, options=options
        )

    job = guard(start)
    finished = run_with_progress(ctx, actor, job.id, f"importing into {dataset!r}")
    if finished.result is None:
        raise fail(f"the import did not finish: {finished.error or finished.state}")
    for line in imports.report_lines(finished.result):
        typer.echo(line)
    if finished.result["failed"]:
        raise typer.Exit(1)
