"""Importing files into a dataset as a background job, with a report for every file.

This slice reads a folder on the server (copying the files into storage, or registering
them in place) and takes images. Every file ends up in the report as imported, skipped
(already there, or not something Pixelwise imports) or failed (unreadable, too large,
not a valid image), and no file stops the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select

from pixelwise.db.models import Asset, Dataset
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services import audit, job_kinds
from pixelwise.services.context import Actor, Context
from pixelwise.services.datasets import blob_prefix, clean_folder
from pixelwise.services.job_runs import JobContext
from pixelwise.services.jobs import JobInfo, start_job
from pixelwise.storage.sources.folders import FolderFile, confine, walk

IMPORT_KIND = "dataset.import"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
REPORT_LIMIT = 10_000  # skipped and failed files listed in the job result
BATCH = 200  # assets written per transaction
HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileReport:
    path: str
    status: str  # "imported" | "skipped" | "failed"
    reason: str = ""


@dataclass
class _Tally:
    imported: int = 0
    skipped: int = 0
    failed: int = 0

    def result(self, report: list[FileReport]) -> dict[str, Any]:
        return {
            "imported": self.imported, "skipped": self.skipped, "failed": self.failed,
            "files": [asdict(item) for item in report[:REPORT_LIMIT]],
            "files_truncated": len(report) > REPORT_LIMIT,
        }  # fmt: skip


def start_folder_import(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    path: str,
    *,
    in_place: bool,
    folder: str = "",
    anywhere: bool = False,
) -> JobInfo:
    """Start importing the server folder `path` into the dataset (below `folder`).

    `path` must lie under PIXELWISE_IMPORT_ROOTS. `anywhere` (the operator's own command
    line) lifts that rule for copies; files registered in place must always lie under the
    roots, since the server reads them there later. In place, files are never copied,
    moved or deleted by Pixelwise.
    """
    if in_place or not anywhere:
        source = confine(path, ctx.settings.import_roots)
    else:
        source = Path(path).expanduser().resolve()
    if not source.is_dir():
        raise InvalidInput(f"{path} is not a folder.", field="path")
    with ctx.database.read() as session:
        if session.get(Dataset, dataset_id) is None:
            raise NotFound(f"There is no dataset {dataset_id}.")
    params = {
        "dataset_id": dataset_id, "source": str(source), "in_place": in_place,
        "folder": clean_folder(folder),
    }  # fmt: skip
    return start_job(ctx, actor, IMPORT_KIND, params)


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    expected = {"dataset_id", "source", "in_place", "folder"}
    if set(params) != expected:
        raise InvalidInput(f"An import needs exactly these parameters: {sorted(expected)}.")
    return params


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _FolderImport:
    """One run of a folder import: decides per file, writes assets in batches."""

    def __init__(self, job: JobContext, params: dict[str, Any]) -> None:
        self.job = job
        self.ctx = job.ctx
        self.dataset_id = int(params["dataset_id"])
        self.source = Path(params["source"])
        self.in_place = bool(params["in_place"])
        self.target = str(params["folder"])
        self.tally = _Tally()
        self.report: list[FileReport] = []
        self.pending: list[Asset] = []
        self.seen_checksums: dict[str, str] = {}
        self.seen_paths: set[tuple[str, str]] = set()

    def note(self, path: str, status: str, reason: str) -> None:
        setattr(self.tally, status, getattr(self.tally, status) + 1)
        self.report.append(FileReport(path, status, reason))

    def run(self) -> dict[str, Any]:
        entries = list(walk(self.source))
        total = len(entries)
        self.job.progress(0, total, f"importing {total} entries from {self.source}")
        for done, entry in enumerate(entries, start=1):
            if isinstance(entry, FolderFile):
                self.take(entry)
            else:
                self.note(entry.relative, "skipped", entry.reason)
            if len(self.pending) >= BATCH:
                self.flush()
            self.job.progress(done, total, f"{done} of {total}: {self.tally.imported} imported")
        self.flush()
        result = self.tally.result(self.report)
        with self.ctx.database.transaction() as session:
            audit.record(
                session, Actor(user_id=self.job.created_by), "dataset.import",
                target_type="dataset", target_id=self.dataset_id, source=str(self.source),
                in_place=self.in_place, imported=self.tally.imported,
                skipped=self.tally.skipped, failed=self.tally.failed,
            )  # fmt: skip
        return result

    def take(self, entry: FolderFile) -> None:
        settings = self.ctx.settings
        relative = PurePosixPath(entry.relative)
        if relative.suffix.lower() not in IMAGE_SUFFIXES:
            self.note(entry.relative, "skipped", "not an image file (by its extension)")
            return
        if entry.size > settings.max_file_bytes:
            limit = settings.max_file_bytes
            self.note(entry.relative, "failed", f"{entry.size} bytes is over the limit of {limit}")
            return
        parent = "" if relative.parent == PurePosixPath(".") else str(relative.parent)
        folder = "/".join(part for part in (self.target, parent) if part)
        name = relative.name
        # Imported here, not at module level: every server process loads this module to know
        # the job kind, and Pillow and NumPy would add to everyone's start-up time.
        from pixelwise.media.images import ImageError, probe_image

        try:
            checksum = _sha256(entry.path)
            with entry.path.open("rb") as handle:
                probe = probe_image(handle, max_pixels=settings.max_image_pixels)
        except ImageError as error:
            self.note(entry.relative, "failed", str(error))
            return
        except OSError as error:
            self.note(entry.relative, "failed", f"cannot read the file: {error.strerror}")
            return
        conflict = self._conflict(checksum, folder, name)
        if conflict is not None:
            self.note(entry.relative, "skipped", conflict)
            return
        key = ""
        source_uri = None
        if self.in_place:
            source_uri = entry.path.as_uri()
        else:
            key = f"{blob_prefix(self.dataset_id)}{folder + '/' if folder else ''}{name}"
            with entry.path.open("rb") as handle:
                self.ctx.blobs.put(key, handle)
        self.pending.append(
            Asset(
                dataset_id=self.dataset_id,
                folder=folder,
                name=name,
                kind="image",
                media_type=probe.media_type,
                blob_key=key,
                source_uri=source_uri,
                size_bytes=entry.size,
                checksum=checksum,
                width=probe.width,
                height=probe.height,
                frame_count=probe.frames,
                meta={
                    "orientation": probe.orientation,
                    "mode": probe.mode,
                    "bits_per_channel": probe.bits_per_channel,
                },
            )
        )
        self.seen_checksums[checksum] = _asset_path(folder, name)
        self.seen_paths.add((folder, name))
        self.note(entry.relative, "imported", "")

    def _conflict(self, checksum: str, folder: str, name: str) -> str | None:
        """Why the file must be skipped (same bytes or same path already in the dataset),
        or None. Files taken earlier in this run are checked first, without a query."""
        duplicate = self.seen_checksums.get(checksum)
        taken = (folder, name) in self.seen_paths
        if duplicate is None and not taken:
            with self.ctx.database.read() as session:
                row = session.execute(
                    select(Asset.folder, Asset.name)
                    .where(Asset.dataset_id == self.dataset_id, Asset.checksum == checksum)
                    .limit(1)
                ).first()
                duplicate = _asset_path(row.folder, row.name) if row else None
                if duplicate is None:
                    taken = (
                        session.scalar(
                            select(Asset.id).where(
                                Asset.dataset_id == self.dataset_id,
                                Asset.folder == folder,
                                Asset.name == name,
                            )
                        )
                        is not None
                    )
        if duplicate is not None:
            return f"the same file is already in the dataset as {duplicate}"
        if taken:
            return "another file already has this path in the dataset"
        return None

    def flush(self) -> None:
        if not self.pending:
            return
        with self.ctx.database.transaction() as session:
            if session.get(Dataset, self.dataset_id) is None:
                raise NotFound(f"Dataset {self.dataset_id} was deleted during the import.")
            session.add_all(self.pending)
        self.pending = []


def _asset_path(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def run_import(job: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The handler of `dataset.import` jobs."""
    return _FolderImport(job, params).run()


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
