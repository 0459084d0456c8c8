"""Where an import's files come from, turned into one stream of files on local disk.

Every source (a server folder, an archive, an upload) yields the same two things, one at a
time: a `Candidate` (a file the import may take, readable at `path`) or a `Passed` (an
entry it will not take, and why). The import run decides what each candidate is and keeps
or refuses it; it never needs to know where the file came from.

Archive entries can only be read once, as a stream, so each is first spooled to a temporary
file (`temporary`), which the run deletes as soon as it has taken it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pixelwise.storage.sources.archives import (
    ArchiveEntry,
    ArchiveError,
    ArchiveLimitExceeded,
    ArchiveLimits,
    EntryRejected,
    detect_kind,
    read_archive,
)
from pixelwise.storage.sources.folders import FolderFile, walk

SPOOL_CHUNK = 1024 * 1024
FILES = "files"  # an upload's staging folder: the files received
REFUSED = "refused.json"  # ... and the files refused while receiving


@dataclass(frozen=True)
class Candidate:
    """A file the import may take.

    `relative` is the POSIX path reported to the person importing and kept as folders below
    the import's target ("scans/a.png"); `uri` is set when the file is registered in place
    rather than copied.
    """

    relative: str
    path: Path
    size: int
    uri: str | None = None
    temporary: bool = False  # a spooled or downloaded copy: deleted once taken


@dataclass(frozen=True)
class Passed:
    """An entry that is not imported: `skipped` (nothing wrong, just not taken) or `failed`."""

    relative: str
    reason: str
    status: Literal["skipped", "failed"] = "skipped"


@dataclass(frozen=True)
class Remote:
    """A URL to register as the asset `relative` without downloading it."""

    relative: str
    url: str


Item = Candidate | Passed | Remote


def folder_items(folder: Path, *, in_place: bool) -> tuple[int, Iterator[Item]]:
    """The files below a server folder (listed first, so the job knows how many there are)."""
    entries = list(walk(folder))

    def items() -> Iterator[Item]:
        for entry in entries:
            if isinstance(entry, FolderFile):
                uri = entry.path.as_uri() if in_place else None
                yield Candidate(entry.relative, entry.path, entry.size, uri)
            else:
                yield Passed(entry.relative, entry.reason)

    return len(entries), items()


def archive_items(
    archive: Path, limits: ArchiveLimits, spool: Path, *, label: str = ""
) -> Iterator[Item]:
    """The files of an archive, each spooled to a temporary file under `spool`.

    Entries are reported as `label/inner/path` when a label is given (an archive among
    uploaded files), and kept as folders below the import's target without it. A damaged
    archive, or one that expands past the limits, ends with one failed item that says so;
    what was taken before stays taken.
    """
    prefix = f"{label}/" if label else ""
    try:
        entries = read_archive(archive, limits)
        for entry in entries:
            if isinstance(entry, ArchiveEntry):
                yield _spooled(entry, prefix, spool)
            else:
                yield Passed(prefix + entry.path, entry.reason, "failed")
    except ArchiveLimitExceeded as error:
        yield Passed(label or archive.name, f"archive stopped: {error.detail}", "failed")
    except ArchiveError as error:
        yield Passed(label or archive.name, error.detail, "failed")


def _spooled(entry: ArchiveEntry, prefix: str, spool: Path) -> Item:
    """The entry copied to a temporary file (which the run deletes once it took it)."""
    fd, name = tempfile.mkstemp(dir=spool, prefix="entry-")
    temp = Path(name)
    try:
        with open(fd, "wb") as out, entry.open() as data:
            shutil.copyfileobj(data, out, SPOOL_CHUNK)
    except EntryRejected as error:
        temp.unlink(missing_ok=True)
        return Passed(prefix + entry.path, error.reason, "failed")
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Candidate(prefix + entry.path, temp, temp.stat().st_size, temporary=True)


def expanding(items: Iterator[Item], limits: ArchiveLimits, spool: Path) -> Iterator[Item]:
    """`items`, with every archive among them replaced by the files inside it.

    The files of `photos.zip` go to a folder `photos` beside it, so that two archives
    holding the same names do not collide; a single compressed file (`scan.dcm.gz`) takes
    the archive's place.
    """
    for item in items:
        if isinstance(item, Candidate) and item.uri is None:
            kind = _kind(item.path)
            if kind is not None:
                yield from archive_items(
                    item.path, limits, spool, label=_unpacked_folder(item.relative, kind)
                )
                continue
        yield item


def _kind(path: Path) -> str | None:
    try:
        return detect_kind(path)
    except OSError:
        return None


ARCHIVE_ENDINGS = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar",
                   ".zip", ".gz")  # fmt: skip


def _unpacked_folder(relative: str, kind: str) -> str:
    parent, _, name = relative.rpartition("/")
    if kind == "gz":
        return parent
    lowered = name.lower()
    for ending in ARCHIVE_ENDINGS:
        if lowered.endswith(ending) and len(name) > len(ending):
            name = name[: -len(ending)]
            break
    return f"{parent}/{name}" if parent else name


def upload_items(staging: Path, limits: ArchiveLimits, spool: Path) -> tuple[int, Iterator[Item]]:
    """The files of a finished upload (archives unpacked), after those refused on receipt."""
    try:
        refused = json.loads((staging / REFUSED).read_text())
    except (OSError, ValueError):
        refused = []
    total, files = folder_items(staging / FILES, in_place=False)

    def items() -> Iterator[Item]:
        for entry in refused:
            yield Passed(entry["path"], entry["reason"], "failed")
        yield from expanding(files, limits, spool)

    return total + len(refused), items()
