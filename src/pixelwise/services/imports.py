"""Importing files into a dataset as a background job, with a report for every file.

Every source is one job kind, `dataset.import`, whose parameters name the source: a folder
on the server (copied, or registered in place), an archive on the server, or files
uploaded through the API (archives among them unpacked). Every file ends up in the job's
result as imported, skipped or failed, with the reason, and no file stops the others.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pixelwise.db.models import Dataset
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services import job_kinds
from pixelwise.services.context import Actor, Context
from pixelwise.services.datasets import clean_folder
from pixelwise.services.import_run import REPORT_LIMIT, ImportOptions, ImportRun
from pixelwise.services.import_sources import Item, archive_items, folder_items, upload_items
from pixelwise.services.job_runs import JobContext, JobInterrupted, JobSuperseded
from pixelwise.services.jobs import JobInfo, start_job
from pixelwise.storage.sources.archives import ArchiveLimits, detect_kind
from pixelwise.storage.sources.folders import confine

IMPORT_KIND = "dataset.import"
SOURCE_TYPES = frozenset({"folder", "archive", "upload", "urls", "dicomweb"})


def _dataset_exists(ctx: Context, dataset_id: int) -> None:
    with ctx.database.read() as session:
        if session.get(Dataset, dataset_id) is None:
            raise NotFound(f"There is no dataset {dataset_id}.")


def _server_path(ctx: Context, path: str, *, in_place: bool, anywhere: bool) -> Path:
    if in_place or not anywhere:
        return confine(path, ctx.settings.import_roots)
    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise InvalidInput(f"There is no file or folder {path}.", field="path")
    return resolved


def start_folder_import(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    path: str,
    *,
    in_place: bool,
    folder: str = "",
    anywhere: bool = False,
    options: ImportOptions | None = None,
) -> JobInfo:
    """Start importing the server folder `path` into the dataset (below `folder`).

    `path` must lie under PIXELWISE_IMPORT_ROOTS. `anywhere` (the operator's own command
    line) lifts that rule for copies; files registered in place must always lie under the
    roots, since the server reads them there later. In place, files are never copied,
    moved or deleted by Pixelwise.
    """
    source = _server_path(ctx, path, in_place=in_place, anywhere=anywhere)
    if not source.is_dir():
        raise InvalidInput(f"{path} is not a folder.", field="path")
    _dataset_exists(ctx, dataset_id)
    return _start(ctx, actor, dataset_id, {"type": "folder", "path": str(source)}, folder,
                  in_place=in_place, options=options)  # fmt: skip


def start_archive_import(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    path: str,
    *,
    folder: str = "",
    anywhere: bool = False,
    options: ImportOptions | None = None,
) -> JobInfo:
    """Start unpacking the archive at `path` on the server into the dataset (below `folder`).

    The same rules as for folders apply to `path`; its files are always copied.
    """
    source = _server_path(ctx, path, in_place=False, anywhere=anywhere)
    if not source.is_file():
        raise InvalidInput(f"{path} is not a file.", field="path")
    if detect_kind(source) is None:
        raise InvalidInput(
            f"{path} is not a supported archive: zip, tar, tar.gz, tar.bz2, tar.xz or a "
            "single .gz file.",
            field="path",
        )
    _dataset_exists(ctx, dataset_id)
    source_params = {"type": "archive", "path": str(source)}
    return _start(ctx, actor, dataset_id, source_params, folder, options=options)


def start_upload_import(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    staging: str,
    folder: str,
    options: ImportOptions | None = None,
) -> JobInfo:
    """Start importing the files of a finished upload (see `uploads`), then remove them."""
    source = {"type": "upload", "path": staging}
    return _start(ctx, actor, dataset_id, source, folder, options=options)


def start_url_import(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    csv_path: str,
    *,
    folder: str = "",
    register_only: bool = False,
    staged: bool = False,
    options: ImportOptions | None = None,
) -> JobInfo:
    """Start importing the URLs listed in a CSV file (columns `url`, optional `folder` and
    `name`): downloaded into storage, or only registered (`register_only`). A `staged` CSV
    (received through the API) is removed when the job is done."""
    _dataset_exists(ctx, dataset_id)
    source = {"type": "urls", "path": csv_path, "register_only": register_only,
              "staged": staged}  # fmt: skip
    return _start(ctx, actor, dataset_id, source, folder, options=options)


def start_dicomweb_import(
    ctx: Context, actor: Actor, dataset_id: int, url: str, *, folder: str = ""
) -> JobInfo:
    """Start fetching a DICOMweb study, series or instance (WADO-RS URL) into the dataset."""
    from pixelwise.services.import_remote import url_policy
    from pixelwise.storage.sources.dicomweb import parse_dicomweb_url
    from pixelwise.storage.sources.netguard import check_url

    ref = parse_dicomweb_url(url)
    check_url(ref.base_url, url_policy(ctx.settings))
    _dataset_exists(ctx, dataset_id)
    return _start(ctx, actor, dataset_id, {"type": "dicomweb", "url": url}, folder)


def _start(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    source: dict[str, Any],
    folder: str,
    *,
    in_place: bool = False,
    options: ImportOptions | None = None,
) -> JobInfo:
    params = {"dataset_id": dataset_id, "source": source, "in_place": in_place,
              "folder": clean_folder(folder),
              "options": asdict(options or ImportOptions())}  # fmt: skip
    return start_job(ctx, actor, IMPORT_KIND, params)


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    expected = {"dataset_id", "source", "in_place", "folder"}
    if not expected <= set(params) <= expected | {"options"}:
        raise InvalidInput(f"An import needs these parameters: {sorted(expected)} (+ options).")
    source = params["source"]
    if not isinstance(source, dict) or source.get("type") not in SOURCE_TYPES:
        raise InvalidInput(f"An import's source must be one of {sorted(SOURCE_TYPES)}.")
    return params


def archive_limits(ctx: Context) -> ArchiveLimits:
    settings = ctx.settings
    return ArchiveLimits(
        max_entry_bytes=settings.max_file_bytes,
        max_total_bytes=settings.archive_max_total_bytes,
        max_ratio=settings.archive_max_ratio,
    )


def run_import(job: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The handler of `dataset.import` jobs."""
    ctx = job.ctx
    source = params["source"]
    path = Path(source.get("path") or source.get("url", ""))
    options = ImportOptions.from_params(params)
    run = ImportRun(job, int(params["dataset_id"]), str(params["folder"]), options)
    spool = ctx.settings.home_dir / "tmp" / f"import-{job.job_id}"
    spool.mkdir(parents=True, exist_ok=True)
    finished = False
    try:
        items: Iterator[Item]
        total: int | None = None
        if source["type"] == "archive":
            items = archive_items(path, archive_limits(ctx), spool)
        elif source["type"] == "upload":
            total, items = upload_items(path, archive_limits(ctx), spool)
        elif source["type"] in ("urls", "dicomweb"):
            # Imported here: the HTTP and DICOMweb clients cost every process start-up time.
            from pixelwise.services.import_remote import dicomweb_items, url_items, url_policy

            if source["type"] == "urls":
                register_only = bool(source.get("register_only"))
                total, items = url_items(ctx, path, spool, register_only=register_only)
            else:
                total, items = dicomweb_items(source["url"], url_policy(ctx.settings), spool)
        else:
            total, items = folder_items(path, in_place=bool(params["in_place"]))
        label = {"folder": str(path), "dicomweb": source.get("url", "")}.get(
            source["type"], path.name
        )
        run.take_all(items, total, label)
        finished = True
        return run.finish(source=source["type"], path=label, in_place=bool(params["in_place"]))
    except (JobInterrupted, JobSuperseded):
        raise  # the job runs again: keep the uploaded files
    except BaseException:
        finished = True
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        if finished and source["type"] == "upload":
            shutil.rmtree(path, ignore_errors=True)
        if finished and source.get("staged"):
            shutil.rmtree(path.parent, ignore_errors=True)


def report_lines(result: dict[str, Any]) -> list[str]:
    """The job result as lines a person reads: the counts, then each file not imported."""
    lines = [
        f"imported {result['imported']}, skipped {result['skipped']}, failed {result['failed']}"
    ]
    for item in result["files"]:
        if item["status"] != "imported":
            lines.append(f"{item['status']:>8}  {item['path']}: {item['reason']}")
    if result.get("files_truncated"):
        lines.append(f"(only the first {REPORT_LIMIT} files are listed)")
    return lines


job_kinds.register(IMPORT_KIND, run_import, check_params=_check_params)
