"""One run of an import job: decides per file, stores it, writes assets in batches.

The run takes `Candidate`s from any source (see `import_sources`) and reports every one of
them as imported, skipped (already in the dataset, not a kind of file Pixelwise imports) or
failed (unreadable, too large, damaged), with the reason; no file stops the others.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, insert, select

from pixelwise.db.models import Asset, Dataset
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services import audit, work_items
from pixelwise.services.asset_rows import asset_row
from pixelwise.services.context import Actor
from pixelwise.services.datasets import blob_prefix
from pixelwise.services.import_dicom import DICOM_SUFFIXES, DicomCollector
from pixelwise.services.import_sources import Candidate, Item, Passed, Remote
from pixelwise.services.import_video import VIDEO_SUFFIXES, take_video
from pixelwise.services.job_runs import JobContext

if TYPE_CHECKING:
    from pixelwise.media.images import ImageProbe

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
NOT_MEDIA = "not an image, video or DICOM file"
DICOM_SNIFF_BYTES = 132
REPORT_LIMIT = 10_000  # skipped and failed files listed in the job result
BATCH = 200  # assets written per transaction
PRELOAD_LIMIT = 200_000  # datasets up to this many assets are checked for duplicates in memory
HASH_CHUNK = 1024 * 1024
Status = Literal["imported", "skipped", "failed"]


@dataclass(frozen=True)
class FileReport:
    path: str
    status: Status
    reason: str = ""


@dataclass
class Tally:
    imported: int = 0
    skipped: int = 0
    failed: int = 0

    def result(self, report: list[FileReport]) -> dict[str, Any]:
        return {
            "imported": self.imported, "skipped": self.skipped, "failed": self.failed,
            "files": [asdict(item) for item in report[:REPORT_LIMIT]],
            "files_truncated": len(report) > REPORT_LIMIT,
        }  # fmt: skip


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


MediaKind = Literal["image", "video", "dicom"]
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")


def kind_by_name(name: str) -> MediaKind | None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in DICOM_SUFFIXES:
        return "dicom"
    return None


ImageFacts = tuple[str, "ImageProbe"]  # checksum, probe
AHEAD = 8  # images hashed and probed ahead of the one being recorded
PREPARE_THREADS = max(1, min(4, os.cpu_count() or 1))


def image_facts(item: Candidate, max_pixels: int) -> ImageFacts:
    """The checksum and probe of an image file (raises what `probe_image` raises)."""
    # Imported here, not at module level: every server process loads this module to know
    # the job kind, and Pillow and NumPy would add to everyone's start-up time.
    from pixelwise.media.images import probe_image

    checksum = sha256_file(item.path)
    with item.path.open("rb") as handle:
        return checksum, probe_image(handle, max_pixels=max_pixels)


def _ahead(
    items: Iterator[Item], max_pixels: int, max_bytes: int
) -> Iterator[tuple[Item, Future[ImageFacts] | None]]:
    """Each item with, for images, their facts being worked out on a small thread pool,
    up to AHEAD items in advance (sources keep their files until the run took them)."""
    window: deque[tuple[Item, Future[ImageFacts] | None]] = deque()
    with ThreadPoolExecutor(PREPARE_THREADS, thread_name_prefix="import-probe") as pool:
        for item in items:
            future = None
            if (
                isinstance(item, Candidate)
                and item.size <= max_bytes
                and kind_by_name(item.relative) == "image"
            ):
                future = pool.submit(image_facts, item, max_pixels)
            window.append((item, future))
            if len(window) > AHEAD:
                yield window.popleft()
        while window:
            yield window.popleft()


def media_kind(item: Candidate) -> MediaKind | None:
    """What an import makes of a file: by its extension, else by its first bytes (DICOM
    files often have no extension, and URLs often name no file)."""
    by_name = kind_by_name(item.relative)
    if by_name is not None:
        return by_name
    with item.path.open("rb") as handle:
        head = handle.read(DICOM_SNIFF_BYTES)
    if head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    from pixelwise.media.dicom import is_dicom

    return "dicom" if len(head) == DICOM_SNIFF_BYTES and is_dicom(head) else None


def asset_path(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing chose beyond the source."""

    extract_frames: bool = False  # also turn each video into a folder of image assets
    frame_step: int = 1  # ... keeping every n-th frame

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ImportOptions:
        given = params.get("options") or {}
        return cls(
            extract_frames=bool(given.get("extract_frames", False)),
            frame_step=max(1, int(given.get("frame_step", 1))),
        )


class ImportRun:
    """Takes items into one dataset below the folder `target`, copying each file into the
    dataset's storage, or registering it in place when the candidate carries a `uri`.

    Images and videos become assets as they come; DICOM instances are collected and become
    one asset per series when `finish` is called.
    """

    def __init__(
        self,
        job: JobContext,
        dataset_id: int,
        target: str,
        options: ImportOptions | None = None,
    ) -> None:
        self.job = job
        self.ctx = job.ctx
        self.dataset_id = dataset_id
        self.target = target
        self.options = options or ImportOptions()
        self.dicom = DicomCollector(self)
        self.tally = Tally()
        self.report: list[FileReport] = []
        self.pending: list[dict[str, Any]] = []
        self.seen_checksums: dict[str, str] = {}
        self.seen_paths: set[tuple[str, str]] = set()
        self.preloaded: bool | None = None  # whether the dataset's assets are in the sets above
        self.max_pixels = self.ctx.settings.max_image_pixels

    def note(self, path: str, status: Status, reason: str = "") -> None:
        setattr(self.tally, status, getattr(self.tally, status) + 1)
        self.report.append(FileReport(path, status, reason))

    def take_all(self, items: Iterator[Item], total: int | None, label: str) -> None:
        """Take every item, reporting progress as `done of total` (total None: unknown).

        Images are hashed and probed a few items ahead on other threads while this one
        stores and records, which uses every core (Pillow and hashlib release the
        interpreter lock).
        """
        self.job.progress(0, total, f"importing from {label}")
        staged = _ahead(items, self.max_pixels, self.ctx.settings.max_file_bytes)
        for done, (item, prepared) in enumerate(staged, start=1):
            try:
                self.take(item, prepared)
            finally:
                if isinstance(item, Candidate) and item.temporary:
                    item.path.unlink(missing_ok=True)
            if len(self.pending) >= BATCH:
                self.flush()
            counts = f"{self.tally.imported} imported"
            self.job.progress(done, total, f"{done} of {total or '?'}: {counts}")
        self.flush()

    def take(self, item: Item, prepared: Future[ImageFacts] | None = None) -> None:
        if isinstance(item, Passed):
            self.note(item.relative, item.status, item.reason)
            return
        if isinstance(item, Remote):
            self._register(item)
            return
        if item.size > self.ctx.settings.max_file_bytes:
            limit = self.ctx.settings.max_file_bytes
            self.note(item.relative, "failed", f"{item.size} bytes is over the limit of {limit}")
            return
        try:
            kind = media_kind(item)
            if kind is None:
                self.note(item.relative, "skipped", NOT_MEDIA)
                return
            if kind == "image":
                facts = prepared.result() if prepared else image_facts(item, self.max_pixels)
                self._take_image(item, facts)
                return
            checksum = sha256_file(item.path)
            if kind == "video":
                take_video(self, item, checksum)
            else:
                self.dicom.take(item, checksum)
        except InvalidInput as error:
            self.note(item.relative, "failed", error.detail)
        except OSError as error:
            self.note(item.relative, "failed", f"cannot read the file: {error.strerror}")

    def place(self, relative: str) -> tuple[str, str]:
        """The folder and name an item gets in the dataset."""
        path = PurePosixPath(relative)
        parent = "" if path.parent == PurePosixPath(".") else str(path.parent)
        return "/".join(part for part in (self.target, parent) if part), path.name

    def _take_image(self, item: Candidate, facts: ImageFacts) -> None:
        checksum, probe = facts
        folder, name = self.place(item.relative)
        conflict = self.conflict(checksum, folder, name)
        if conflict is not None:
            self.note(item.relative, "skipped", conflict)
            return
        key = "" if item.uri else self.store(item.path, folder, name)
        self.add(
            item.relative,
            asset_row(
                dataset_id=self.dataset_id, folder=folder, name=name, kind="image",
                media_type=probe.media_type, blob_key=key, source_uri=item.uri,
                size_bytes=item.size, checksum=checksum, width=probe.width,
                height=probe.height, frame_count=probe.frames,
                meta={"orientation": probe.orientation, "mode": probe.mode,
                      "bits_per_channel": probe.bits_per_channel},
            ),
        )  # fmt: skip

    def _register(self, item: Remote) -> None:
        """An asset that points at a URL (not downloaded; served through the network guard,
        which the source already checked it against)."""
        folder, name = self.place(item.relative)
        kind = kind_by_name(name) or "image"
        if kind == "dicom":
            self.note(item.relative, "failed", "DICOM files are downloaded, not registered")
            return
        checksum = hashlib.sha256(item.url.encode()).hexdigest()
        conflict = self.conflict(checksum, folder, name)
        if conflict is not None:
            self.note(item.relative, "skipped", conflict.replace("file", "URL", 1))
            return
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.add(
            item.relative,
            asset_row(
                dataset_id=self.dataset_id, folder=folder, name=name, kind=kind,
                media_type=media_type, blob_key="", source_uri=item.url, size_bytes=0,
                checksum=checksum, meta={"registered": True},
            ),
        )  # fmt: skip

    def store(self, path: Path, folder: str, name: str) -> str:
        """Copy a file into the dataset's storage; returns its key."""
        key = f"{blob_prefix(self.dataset_id)}{asset_path(folder, name)}"
        with path.open("rb") as handle:
            self.ctx.blobs.put(key, handle)
        return key

    def add_bytes(
        self,
        relative: str,
        data: bytes,
        folder: str,
        name: str,
        *,
        width: int,
        height: int,
        meta: dict[str, Any],
    ) -> None:
        """A JPEG made during the import (a video's frame) as an image asset."""
        checksum = hashlib.sha256(data).hexdigest()
        conflict = self.conflict(checksum, folder, name)
        if conflict is not None:
            self.note(relative, "skipped", conflict)
            return
        key = f"{blob_prefix(self.dataset_id)}{asset_path(folder, name)}"
        self.ctx.blobs.put(key, io.BytesIO(data))
        self.add(
            relative,
            asset_row(
                dataset_id=self.dataset_id, folder=folder, name=name, kind="image",
                media_type="image/jpeg", blob_key=key, size_bytes=len(data), checksum=checksum,
                width=width, height=height, frame_count=1,
                meta={"orientation": 1, "mode": "RGB", "bits_per_channel": 8, **meta},
            ),
        )  # fmt: skip
        if len(self.pending) >= BATCH:
            self.flush()

    def add(self, relative: str, asset: dict[str, Any]) -> None:
        self.pending.append(asset)
        folder, name = asset["folder"], asset["name"]
        self.seen_checksums[asset["checksum"]] = asset_path(folder, name)
        self.seen_paths.add((folder, name))
        self.note(relative, "imported")

    def conflict(self, checksum: str, folder: str, name: str) -> str | None:
        """Why the file must be skipped (same bytes or same path already in the dataset),
        or None. Files taken earlier in this run are checked first, without a query."""
        self._preload()
        duplicate = self.seen_checksums.get(checksum)
        taken = (folder, name) in self.seen_paths
        if duplicate is None and not taken and not self.preloaded:
            with self.ctx.database.read() as session:
                row = session.execute(
                    select(Asset.folder, Asset.name)
                    .where(Asset.dataset_id == self.dataset_id, Asset.checksum == checksum)
                    .limit(1)
                ).first()
                duplicate = asset_path(row.folder, row.name) if row else None
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

    def _preload(self) -> None:
        """Read the dataset's checksums and paths once, when it is small enough to keep them
        in memory: then no file costs a query. Larger datasets are asked file by file."""
        if self.preloaded is not None:
            return
        with self.ctx.database.read() as session:
            count = session.scalar(
                select(func.count()).select_from(Asset).where(Asset.dataset_id == self.dataset_id)
            )
            self.preloaded = (count or 0) <= PRELOAD_LIMIT
            if self.preloaded:
                rows = session.execute(
                    select(Asset.checksum, Asset.folder, Asset.name).where(
                        Asset.dataset_id == self.dataset_id
                    )
                )
                for row in rows:
                    self.seen_checksums.setdefault(row.checksum, asset_path(row.folder, row.name))
                    self.seen_paths.add((row.folder, row.name))

    def flush(self) -> None:
        if not self.pending:
            return
        with self.ctx.database.transaction() as session:
            if session.get(Dataset, self.dataset_id) is None:
                raise NotFound(f"Dataset {self.dataset_id} was deleted during the import.")
            before = work_items.last_asset_id(session)
            session.execute(insert(Asset), self.pending)
            work_items.add_missing(session, dataset_id=self.dataset_id, after_asset_id=before)
        self.pending = []

    def finish(self, **detail: Any) -> dict[str, Any]:
        """Make the DICOM series, write what is pending, record the import in the audit log,
        return the report."""
        self.dicom.finish()
        self.flush()
        with self.ctx.database.transaction() as session:
            audit.record(
                session, Actor(user_id=self.job.created_by), "dataset.import",
                target_type="dataset", target_id=self.dataset_id, imported=self.tally.imported,
                skipped=self.tally.skipped, failed=self.tally.failed, **detail,
            )  # fmt: skip
        return self.tally.result(self.report)
