"""Files in a folder on the server: confine paths to the allowed roots, walk, open in place.

Imports from a server folder may only read below the folders an operator listed in
PIXELWISE_IMPORT_ROOTS; the same rule applies again whenever a file registered in place is
read, so a later change of the roots takes effect at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from pixelwise.domain.errors import InvalidInput, NotFound, PermissionDenied

# Files that operating systems and tools leave in folders; never data to label.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class FolderFile:
    """A regular file found under the walked folder."""

    relative: str  # POSIX path below the walked folder, e.g. "night/0001.png"
    path: Path  # absolute
    size: int


@dataclass(frozen=True)
class Passed:
    """A folder entry that is not imported, and why (reported to the person importing)."""

    relative: str
    reason: str


def is_under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def confine(path: str, roots: list[Path]) -> Path:
    """`path` resolved (symbolic links followed) when it lies under one of `roots`.

    InvalidInput for a relative or missing path; PermissionDenied outside the roots.
    """
    if not roots:
        raise PermissionDenied(
            "Importing from server folders is off: an operator must list the folders that "
            "may be read in PIXELWISE_IMPORT_ROOTS."
        )
    given = Path(path)
    if not given.is_absolute():
        raise InvalidInput(f"{path!r} is not an absolute path on the server.", field="path")
    resolved = given.resolve()
    real_roots = [root.expanduser().resolve() for root in roots]
    if not any(is_under(resolved, root) for root in real_roots):
        allowed = ", ".join(str(root) for root in real_roots)
        raise PermissionDenied(f"{path} is outside the folders imports may read ({allowed}).")
    if not resolved.exists():
        raise InvalidInput(f"There is no file or folder {path} on the server.", field="path")
    return resolved


def walk(folder: Path) -> Iterator[FolderFile | Passed]:
    """Every entry below `folder`, depth first in name order. Symbolic links are not
    followed (a link could lead outside the allowed roots); hidden and system files are
    passed over."""
    stack = [(folder, "")]
    while stack:
        current, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError as error:
            yield Passed(prefix or ".", f"cannot read the folder: {error.strerror}")
            continue
        folders = []
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            if entry.is_symlink():
                yield Passed(relative, "symbolic link (not followed)")
            elif entry.name in SYSTEM_FILES or entry.name.startswith("."):
                yield Passed(relative, "hidden or system file")
            elif entry.is_dir(follow_symlinks=False):
                folders.append((Path(entry.path), relative + "/"))
            elif entry.is_file(follow_symlinks=False):
                yield FolderFile(
                    relative, Path(entry.path), entry.stat(follow_symlinks=False).st_size
                )
            else:
                yield Passed(relative, "not a regular file (device, socket or pipe)")
        stack.extend(reversed(folders))


def open_in_place(uri: str, roots: list[Path]) -> BinaryIO:
    """The bytes of a file registered in place, if it still lies under the allowed roots."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise InvalidInput(f"Cannot read {uri!r}: only file:// sources are registered in place.")
    path = confine(unquote(parts.path), roots)
    try:
        return path.open("rb")
    except OSError as error:
        raise NotFound(f"The file {path} cannot be read: {error.strerror}.") from None
