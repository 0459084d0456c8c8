"""The BlobStore port and its local-folder adapter (the embedded default).

A blob store keeps the bytes of originals and renditions under relative POSIX keys
('datasets/3/a.png'). Two adapters exist: `LocalBlobStore` (a folder, the default) and
`S3BlobStore` (an S3-compatible bucket, in `pixelwise.storage.s3`). `open_blob_store` picks
one from the storage URL; the S3 adapter is imported only when asked for, so a server that
stores blobs on disk does not pay for loading boto3 at start-up.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pixelwise.domain.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK = 1024 * 1024


class BlobStore(Protocol):
    """Keys are relative POSIX paths ('datasets/3/a.png'); values are immutable bytes."""

    def put(self, key: str, data: BinaryIO) -> int:
        """Store a stream under `key` atomically; returns the number of bytes."""
        ...

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        """A readable stream of bytes [start, end) under `key` (end None: to the end of the
        blob; an end past the blob's size stops at its end, as HTTP ranges do).

        NotFound if absent; InvalidInput for a negative start, an end before the start, or
        a start past the blob's size.
        """
        ...

    def size(self, key: str) -> int:
        """The number of bytes under `key`; NotFound if absent."""
        ...

    def modified(self, key: str) -> datetime:
        """When the blob under `key` was written (timezone-aware, UTC); NotFound if absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; nothing happens if it is absent."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob whose key starts with the folder `prefix`; returns how many."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The blob's file on this machine, for decoders that need a real file (video,
        DICOM); None when the store is remote and callers must copy the blob themselves."""
        ...

    def check(self) -> None:
        """Make sure the store can be used; InvalidInput with a one-line reason if not.

        Called once at start-up so that a misconfigured store is reported clearly there,
        not on the first upload."""
        ...


def safe_key(key: str) -> PurePosixPath:
    """`key` as a relative path that cannot leave the store's root."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or "\\" in key or "\x00" in key:
        raise InvalidInput(f"invalid storage key {key!r}")
    return path


def check_range(start: int, end: int | None) -> None:
    """Refuse a byte range that is wrong whatever the blob's size."""
    if start < 0:
        raise InvalidInput(f"a byte range cannot start before 0 (got {start})")
    if end is not None and end < start:
        raise InvalidInput(f"a byte range cannot end ({end}) before it starts ({start})")


def clamp_range(key: str, start: int, end: int | None, size: int) -> tuple[int, int]:
    """The range [start, stop) that a blob of `size` bytes holds of [start, end)."""
    check_range(start, end)
    if start > size:
        raise InvalidInput(
            f"the byte range starts at {start}, past the end of {key!r} ({size} bytes)"
        )
    return start, size if end is None else min(end, size)


def file_range(handle: BinaryIO, name: str, start: int = 0, end: int | None = None) -> BinaryIO:
    """Bytes [start, end) of an open file, as a stream that closes the file with it (the file
    itself when the whole is asked for). `name` is for the messages of bad ranges."""
    if start == 0 and end is None:
        return handle
    try:
        start, stop = clamp_range(name, start, end, os.fstat(handle.fileno()).st_size)
        handle.seek(start)
    except BaseException:
        handle.close()
        raise
    return cast(BinaryIO, io.BufferedReader(_Window(handle, stop - start), CHUNK))


class _Window(io.RawIOBase):
    """At most `length` bytes of an open file, from its current position on."""

    def __init__(self, file: BinaryIO, length: int) -> None:
        self._file = file
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer).cast("B")
        data = self._file.read(min(len(view), self._left))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class LocalBlobStore:
    """Blobs as files under one folder; writes go to a temporary file, then rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InvalidInput(
                f"cannot create the storage folder {root}: {error.strerror or error}"
            ) from None

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*safe_key(key).parts)

    def put(self, key: str, data: BinaryIO) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := data.read(CHUNK):
                    out.write(chunk)
                    written += len(chunk)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return written

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        check_range(start, end)
        try:
            handle = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound(f"no stored file {key!r}") from None
        return file_range(handle, key, start, end)

    def _stat(self, key: str) -> os.stat_result:
        try:
            return self._path(key).stat()
        except FileNotFoundError:
            raise NotFound(f"no stored file {key!r}") from None

    def size(self, key: str) -> int:
        return self._stat(key).st_size

    def modified(self, key: str) -> datetime:
        return datetime.fromtimestamp(self._stat(key).st_mtime, UTC)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return 0
        count = sum(1 for path in folder.rglob("*") if path.is_file())
        shutil.rmtree(folder)
        return count

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no stored file {key!r}")
        return path

    def check(self) -> None:
        """The folder must exist and take new files (it is written to on every import)."""
        try:
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".check-")
            os.close(fd)
            Path(probe).unlink()
        except OSError as error:
            raise InvalidInput(
                f"cannot write to the storage folder {self.root}: {error.strerror or error}"
            ) from None


def iter_chunks(stream: BinaryIO, chunk: int = CHUNK) -> Iterator[bytes]:
    """Read `stream` to its end in chunks, then close it."""
    with stream:
        while data := stream.read(chunk):
            yield data


def open_blob_store(url: str) -> BlobStore:
    """The adapter for a storage URL: file:///path, or s3://bucket/prefix?options (the
    options are described in `pixelwise.storage.s3`)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalBlobStore(Path(url2pathname(parts.path)))
    if parts.scheme == "s3":
        from pixelwise.storage.s3 import S3BlobStore

        return S3BlobStore.from_url(url)
    raise InvalidInput(
        f"storage URL scheme {parts.scheme!r} is not supported (use file:// or s3://)"
    )
