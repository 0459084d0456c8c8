"""Reading assets, through a project or (organisation admins) their dataset: list them,
view them, download originals (audited)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, cast

from sqlalchemy import select

from pixelwise.db.models import Asset, Project
from pixelwise.domain.errors import NotFound
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context
from pixelwise.storage.blobs import file_range, iter_chunks
from pixelwise.storage.sources.folders import open_in_place


@dataclass(frozen=True)
class AssetInfo:
    id: int
    dataset_id: int
    folder: str
    name: str
    kind: str
    media_type: str
    size_bytes: int
    width: int | None
    height: int | None
    frame_count: int | None
    created_at: datetime


@dataclass(frozen=True)
class AssetFile:
    """The bytes of an asset (or of a rendition), with what a response needs to describe them.

    `etag` is set when the bytes can be recognised again without reading them.
    """

    name: str
    media_type: str
    size_bytes: int
    chunks: Iterator[bytes]
    etag: str | None = None
    last_modified: datetime | None = None


def asset_info(row: Asset) -> AssetInfo:
    """The service view of an asset row."""
    return AssetInfo(
        id=row.id,
        dataset_id=row.dataset_id,
        folder=row.folder,
        name=row.name,
        kind=row.kind,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        width=row.width,
        height=row.height,
        frame_count=row.frame_count,
        created_at=row.created_at,
    )


def list_assets(
    ctx: Context, project_id: int, *, cursor: str | None, limit: int, folder: str | None = None
) -> Page[AssetInfo]:
    """The project's assets by id, optionally one folder's."""
    after = decode_cursor(cursor)
    with ctx.database.read() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"There is no project {project_id}.")
        if project.dataset_id is None:
            return Page([], None)
        query = select(Asset).where(Asset.dataset_id == project.dataset_id)
        if folder is not None:
            query = query.where(Asset.folder == folder.strip("/"))
        if after is not None:
            query = query.where(Asset.id > int(after))
        rows = list(session.scalars(query.order_by(Asset.id).limit(limit + 1)))
    return page_from([asset_info(row) for row in rows], limit, key=lambda asset: asset.id)


def project_asset(ctx: Context, project_id: int, asset_id: int) -> Asset:
    """The asset row, if it belongs to the project's dataset; NotFound otherwise."""
    with ctx.database.read() as session:
        project = session.get(Project, project_id)
        asset = session.get(Asset, asset_id)
    if project is None:
        raise NotFound(f"There is no project {project_id}.")
    if asset is None or asset.dataset_id != project.dataset_id:
        raise NotFound(f"Project {project_id} has no asset {asset_id}.")
    return asset


def dataset_asset(ctx: Context, dataset_id: int, asset_id: int) -> Asset:
    """The asset row, if it belongs to the dataset; NotFound otherwise."""
    with ctx.database.read() as session:
        asset = session.get(Asset, asset_id)
    if asset is None or asset.dataset_id != dataset_id:
        raise NotFound(f"Dataset {dataset_id} has no asset {asset_id}.")
    return asset


def open_original(ctx: Context, asset: Asset, start: int = 0, end: int | None = None) -> BinaryIO:
    """A stream of the asset's original bytes [start, end), from storage or from where it was
    registered."""
    if asset.source_uri and is_remote(asset):
        return _open_remote(ctx, asset.source_uri)
    if asset.source_uri:
        stream = open_in_place(asset.source_uri, ctx.settings.import_roots)
        return file_range(stream, asset.name, start, end)
    return ctx.blobs.open(asset.blob_key, start, end)


def _sent_whole(asset: Asset) -> bool:
    return is_remote(asset) or asset.kind == "dicom"


def is_remote(asset: Asset) -> bool:
    """Whether the asset is a registered URL (served by proxy, size unknown, no ranges)."""
    return (asset.source_uri or "").startswith(("http://", "https://"))


def _open_remote(ctx: Context, url: str) -> BinaryIO:
    """The bytes behind a registered URL, fetched through the network guard."""
    from pixelwise.services.import_remote import url_policy
    from pixelwise.storage.sources.netguard import open_url

    response = open_url(url, url_policy(ctx.settings))
    return cast(BinaryIO, io.BufferedReader(_Chunks(response.iter_bytes(), response.close)))


class _Chunks(io.RawIOBase):
    """A readable stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None]) -> None:
        self.chunks = chunks
        self.on_close = on_close
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.buffer:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.buffer = chunk
        view = memoryview(target).cast("B")
        count = min(len(view), len(self.buffer))
        view[:count] = self.buffer[:count]
        self.buffer = self.buffer[count:]
        return count

    def close(self) -> None:
        if not self.closed:
            self.on_close()
        super().close()


@dataclass(frozen=True)
class OriginalInfo:
    """What a response needs to know of an original before sending any of it."""

    size_bytes: int
    etag: str
    last_modified: datetime
    whole: bool = False  # sent whole, size unknown: a registered URL, a series as a zip


def original_validators(asset: Asset) -> tuple[str, datetime]:
    """The ETag and Last-Modified of an original: its bytes never change under its id."""
    return f'"{asset.checksum[:32]}"', asset.created_at


def describe(asset: Asset) -> OriginalInfo:
    """Size and validators of an asset's original (not a read of it: not audited)."""
    etag, modified = original_validators(asset)
    return OriginalInfo(asset.size_bytes, etag, modified, whole=_sent_whole(asset))


def open_row(
    ctx: Context,
    actor: Actor,
    asset: Asset,
    *,
    download: bool,
    start: int = 0,
    end: int | None = None,
    project_id: int | None = None,
) -> AssetFile:
    """The original bytes of an asset (or the range [start, end) of them), a row already
    checked against the caller's project (or, `project_id` None, dataset); every read is
    written to the audit log."""
    detail: dict[str, Any] = {} if project_id is not None else {"dataset_id": asset.dataset_id}
    if start or end is not None:
        detail["range"] = f"{start}-{end}"
    if asset.kind == "dicom":
        chunks: Iterator[bytes] = zip_series(ctx, asset)
    else:
        chunks = iter_chunks(open_original(ctx, asset, start, end))
    with ctx.database.transaction() as session:
        audit.record(
            session,
            actor,
            "asset.download" if download else "asset.view",
            target_type="asset",
            target_id=asset.id,
            project_id=project_id,
            **detail,
        )
    etag, modified = original_validators(asset)
    if asset.kind == "dicom":
        return AssetFile(f"{asset.name}.zip", "application/zip", -1, chunks, etag=etag,
                         last_modified=modified)  # fmt: skip
    length = -1 if is_remote(asset) else (end if end is not None else asset.size_bytes) - start
    return AssetFile(asset.name, asset.media_type, length, chunks, etag=etag,
                     last_modified=modified)  # fmt: skip


class _Collect(io.RawIOBase):
    """A write-only stream that keeps what is written until it is taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_series(ctx: Context, asset: Asset) -> Iterator[bytes]:
    """The instances of a DICOM series as a zip (stored, not compressed), streamed: one
    instance is read at a time, in slice order, named `0001.dcm`, `0002.dcm`, ..."""
    meta = asset.meta or {}
    files = [str(ref) for ref in meta.get("files", [])]
    in_place = bool(meta.get("in_place"))
    sink = _Collect()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for number, ref in enumerate(files, start=1):
            source = (
                open_in_place(ref, ctx.settings.import_roots) if in_place else ctx.blobs.open(ref)
            )
            with source, archive.open(f"{number:04d}.dcm", "w", force_zip64=True) as entry:
                while chunk := source.read(1024 * 1024):
                    entry.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
