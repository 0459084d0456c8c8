"""Files uploaded through the API: received into a staging folder, then imported by a job.

The request is written to `HOME/uploads/<random>/files/` as it arrives (see
`storage.sources.uploads`); when it is complete, a `dataset.import` job takes the files
like any other source (archives among them are unpacked) and removes the staging folder
when it is done. Files refused while receiving (too large, bad names) are kept in
`refused.json` beside them, so that they appear in the job's report too.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from pixelwise.db.models import Dataset
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services import imports
from pixelwise.services.context import Actor, Context
from pixelwise.services.datasets import clean_folder
from pixelwise.services.import_run import ImportOptions
from pixelwise.services.import_sources import FILES, REFUSED
from pixelwise.services.jobs import JobInfo
from pixelwise.storage.sources.uploads import UploadTooLarge, UploadWriter


class Upload:
    """One upload request in progress: `feed` it the body, then `finish` or `abort`."""

    def __init__(self, ctx: Context, actor: Actor, dataset_id: int, folder: str, staging: Path,
                 writer: UploadWriter, options: ImportOptions | None = None) -> None:  # fmt: skip
        self.ctx = ctx
        self.actor = actor
        self.dataset_id = dataset_id
        self.folder = folder
        self.staging = staging
        self.writer = writer
        self.options = options

    def feed(self, chunk: bytes) -> None:
        try:
            self.writer.feed(chunk)
        except InvalidInput:
            self.abort()
            raise

    def finish(self) -> JobInfo:
        """Check the body was complete and start the import job."""
        try:
            self.writer.close()
            if not self.writer.received and not self.writer.refused:
                raise InvalidInput("The upload holds no files: add at least one file part.")
            refused = [{"path": r.path, "reason": r.reason} for r in self.writer.refused]
            (self.staging / REFUSED).write_text(json.dumps(refused))
            return imports.start_upload_import(
                self.ctx, self.actor, self.dataset_id, str(self.staging), self.folder,
                self.options,
            )  # fmt: skip
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _staging(ctx: Context, dataset_id: int, content_length: int | None, advice: str) -> Path:
    """A new staging folder for a request to a dataset, once its size and target are known
    good (the size by Content-Length, when the client sent one)."""
    limit = ctx.settings.max_upload_bytes
    if content_length is not None and content_length > limit:
        raise UploadTooLarge(
            f"The request is {content_length} bytes, over the limit of {limit} bytes "
            f"(setting PIXELWISE_MAX_UPLOAD_BYTES): {advice}."
        )
    with ctx.database.read() as session:
        if session.get(Dataset, dataset_id) is None:
            raise NotFound(f"There is no dataset {dataset_id}.")
    staging = ctx.settings.home_dir / "uploads" / secrets.token_hex(12)
    staging.mkdir(parents=True)
    return staging


def begin_upload(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    *,
    folder: str,
    content_type: str,
    content_length: int | None,
    options: ImportOptions | None = None,
) -> Upload:
    """Check the request before reading its body: the dataset, the folder, the size."""
    staging = _staging(ctx, dataset_id, content_length, "send the files in several requests")
    folder = clean_folder(folder)
    (staging / FILES).mkdir()
    try:
        writer = UploadWriter(
            staging / FILES, content_type,
            max_file_bytes=ctx.settings.max_file_bytes,
            max_request_bytes=ctx.settings.max_upload_bytes,
        )  # fmt: skip
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Upload(ctx, actor, dataset_id, folder, staging, writer, options)


class CsvUpload:
    """A CSV of URLs received in a request body (`text/csv`), streamed to a staging file."""

    def __init__(self, ctx: Context, actor: Actor, dataset_id: int, staging: Path,
                 *, folder: str, register_only: bool) -> None:  # fmt: skip
        self.ctx = ctx
        self.actor = actor
        self.dataset_id = dataset_id
        self.staging = staging
        self.path = staging / "urls.csv"
        self.folder = folder
        self.register_only = register_only
        self.size = 0
        self.file = self.path.open("xb")

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        limit = self.ctx.settings.max_upload_bytes
        if self.size > limit:
            self.abort()
            raise UploadTooLarge(
                f"The CSV is over the limit of {limit} bytes per request "
                "(setting PIXELWISE_MAX_UPLOAD_BYTES): split it."
            )
        self.file.write(chunk)

    def finish(self) -> JobInfo:
        try:
            self.file.close()
            if self.size == 0:
                raise InvalidInput("The CSV is empty: send a header line with `url`, then URLs.")
            return imports.start_url_import(
                self.ctx, self.actor, self.dataset_id, str(self.path), folder=self.folder,
                register_only=self.register_only, staged=True,
            )  # fmt: skip
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self.file.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def begin_csv_upload(
    ctx: Context,
    actor: Actor,
    dataset_id: int,
    *,
    folder: str,
    register_only: bool,
    content_length: int | None,
) -> CsvUpload:
    """Check a CSV-of-URLs request before reading its body."""
    staging = _staging(ctx, dataset_id, content_length, "split the CSV")
    folder = clean_folder(folder)
    return CsvUpload(ctx, actor, dataset_id, staging, folder=folder, register_only=register_only)
