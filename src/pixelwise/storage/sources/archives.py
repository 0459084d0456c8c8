"""Uploaded archives read entry by entry, without trusting them and without touching the disk.

People upload zip, tar (plain, gzip, bzip2 or xz) and single gzip files to import. Any of
them may be damaged or hostile, so this reader:

* never writes anything: each accepted file is an `ArchiveEntry` whose `open()` streams its
  bytes, and the caller decides where they go;
* never trusts a name: `../`, absolute paths (POSIX or Windows), NUL and control
  characters, names that are not UTF-8 and empty names are `Rejected`; backslashes count as
  folder separators (Windows tools write them), and `./a//b` becomes `a/b`;
* never follows a link: symbolic links, hard links, devices, FIFOs and sparse files are
  `Rejected`;
* counts the bytes it actually decompresses, because declared sizes can lie: a file that
  grows past `ArchiveLimits.max_entry_bytes` raises `EntryRejected` (report it and go on with
  the next entry), and an archive that grows past `max_total_bytes`, or past `max_ratio`
  times its size on disk, raises `ArchiveLimitExceeded` (stop). Declared sizes are only used
  to reject early what would fail anyway. Tar archives are counted below `tarfile`, so the
  bytes of headers and of skipped entries count too;
* does not let `tarfile` be turned against the server: a tar header over 1 MiB, pax records
  crafted to make older Pythons' parser take quadratic time (CVE-2024-6232), and a declared
  size beyond what is left of `max_total_bytes` (which `tarfile` would walk through, block
  by block, even past the end of the data) stop the archive;
* keeps memory flat: tar archives are read as one forward stream and nothing is buffered
  beyond a chunk. The price is that an entry can only be opened until the next one is asked
  for. (A zip's central directory is parsed whole by `zipfile`: memory proportional to the
  number of entries, which the upload size bounds.)

Folders are implied by paths, so directory entries are skipped silently. Files that
operating systems add on their own (`__MACOSX/`, AppleDouble `._*`, `.DS_Store`,
`Thumbs.db`, `desktop.ini`) are not skipped silently but `Rejected` as "operating-system
metadata", so the person importing sees why the file count differs from what they expected.

Every failure is an `ArchiveError`, a kind of `InvalidInput`: a damaged upload is the
uploader's problem and reaches them as a 4xx with a one-line message. Failing to open the
archive file itself (an `OSError`) is the server's problem and is not translated.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol

from pixelwise.domain.errors import InvalidInput

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ArchiveKind = Literal["zip", "tar", "tar.gz", "tar.bz2", "tar.xz", "gz"]

_CHUNK = 64 * 1024
_MAX_HEADER_BYTES = 1024 * 1024  # tar extended headers (long names, pax, sparse maps)
_MAX_HEADER_KEYS = 10_000  # distinct pax keys kept for the whole archive
MAX_NAME_BYTES = 255  # one path component, as UTF-8; the limit of common file systems

TRAVERSAL = "path leaves the archive (../)"
ABSOLUTE = "absolute path"
CONTROL = "NUL or control character in name"
NOT_UTF8 = "name is not valid UTF-8"
EMPTY = "empty name"
TOO_LONG = f"a path component is longer than {MAX_NAME_BYTES} bytes"
SYMLINK = "symbolic link"
HARDLINK = "hard link"
SPECIAL = "device or special file"
SPARSE = "sparse file (not supported)"
OS_METADATA = "operating-system metadata"
ENCRYPTED = "encrypted (password-protected)"

_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})  # compared casefolded
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"[A-Za-z]:")
_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# What the standard library raises for damaged data, whichever layer notices.
_DATA_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    tarfile.TarError,
    zipfile.BadZipFile,
    NotImplementedError,
    struct.error,
    UnicodeDecodeError,  # a name flagged UTF-8 that is not
)
# What the zipfile and tarfile parsers also raise on crafted headers (offsets past the end,
# numbers too large for a C integer, truncated sparse maps).
_PARSE_ERRORS = (*_DATA_ERRORS, ValueError, OverflowError, IndexError)


def too_large(limit: int) -> str:
    """The rejection reason of a file over the per-file limit."""
    return f"larger than the per-file limit of {limit} bytes"


def ratio_too_high(ratio: float) -> str:
    """The rejection reason of a file (or archive) that expands suspiciously much."""
    return f"decompression ratio over {ratio:g}:1 (a zip bomb?)"


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one archive may expand to; every count is of decompressed bytes.

    `max_ratio` compares the bytes decompressed so far with the archive's size on disk and
    applies only once more than `ratio_after_bytes` were decompressed, so that small
    archives of very compressible files are not flagged.
    """

    max_entry_bytes: int
    max_total_bytes: int
    max_ratio: float = 200.0
    ratio_after_bytes: int = 1024 * 1024
    max_entries: int = 1_000_000

    def __post_init__(self) -> None:
        for name in ("max_entry_bytes", "max_total_bytes", "max_ratio", "max_entries"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ArchiveLimits.{name} must be positive")
        if self.ratio_after_bytes < 0:
            raise ValueError("ArchiveLimits.ratio_after_bytes must not be negative")


class ArchiveError(InvalidInput):
    """The archive cannot be read (any further): not an archive, unsupported, damaged or
    truncated. The message is one line naming the archive and the problem; stop reading."""


class ArchiveLimitExceeded(ArchiveError):
    """The archive expands past `max_total_bytes`, `max_ratio` or `max_entries`: stop."""


class EntryRejected(ArchiveError):
    """Raised by an entry's stream: this file must be rejected (it grew past the per-file
    limit, or its data is damaged in a zip), but the next entries may still be read.

    `path` and `reason` are those of the `Rejected` to report in its place.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Rejected:
    """An entry that is not imported, and why, in words for the person importing.

    `path` is the name as written in the archive, with control characters and bytes that
    are not UTF-8 shown as backslash escapes, so that it is safe to log and to send as JSON.
    """

    path: str
    reason: str


@dataclass(frozen=True)
class ArchiveEntry:
    """A regular file accepted for import.

    `path` is a normalised relative POSIX path that keeps the archive's folders
    ("scans/a.png"); `size` is the size the archive declares, if it declares one (a hint:
    the limits are enforced on the bytes actually read).
    """

    path: str
    size: int | None
    _opener: Callable[[], BinaryIO] = field(repr=False, compare=False)

    def open(self) -> BinaryIO:
        """A stream of the entry's bytes. Open and read it at most once, while the iterator
        that gave the entry is alive and before it is asked for the next item (tar archives
        are read as a stream); ValueError otherwise.

        Reading raises `EntryRejected` past the per-file limit and `ArchiveLimitExceeded`
        past the archive's limits; damaged data raises `EntryRejected` in a zip (the other
        entries are still readable) and `ArchiveError` elsewhere.
        """
        return self._opener()


_Items = Generator[ArchiveEntry | Rejected, None, None]


def normalise_member_path(name: str) -> str | Rejected:
    """`name` as a safe relative POSIX path ("a/b.png"), or why it cannot be one.

    The result has no empty, "." or ".." component, no leading "/", no backslash (a
    separator here), no drive letter and no control character, and is valid UTF-8 with
    components of at most `MAX_NAME_BYTES` bytes. Normalising a result gives it back.
    """
    reason = _name_problem(name)
    if reason is not None:
        return Rejected(_printable(name), reason)
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        return Rejected(_printable(name), TRAVERSAL)
    if not parts:
        return Rejected(_printable(name), EMPTY)
    if any(len(part.encode()) > MAX_NAME_BYTES for part in parts):
        return Rejected(_printable(name), TOO_LONG)
    return "/".join(parts)


def _name_problem(name: str) -> str | None:
    if not name:
        return EMPTY
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # tarfile decodes bytes that are not UTF-8 as surrogates
        return NOT_UTF8
    if _CONTROL_CHARS.search(name):
        return CONTROL
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return ABSOLUTE
    return None


def _printable(name: str) -> str:
    text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_CHARS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _accept_name(name: str) -> str | Rejected:
    """A safe path for `name`, or why it is not imported (unsafe, or OS metadata)."""
    path = normalise_member_path(name)
    if isinstance(path, Rejected):
        return path
    parts = path.split("/")
    base = parts[-1]
    if "__MACOSX" in parts or base.startswith("._") or base.casefold() in _SYSTEM_FILES:
        return Rejected(_printable(name), OS_METADATA)
    return path


def detect_kind(path: Path) -> ArchiveKind | None:
    """What kind of archive `path` is, from its first bytes, else from its name's ending.

    Compressed files are looked into to tell a tar inside from a single file. The name is
    only a fallback, so that a damaged "x.zip" is reported as a damaged zip rather than as
    an unknown format. None when neither tells. OSError if the file cannot be opened.
    """
    with path.open("rb") as file:
        head = file.read(tarfile.BLOCKSIZE)
    name = path.name.lower()
    by_name = _kind_from_name(name)
    compressed: tuple[tuple[bytes, ArchiveKind], ...] = (
        (b"\x1f\x8b", "tar.gz"),
        (b"BZh", "tar.bz2"),
        (b"\xfd7zXZ\x00", "tar.xz"),
    )
    for magic, kind in compressed:
        if head.startswith(magic):
            inside = _peek(path, kind)
            if inside is None:  # damaged: the reader will say so
                return "gz" if kind == "tar.gz" and by_name != "tar.gz" else kind
            if _is_tar_header(inside):
                return kind
            return "gz" if kind == "tar.gz" else None  # single files: only gzip is supported
    if _is_tar_header(head):
        return "tar"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")) or zipfile.is_zipfile(path):
        return "zip"
    return by_name


def _kind_from_name(name: str) -> ArchiveKind | None:
    endings: tuple[tuple[tuple[str, ...], ArchiveKind], ...] = (
        ((".tar.gz", ".tgz"), "tar.gz"),
        ((".tar.bz2", ".tbz2", ".tbz"), "tar.bz2"),
        ((".tar.xz", ".txz"), "tar.xz"),
        ((".tar",), "tar"),
        ((".zip",), "zip"),
        ((".gz",), "gz"),
    )
    for suffixes, kind in endings:
        if name.endswith(suffixes):
            return kind
    return None


def _peek(path: Path, kind: ArchiveKind) -> bytes | None:
    """The first block of the decompressed contents, or None if they cannot be read."""
    try:
        with _open_decompressed(path, kind) as stream:
            return stream.read(tarfile.BLOCKSIZE)
    except _DATA_ERRORS:
        return None


def _is_tar_header(block: bytes) -> bool:
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except (tarfile.HeaderError, ValueError):
        return False
    return True


def read_archive(path: Path, limits: ArchiveLimits) -> Iterator[ArchiveEntry | Rejected]:
    """Each file of the archive at `path`, in archive order: an `ArchiveEntry` to import or
    a `Rejected` to report. Directory entries are skipped.

    Raises `ArchiveError` at once if `path` is not a supported archive, and from iteration
    if it turns out damaged or truncated; `ArchiveLimitExceeded` when it expands past
    `limits`. Closing the iterator (or reaching its end) releases the file.
    """
    kind = detect_kind(path)
    if kind is None:
        raise ArchiveError(
            f"{path.name} is not a supported archive: upload a zip, tar, tar.gz, tar.bz2 or "
            "tar.xz archive, or a single .gz file."
        )
    size = path.stat().st_size
    if size == 0:
        raise ArchiveError(f"{path.name} is empty.")
    return _read(path, kind, limits, _Budget(path.name, limits, size))


def _read(
    path: Path, kind: ArchiveKind, limits: ArchiveLimits, budget: _Budget
) -> Iterator[ArchiveEntry | Rejected]:
    cursor = _Cursor()
    if kind == "zip":
        items = _zip_items(path, limits, budget, cursor)
    elif kind == "gz":
        items = _gz_items(path, limits, budget, cursor)
    else:
        items = _tar_items(path, kind, limits, budget, cursor)
    try:
        for item in items:
            yield item
            cursor.advance()
    finally:
        cursor.finished = True
        items.close()


class _Budget:
    """Bytes decompressed from the whole archive, against the total and ratio limits."""

    def __init__(self, archive: str, limits: ArchiveLimits, archive_bytes: int) -> None:
        self.archive = archive
        self.limits = limits
        self.archive_bytes = max(archive_bytes, 1)
        self.total = 0

    def charge(self, count: int) -> None:
        self.total += count
        limits = self.limits
        if self.total > limits.max_total_bytes:
            raise ArchiveLimitExceeded(
                f"{self.archive} expands to more than {limits.max_total_bytes} bytes, the "
                "limit for one import."
            )
        if (
            self.total > limits.ratio_after_bytes
            and self.total > limits.max_ratio * self.archive_bytes
        ):
            raise ArchiveLimitExceeded(
                f"{self.archive}: {ratio_too_high(limits.max_ratio)} after "
                f"{self.total} bytes from a {self.archive_bytes}-byte archive."
            )


class _Cursor:
    """Which item the iterator is on, so that an entry's stream is used only while current."""

    def __init__(self) -> None:
        self.position = 0
        self.opened = False
        self.finished = False

    def advance(self) -> None:
        self.position += 1
        self.opened = False

    def check(self, position: int) -> None:
        if self.finished or position != self.position:
            raise ValueError("an archive entry can only be read before the next is asked for")

    def claim(self, position: int) -> None:
        self.check(position)
        if self.opened:
            raise ValueError("an archive entry can be opened only once")
        self.opened = True


class _Source(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def close(self) -> object: ...


class _EntryStream(io.RawIOBase):
    """One entry's bytes, counted as they are decompressed."""

    def __init__(
        self,
        source: _Source,
        *,
        path: str,
        limits: ArchiveLimits,
        budget: _Budget | None,  # None when the bytes are already counted below (tar)
        cursor: _Cursor,
        position: int,
        on_error: Callable[[Exception], ArchiveError],
    ) -> None:
        super().__init__()
        self._source = source
        self._path = path
        self._limit = limits.max_entry_bytes
        self._budget = budget
        self._cursor = cursor
        self._position = position
        self._on_error = on_error
        self._count = 0
        self._failure: ArchiveError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._cursor.check(self._position)
        if self._failure is not None:
            raise self._failure
        view = memoryview(buffer).cast("B")
        # One byte past the limit is enough to know the entry is too large.
        wanted = min(len(view), self._limit - self._count + 1)
        try:
            data = self._source.read(wanted)
        except _DATA_ERRORS as error:
            self._failure = self._on_error(error)
            raise self._failure from error
        count = len(data)
        self._count += count
        try:
            if self._budget is not None:
                self._budget.charge(count)
            if self._count > self._limit:
                raise EntryRejected(self._path, too_large(self._limit))
        except ArchiveError as error:
            self._failure = error
            raise
        view[:count] = data
        return count

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


def _entry(
    path: str,
    size: int | None,
    open_source: Callable[[], _Source],
    *,
    limits: ArchiveLimits,
    budget: _Budget | None,
    cursor: _Cursor,
    on_error: Callable[[Exception], ArchiveError],
) -> ArchiveEntry:
    position = cursor.position

    def opener() -> BinaryIO:
        cursor.claim(position)
        try:
            source = open_source()
        except _DATA_ERRORS as error:
            raise on_error(error) from error
        stream = _EntryStream(
            source,
            path=path,
            limits=limits,
            budget=budget,
            cursor=cursor,
            position=position,
            on_error=on_error,
        )
        return io.BufferedReader(stream, buffer_size=_CHUNK)

    return ArchiveEntry(path, size, opener)


def _damaged(archive: str, what: str) -> Callable[[Exception], ArchiveError]:
    def translate(error: Exception) -> ArchiveError:
        detail = str(error) or type(error).__name__
        return ArchiveError(f"{archive} is damaged or is not a {what} archive ({detail}).")

    return translate


# zip ---------------------------------------------------------------------------------------


def _zip_items(path: Path, limits: ArchiveLimits, budget: _Budget, cursor: _Cursor) -> _Items:
    try:
        archive = zipfile.ZipFile(path)
    except _PARSE_ERRORS as error:
        raise _damaged(path.name, "zip")(error) from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_entries:
            raise ArchiveLimitExceeded(
                f"{path.name} holds {len(members)} entries, more than the limit of "
                f"{limits.max_entries}."
            )
        for info in members:
            verdict = _check_zip_member(info, limits)
            if verdict is None:
                continue
            if isinstance(verdict, Rejected):
                yield verdict
                continue
            yield _entry(
                verdict,
                info.file_size,
                _zip_opener(archive, info),
                limits=limits,
                budget=budget,
                cursor=cursor,
                on_error=_zip_entry_damaged(verdict),
            )


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], _Source]:
    return lambda: archive.open(info)


def _zip_entry_damaged(path: str) -> Callable[[Exception], ArchiveError]:
    def translate(error: Exception) -> ArchiveError:
        return EntryRejected(path, f"damaged data ({error or type(error).__name__})")

    return translate


def _check_zip_member(info: zipfile.ZipInfo, limits: ArchiveLimits) -> str | Rejected | None:
    """The entry's safe path, a rejection, or None for a folder."""
    kind = stat.S_IFMT(info.external_attr >> 16)  # Unix mode, when the zip records one
    if info.filename.endswith(("/", "\\")) or kind == stat.S_IFDIR:
        return None
    path = _accept_name(info.filename)
    if isinstance(path, Rejected):
        return path
    reason = None
    if kind == stat.S_IFLNK:
        reason = SYMLINK
    elif kind not in (0, stat.S_IFREG):
        reason = SPECIAL
    elif info.flag_bits & 0x1:
        reason = ENCRYPTED
    elif info.compress_type not in _ZIP_METHODS:
        reason = f"compression method {info.compress_type} is not supported"
    elif info.file_size > limits.max_entry_bytes:
        reason = too_large(limits.max_entry_bytes)
    elif info.file_size > max(limits.ratio_after_bytes, limits.max_ratio * info.compress_size):
        reason = ratio_too_high(limits.max_ratio)
    return path if reason is None else Rejected(_printable(info.filename), reason)


# single gzip file --------------------------------------------------------------------------


def _gz_items(path: Path, limits: ArchiveLimits, budget: _Budget, cursor: _Cursor) -> _Items:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    verdict = _accept_name(name)
    if isinstance(verdict, Rejected):
        yield verdict
        return
    damaged = _damaged(path.name, "gzip")
    with gzip.GzipFile(path, "rb") as stream:
        try:
            stream.peek(1)  # checks the header now rather than on the caller's first read
        except _DATA_ERRORS as error:
            raise damaged(error) from error
        yield _entry(
            verdict,
            None,
            lambda: stream,
            limits=limits,
            budget=budget,
            cursor=cursor,
            on_error=damaged,
        )


# tar ---------------------------------------------------------------------------------------


class _TarMeter(io.RawIOBase):
    """The decompressed tar stream as `tarfile` reads it: every byte is charged to the
    budget, and while a header is being parsed no more than _MAX_HEADER_BYTES may be read."""

    def __init__(self, source: io.BufferedIOBase, budget: _Budget) -> None:
        super().__init__()
        self._source = source
        self._budget = budget
        self.archive = budget.archive
        self.count = 0
        self.header_end: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._source.read(min(len(view), _CHUNK))
        count = len(data)
        self.count += count
        self._budget.charge(count)
        if self.header_end is not None and self.count > self.header_end:
            raise ArchiveError(
                f"{self.archive} has a tar header larger than {_MAX_HEADER_BYTES} "
                "bytes: it is damaged or was made to exhaust memory."
            )
        view[:count] = data
        return count


def _guarded_tarinfo(meter: _TarMeter) -> type[tarfile.TarInfo]:
    class GuardedTarInfo(tarfile.TarInfo):
        # tarfile documents _proc_member as the hook for subclasses; it reads a member's
        # header and any extended headers before it, recursively.
        def _proc_member(self, archive: tarfile.TarFile) -> tarfile.TarInfo:
            outermost = meter.header_end is None
            if outermost:
                meter.header_end = meter.count + _MAX_HEADER_BYTES
            stream = archive.fileobj
            if self.type in _PAX_TYPES:
                archive.fileobj = _PaxCheck(stream, self.size, meter.archive)
            try:
                member: tarfile.TarInfo = super()._proc_member(archive)  # type: ignore[misc]
            finally:
                archive.fileobj = stream
                if outermost:
                    meter.header_end = None
            if len(archive.pax_headers) > _MAX_HEADER_KEYS:
                raise ArchiveError(
                    f"{meter.archive} has more than {_MAX_HEADER_KEYS} global pax "
                    "header keys: it is damaged or was made to exhaust memory."
                )
            return member

    return GuardedTarInfo


_PAX_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_LONG_DIGITS = re.compile(rb"[0-9]{65}")


class _PaxCheck:
    """tarfile's stream while it parses a pax header: the first read, which is the header's
    records, is checked in linear time before tarfile's parser sees it. Python before
    3.11.10 and 3.12.6 parses them with regular expressions that take quadratic time on
    crafted input (CVE-2024-6232) and fail on lengths that do not fit a C integer."""

    def __init__(self, stream: _TarStream, size: int, archive: str) -> None:
        self._stream = stream
        self._size = size
        self._archive = archive
        self._pending = True

    def read(self, size: int, /) -> bytes:
        data = self._stream.read(size)
        if self._pending:
            self._pending = False
            problem = _pax_problem(data[: self._size])
            if problem is not None:
                raise ArchiveError(f"{self._archive} has a damaged pax header ({problem}).")
        return data

    def write(self, data: bytes, /) -> object:
        raise io.UnsupportedOperation("write")

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, position: int, /) -> object:
        return self._stream.seek(position)

    def close(self) -> object:
        return None


class _TarStream(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def write(self, data: bytes, /) -> object: ...

    def tell(self) -> int: ...

    def seek(self, position: int, /) -> object: ...

    def close(self) -> object: ...


def _pax_problem(records: bytes) -> str | None:
    """Why `records` is not a run of well-formed pax records ("<length> <key>=<value>" and a
    newline, where <length> counts the whole record), or None."""
    if _LONG_DIGITS.search(records):
        return "a number of more than 64 digits"
    position = 0
    while position < len(records):
        space = records.find(b" ", position, position + 21)
        if space <= position or not records[position:space].isdigit():
            return "a record without a length"
        end = position + int(records[position:space])
        if (
            end > len(records)
            or end <= space + 1
            or records[end - 1] != ord("\n")
            or records.find(b"=", space + 1, end) < 0
        ):
            return "a record whose length is wrong"
        position = end
    return None


def _open_decompressed(path: Path, kind: ArchiveKind) -> io.BufferedIOBase:
    if kind == "tar.gz":
        return gzip.GzipFile(path, "rb")
    if kind == "tar.bz2":
        return bz2.BZ2File(path, "rb")
    if kind == "tar.xz":
        return lzma.LZMAFile(path, "rb")
    return path.open("rb")


def _tar_items(
    path: Path, kind: ArchiveKind, limits: ArchiveLimits, budget: _Budget, cursor: _Cursor
) -> _Items:
    damaged = _damaged(path.name, kind)
    with (
        _open_decompressed(path, kind) as source,
        _open_tar(_TarMeter(source, budget), damaged) as archive,
    ):
        for seen, member in enumerate(_tar_members(archive, damaged), start=1):
            if seen > limits.max_entries:
                raise ArchiveLimitExceeded(
                    f"{path.name} holds more than {limits.max_entries} entries, the limit."
                )
            if member.size < 0:
                raise damaged(ValueError(f"{member.name!r} has a negative size"))
            if member.size > limits.max_total_bytes - budget.total:
                # Reading or skipping it could only end past the total (or, if the size
                # lies, in a long walk past the end of the data).
                raise ArchiveLimitExceeded(
                    f"{path.name} declares an entry of {member.size} bytes, more than is "
                    f"left of the {limits.max_total_bytes} bytes one import may expand to."
                )
            verdict = _check_tar_member(member, limits)
            if verdict is None:
                continue
            if isinstance(verdict, Rejected):
                yield verdict
                continue
            yield _entry(
                verdict,
                member.size,
                _tar_opener(archive, member),
                limits=limits,
                budget=None,  # the meter already counts every byte
                cursor=cursor,
                on_error=damaged,
            )


def _open_tar(meter: _TarMeter, damaged: Callable[[Exception], ArchiveError]) -> tarfile.TarFile:
    try:
        return tarfile.open(
            fileobj=meter, mode="r|", tarinfo=_guarded_tarinfo(meter), encoding="utf-8"
        )
    except _PARSE_ERRORS as error:
        raise damaged(error) from error


def _tar_members(
    archive: tarfile.TarFile, damaged: Callable[[Exception], ArchiveError]
) -> Iterator[tarfile.TarInfo]:
    while True:
        try:
            member = archive.next()
        except _PARSE_ERRORS as error:
            raise damaged(error) from error
        if member is None:
            return
        # Even in stream mode tarfile keeps every member read in a list: drop them.
        archive.members.clear()  # type: ignore[attr-defined]
        yield member


def _tar_opener(archive: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], _Source]:
    def open_member() -> _Source:
        stream = archive.extractfile(member)
        if stream is None:  # not reached: only regular files are offered
            raise tarfile.ReadError(f"{member.name} is not a regular file")
        return stream

    return open_member


def _check_tar_member(member: tarfile.TarInfo, limits: ArchiveLimits) -> str | Rejected | None:
    """The member's safe path, a rejection, or None for a folder."""
    if member.isdir():
        return None
    path = _accept_name(member.name)
    if isinstance(path, Rejected):
        return path
    reason = None
    if member.issym():
        reason = SYMLINK
    elif member.islnk():
        reason = HARDLINK
    elif member.ischr() or member.isblk() or member.isfifo():
        reason = SPECIAL
    elif member.issparse():
        reason = SPARSE
    elif not member.isreg():
        reason = f"unsupported entry type {member.type!r}"
    elif member.size > limits.max_entry_bytes:
        reason = too_large(limits.max_entry_bytes)
    return path if reason is None else Rejected(_printable(member.name), reason)
