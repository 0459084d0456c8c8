"""The whole export, assembled from its parts while it is sent: never built in memory.

JSON and COCO: the document head (rebuilt from the manifest), then each part's item (or
image, then annotation) section read as a byte range of the part's blob, joined by commas,
then the end of the document. Masks: one zip (stored) with the colour map and every entry
of every part's zip, copied one file at a time.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from pixelwise.formats import coco, masks, native
from pixelwise.formats.items import ClassTable
from pixelwise.services.export_parts import coco_head, prefix
from pixelwise.storage.blobs import CHUNK, BlobStore, iter_chunks


def assemble(blobs: BlobStore, manifest: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of the assembled export, in chunks of at most about a megabyte."""
    if manifest["format"] == "masks":
        return _zip(blobs, manifest)
    return _document(blobs, manifest)


def _sections(blobs: BlobStore, manifest: dict[str, Any], section: str) -> Iterator[bytes]:
    first = True
    for part in manifest["parts"]:
        start, end = part["sections"][section]
        if end <= start:
            continue
        if not first:
            yield b","
        first = False
        yield from iter_chunks(blobs.open(prefix(manifest["job_id"]) + part["name"], start, end))


def _document(blobs: BlobStore, manifest: dict[str, Any]) -> Iterator[bytes]:
    if manifest["format"] == "coco":
        yield coco_head(manifest).encode()
        yield from _sections(blobs, manifest, "images")
        yield coco.IMAGES_END.encode()
        yield from _sections(blobs, manifest, "annotations")
        yield coco.DOCUMENT_END.encode()
        return
    yield native.document_head(manifest["project"], manifest["instruction"]).encode()
    yield from _sections(blobs, manifest, "items")
    yield native.DOCUMENT_END.encode()


class _Sink:
    """A write-only file that keeps what is written until it is taken (zipfile writes the
    archive into it; the generator hands the bytes on)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    """`stream` itself when it can seek (a local file), else a temporary copy (zipfile needs
    to seek to read an archive's directory)."""
    if stream.seekable():
        return stream
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the caller closes it
    with stream:
        shutil.copyfileobj(stream, copy, CHUNK)
    copy.seek(0)
    return copy


def _zip(blobs: BlobStore, manifest: dict[str, Any]) -> Iterator[bytes]:
    sink = _Sink()
    skip = {masks.COLORMAP_JSON, masks.COLORMAP_TXT}
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:  # type: ignore[call-overload]
        for name, data in masks.colormap_files(ClassTable.from_json(manifest["classes"])):
            archive.writestr(name, data)
        yield sink.take()
        for part in manifest["parts"]:
            with (
                _seekable(blobs.open(prefix(manifest["job_id"]) + part["name"])) as source,
                zipfile.ZipFile(source) as inner,
            ):
                for info in inner.infolist():
                    if info.filename in skip:
                        continue
                    archive.writestr(info.filename, inner.read(info))
                    yield sink.take()
    yield sink.take()
