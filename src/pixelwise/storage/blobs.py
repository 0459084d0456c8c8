"""The BlobStore port and its local-folder adapter (the embedded default)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pixelwise.domain.errors import InvalidInput, NotFound

CHUNK = 1024 * 1024


class BlobStore(Protocol):
    """Keys are relative POSIX paths ('datasets/3/a.png'); values are immutable bytes."""

    def put(self, key: str, data: BinaryIO) -> int:
        """Store a stream under `key` atomically; returns the number of bytes."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the bytes under `key`; NotFound if absent."""
        ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob whose key starts with the folder `prefix`; returns how many."""
        ...


def safe_key(key: str) -> PurePosixPath:
    """`key` as a relative path that cannot leave the store's root."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or "\\" in key or "\x00" in key:
        raise InvalidInput(f"invalid storage key {key!r}")
    return path


class LocalBlobStore:
    """Blobs as files under one folder; writes go to a temporary file, then rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

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

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"no stored file {key!r}") from None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"no stored file {key!r}") from None

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


def iter_chunks(stream: BinaryIO, chunk: int = CHUNK) -> Iterator[bytes]:
    """Read `stream` to its end in chunks, then close it."""
    with stream:
        while data := stream.read(chunk):
            yield data


def open_blob_store(url: str) -> BlobStore:
    """The adapter for a storage URL (file:///path)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalBlobStore(Path(url2pathname(parts.path)))
    raise InvalidInput(f"storage URL scheme {parts.scheme!r} is not supported yet (use file://)")
