"""Uploaded archives: every format round-trips, hostile entries are rejected one by one while
the good files still come through, and bombs stop while they are being decompressed."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import random
import re
import stat
import struct
import tarfile
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixelwise.domain.errors import InvalidInput
from pixelwise.storage.sources.archives import (
    ABSOLUTE,
    CONTROL,
    EMPTY,
    ENCRYPTED,
    HARDLINK,
    NOT_UTF8,
    OS_METADATA,
    SPECIAL,
    SYMLINK,
    TOO_LONG,
    TRAVERSAL,
    ArchiveEntry,
    ArchiveError,
    ArchiveLimitExceeded,
    ArchiveLimits,
    EntryRejected,
    Rejected,
    detect_kind,
    normalise_member_path,
    ratio_too_high,
    read_archive,
    too_large,
)

MB = 1024 * 1024
CHUNK = 64 * 1024
LIMITS = ArchiveLimits(max_entry_bytes=10 * MB, max_total_bytes=100 * MB)
ZEROS = bytes(MB)

FILES = {
    "a.png": b"\x89PNG first",
    "scans/b.png": b"\x89PNG second",
    "scans/deep/c.txt": b"third",
    "scans/deep/" + "n" * 120 + ".png": b"a name longer than the 100 bytes of a tar header",
}
FOLDERS = ["scans/", "scans/deep/"]


# building archives -------------------------------------------------------------------------


def write_zip(path: Path, files: dict[str, bytes], folders: Iterable[str] = ()) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            archive.writestr(zipfile.ZipInfo(folder), b"")
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_zip_zeros(path: Path, name: str, megabytes: int, then: dict[str, bytes]) -> Path:
    """A zip whose entry `name` is `megabytes` of zeros, compressed while streaming."""
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as stream:
            for _ in range(megabytes):
                stream.write(ZEROS)
        for other, data in then.items():
            archive.writestr(other, data)
    return path


class Zeros(io.RawIOBase):
    """`size` zero bytes, produced on demand so that building a bomb stays light."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


Member = tuple[tarfile.TarInfo, bytes | int | None]  # data, or a number of zeros


def member(name: str, data: bytes | int | None = b"", **fields: object) -> Member:
    info = tarfile.TarInfo(name)
    for key, value in fields.items():
        setattr(info, key, value)
    if isinstance(data, bytes):
        info.size = len(data)
    elif isinstance(data, int):
        info.size = data
    return info, data


def write_tar(path: Path, mode: str, members: list[Member], **options: object) -> Path:
    with tarfile.open(path, mode, **options) as archive:  # type: ignore[call-overload]
        for info, data in members:
            if isinstance(data, bytes):
                archive.addfile(info, io.BytesIO(data))
            elif isinstance(data, int):
                archive.addfile(info, io.BufferedReader(Zeros(data)))
            else:
                archive.addfile(info)
    return path


def tar_of(files: dict[str, bytes], folders: Iterable[str] = ()) -> list[Member]:
    dirs = [member(folder.rstrip("/"), None, type=tarfile.DIRTYPE) for folder in folders]
    return dirs + [member(name, data) for name, data in files.items()]


def write_archive(path: Path, kind: str, files: dict[str, bytes]) -> Path:
    if kind == "zip":
        return write_zip(path, files, FOLDERS)
    mode = {"tar": "w", "tar.gz": "w:gz", "tar.bz2": "w:bz2", "tar.xz": "w:xz"}[kind]
    return write_tar(path, mode, tar_of(files, FOLDERS))


def patch_zip_central(path: Path, name: str, **values: int) -> None:
    """Overwrite fields of `name`'s central-directory record, the record zipfile trusts."""
    offsets = {"flag_bits": (8, "<H"), "compress_size": (20, "<I"), "file_size": (24, "<I")}
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    (position,) = struct.unpack_from("<I", data, end + 16)
    while data[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, position + 28)
        if data[position + 46 : position + 46 + name_len].decode() == name:
            for field, value in values.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, data, position + offset, value)
            path.write_bytes(bytes(data))
            return
        position += 46 + name_len + extra_len + comment_len
    raise AssertionError(f"{name} not in {path}")


# reading archives --------------------------------------------------------------------------


def read_all(stream: BinaryIO, sizes: list[int] | None = None) -> bytes:
    """The stream's bytes, read a chunk at a time; `sizes` gets each chunk's size."""
    chunks = []
    while chunk := stream.read(CHUNK):
        chunks.append(chunk)
        if sizes is not None:
            sizes.append(len(chunk))
    return b"".join(chunks)


def import_all(path: Path, limits: ArchiveLimits, imported: list[str]) -> None:
    """Reads every entry of an archive that has no rejections, noting those read whole."""
    for item in read_archive(path, limits):
        assert isinstance(item, ArchiveEntry)
        with item.open() as stream:
            read_all(stream)
        imported.append(item.path)


def drain(path: Path, limits: ArchiveLimits = LIMITS) -> tuple[dict[str, bytes], dict[str, str]]:
    """What a careful caller does: import the accepted files, report the rejected ones."""
    files: dict[str, bytes] = {}
    rejected: dict[str, str] = {}
    for item in read_archive(path, limits):
        if isinstance(item, Rejected):
            rejected[item.path] = item.reason
            continue
        try:
            with item.open() as stream:
                files[item.path] = read_all(stream)
        except EntryRejected as error:
            rejected[error.path] = error.reason
    return files, rejected


# every format round-trips ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz"])
def test_each_format_round_trips_nested_folders(tmp_path: Path, kind: str) -> None:
    path = write_archive(tmp_path / f"upload.{kind}", kind, FILES)
    assert detect_kind(path) == kind

    items = []
    for item in read_archive(path, LIMITS):
        assert isinstance(item, ArchiveEntry)
        with item.open() as stream:
            items.append((item.path, item.size, read_all(stream)))

    assert {path: data for path, _, data in items} == FILES  # folders are not entries
    assert all(size == len(data) for _, size, data in items)


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz"])
def test_the_kind_comes_from_the_bytes_not_the_name(tmp_path: Path, kind: str) -> None:
    path = write_archive(tmp_path / "upload.bin", kind, FILES)
    assert detect_kind(path) == kind
    assert drain(path) == (FILES, {})


def test_a_single_gz_file_is_one_entry_named_after_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "photo.png.gz"
    path.write_bytes(gzip.compress(b"\x89PNG pixels"))
    assert detect_kind(path) == "gz"
    items = read_archive(path, LIMITS)
    item = next(items)
    assert isinstance(item, ArchiveEntry)
    assert (item.path, item.size) == ("photo.png", None)
    with item.open() as stream:
        assert stream.read() == b"\x89PNG pixels"
    assert list(items) == []


def test_dot_and_double_slashes_are_normalised(tmp_path: Path) -> None:
    members = [member("./x/./y.png", b"y"), member("x//z.png", b"z")]
    path = write_tar(tmp_path / "dots.tar", "w", members)
    assert drain(path) == ({"x/y.png": b"y", "x/z.png": b"z"}, {})


def test_backslashes_are_folder_separators_in_windows_zips(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "windows.zip", {"scans\\day 1\\a.png": b"a"})
    assert drain(path) == ({"scans/day 1/a.png": b"a"}, {})


# hostile entries are rejected, good ones still come through ---------------------------------

HOSTILE_NAMES = {
    "../evil.png": TRAVERSAL,
    "scans/../../evil.png": TRAVERSAL,
    "..\\..\\evil.png": TRAVERSAL,
    "/etc/passwd": ABSOLUTE,
    "C:\\evil": ABSOLUTE,
    "\\\\server\\share\\evil.png": ABSOLUTE,
}
GOOD = {"good.png": b"good", "scans/b.png": b"fine"}


def test_hostile_tar_entries_are_rejected_one_by_one(tmp_path: Path) -> None:
    members = [member("good.png", GOOD["good.png"])]
    members += [member(name, b"evil") for name in HOSTILE_NAMES]
    members += [
        member("link.png", None, type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        member("hard.png", None, type=tarfile.LNKTYPE, linkname="good.png"),
        member("dev/null", None, type=tarfile.CHRTYPE, devmajor=1, devminor=3),
        member("dev/sda", None, type=tarfile.BLKTYPE, devmajor=8, devminor=0),
        member("pipe", None, type=tarfile.FIFOTYPE),
        member("scans/b.png", GOOD["scans/b.png"]),
    ]
    path = write_tar(tmp_path / "hostile.tar.gz", "w:gz", members)

    files, rejected = drain(path)

    assert files == GOOD
    assert rejected == {
        **HOSTILE_NAMES,
        "link.png": SYMLINK,
        "hard.png": HARDLINK,
        "dev/null": SPECIAL,
        "dev/sda": SPECIAL,
        "pipe": SPECIAL,
    }


def test_hostile_zip_entries_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("good.png", GOOD["good.png"])
        for name in HOSTILE_NAMES:
            archive.writestr(zipfile.ZipInfo(name), b"evil")
        link = zipfile.ZipInfo("link.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        fifo = zipfile.ZipInfo("pipe")
        fifo.create_system = 3
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        archive.writestr(fifo, b"")
        archive.writestr("secret.png", b"encrypted, pretend")
        archive.writestr("scans/b.png", GOOD["scans/b.png"])
    patch_zip_central(path, "secret.png", flag_bits=0x1)

    files, rejected = drain(path)

    assert files == GOOD
    assert rejected == {
        **HOSTILE_NAMES,
        "link.png": SYMLINK,
        "pipe": SPECIAL,
        "secret.png": ENCRYPTED,
    }


def test_operating_system_metadata_is_reported_not_imported(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "from-a-mac.zip",
        {
            "a.png": b"a",
            "__MACOSX/._a.png": b"apple double",
            "._b.png": b"apple double",
            ".DS_Store": b"finder",
            "scans/Thumbs.db": b"explorer",
            "scans/desktop.ini": b"explorer",
        },
        folders=["__MACOSX/"],
    )
    files, rejected = drain(path)
    assert files == {"a.png": b"a"}
    assert rejected == dict.fromkeys(
        ["__MACOSX/._a.png", "._b.png", ".DS_Store", "scans/Thumbs.db", "scans/desktop.ini"],
        OS_METADATA,
    )


def test_a_tar_name_that_is_not_utf8_is_rejected_and_reported_printably(tmp_path: Path) -> None:
    members = [member("café.png", b"latin-1 name"), member("\x1b[31mred.png", b"escape")]
    path = write_tar(
        tmp_path / "latin1.tar", "w", members, format=tarfile.GNU_FORMAT, encoding="latin-1"
    )
    files, rejected = drain(path)
    assert files == {}
    assert rejected == {"caf\\udce9.png": NOT_UTF8, "\\x1b[31mred.png": CONTROL}
    json.dumps(rejected).encode("utf-8")  # safe to log and to send


# size limits and bombs ---------------------------------------------------------------------


def test_an_entry_over_the_per_file_limit_is_rejected_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    limits = ArchiveLimits(max_entry_bytes=MB, max_total_bytes=100 * MB, max_ratio=1e9)
    tar = write_tar(
        tmp_path / "big.tar.gz",
        "w:gz",
        [member("big.bin", 2 * MB), *tar_of(GOOD)],
    )
    zip_ = write_zip(tmp_path / "big.zip", {"big.bin": bytes(2 * MB), **GOOD})

    for path in (tar, zip_):
        assert drain(path, limits) == (GOOD, {"big.bin": too_large(MB)})


def test_a_single_gz_over_the_per_file_limit_is_stopped_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "big.bin.gz"
    with gzip.open(path, "wb") as stream:
        for _ in range(5):
            stream.write(ZEROS)
    limits = ArchiveLimits(max_entry_bytes=MB, max_total_bytes=100 * MB, max_ratio=1e9)
    items = read_archive(path, limits)  # kept: dropping the iterator closes the archive
    entry = next(items)
    assert isinstance(entry, ArchiveEntry)
    delivered: list[int] = []
    with entry.open() as stream, pytest.raises(EntryRejected) as caught:
        read_all(stream, delivered)
    assert caught.value.reason == too_large(MB)
    assert sum(delivered) <= MB


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 MB of zeros in about 200 KB, then a good file."""
    folder = tmp_path_factory.mktemp("bomb")
    return write_zip_zeros(folder / "bomb.zip", "bomb.bin", 200, GOOD)


def test_a_zip_bomb_is_rejected_before_reading_and_the_good_files_survive(
    zip_bomb: Path,
) -> None:
    small = ArchiveLimits(max_entry_bytes=10 * MB, max_total_bytes=20 * MB)
    assert drain(zip_bomb, small) == (GOOD, {"bomb.bin": too_large(10 * MB)})

    roomy = ArchiveLimits(max_entry_bytes=500 * MB, max_total_bytes=20 * MB)
    assert drain(zip_bomb, roomy) == (GOOD, {"bomb.bin": ratio_too_high(200)})


def test_a_zip_bomb_that_lies_about_its_size_stops_while_streaming(
    zip_bomb: Path, tmp_path: Path
) -> None:
    liar = tmp_path / "liar.zip"
    liar.write_bytes(zip_bomb.read_bytes())
    patch_zip_central(liar, "bomb.bin", file_size=10 * MB)  # harmless-looking: ratio 50:1
    limits = ArchiveLimits(max_entry_bytes=50 * MB, max_total_bytes=5 * MB)

    items = read_archive(liar, limits)
    entry = next(items)
    assert isinstance(entry, ArchiveEntry)
    assert entry.size == 10 * MB
    with entry.open() as stream, pytest.raises(ArchiveLimitExceeded, match="more than"):
        read_all(stream)


def test_a_zip_entry_smaller_than_its_data_is_reported_damaged(
    zip_bomb: Path, tmp_path: Path
) -> None:
    liar = tmp_path / "liar.zip"
    liar.write_bytes(zip_bomb.read_bytes())
    patch_zip_central(liar, "bomb.bin", file_size=1000)

    files, rejected = drain(liar)

    assert files == GOOD  # the next entries are still read
    assert rejected["bomb.bin"].startswith("damaged data")


def test_a_tar_bomb_trips_the_ratio_while_streaming(tmp_path: Path) -> None:
    members = [member(f"zeros-{n}.bin", 4 * MB) for n in range(10)]
    path = write_tar(tmp_path / "bomb.tar.gz", "w:gz", members)
    limits = ArchiveLimits(max_entry_bytes=5 * MB, max_total_bytes=100 * MB)
    with pytest.raises(ArchiveLimitExceeded, match=re.escape(ratio_too_high(200))):
        drain(path, limits)


def test_the_total_limit_stops_the_archive(tmp_path: Path) -> None:
    members = [member(f"zeros-{n}.bin", 4 * MB) for n in range(10)]
    path = write_tar(tmp_path / "many.tar.gz", "w:gz", members)
    limits = ArchiveLimits(max_entry_bytes=5 * MB, max_total_bytes=10 * MB, max_ratio=1e9)
    imported: list[str] = []
    with pytest.raises(ArchiveLimitExceeded, match="10485760 bytes one import may expand to"):
        import_all(path, limits, imported)
    assert imported == ["zeros-0.bin", "zeros-1.bin"]


def test_skipped_entries_count_towards_the_total(tmp_path: Path) -> None:
    members = [member("../evil.bin", 15 * MB), member("../again.bin", 15 * MB), *tar_of(GOOD)]
    path = write_tar(tmp_path / "skip.tar.gz", "w:gz", members)
    limits = ArchiveLimits(max_entry_bytes=50 * MB, max_total_bytes=20 * MB, max_ratio=1e9)
    items = read_archive(path, limits)
    assert next(items) == Rejected("../evil.bin", TRAVERSAL)
    with pytest.raises(ArchiveLimitExceeded):
        next(items)  # skipping 15 MB means decompressing them: 5 MB are left


def test_a_declared_size_past_the_total_stops_at_once(tmp_path: Path) -> None:
    # GNU tar writes sizes in base 256: 2**80 bytes would take forever to skip.
    members = [member("huge.bin", None, size=2**80), *tar_of(GOOD)]
    path = write_tar(tmp_path / "huge.tar", "w", members, format=tarfile.GNU_FORMAT)
    with pytest.raises(ArchiveLimitExceeded, match="declares an entry of"):
        drain(path)


def test_a_pax_header_made_to_backtrack_is_refused_quickly(tmp_path: Path) -> None:
    slow = member("a.png", b"a")
    slow[0].pax_headers = {"comment": "1" * 200_000}  # quadratic for tarfile before 3.11.10
    path = write_tar(tmp_path / "redos.tar", "w", [slow], format=tarfile.PAX_FORMAT)
    with pytest.raises(ArchiveError, match="damaged pax header"):
        drain(path)


def test_an_oversized_tar_header_stops_the_archive(tmp_path: Path) -> None:
    huge = member("a.png", b"a")
    huge[0].pax_headers = {"comment": "x" * (2 * MB)}
    path = write_tar(tmp_path / "header.tar.gz", "w:gz", [huge], format=tarfile.PAX_FORMAT)
    limits = ArchiveLimits(max_entry_bytes=MB, max_total_bytes=100 * MB, max_ratio=1e9)
    with pytest.raises(ArchiveError, match="tar header larger than"):
        drain(path, limits)


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_too_many_entries_stop_the_archive(tmp_path: Path, kind: str) -> None:
    files = {f"{n}.png": b"x" for n in range(5)}
    path = write_archive(tmp_path / f"many.{kind}", kind, files)
    limits = ArchiveLimits(max_entry_bytes=MB, max_total_bytes=MB, max_entries=4)
    with pytest.raises(ArchiveLimitExceeded, match="entries"):
        drain(path, limits)


@pytest.mark.parametrize("kind", ["tar.gz", "zip", "gz"])
def test_memory_stays_flat_while_a_large_entry_streams(tmp_path: Path, kind: str) -> None:
    size = 50 * MB
    path = tmp_path / f"large.{kind}"
    if kind == "zip":
        write_zip_zeros(path, "large.bin", size // MB, {})
    elif kind == "gz":
        with gzip.open(path, "wb", compresslevel=1) as stream:
            for _ in range(size // MB):
                stream.write(ZEROS)
    else:
        write_tar(path, "w:gz", [member("large.bin", size)])
    limits = ArchiveLimits(max_entry_bytes=size, max_total_bytes=2 * size, max_ratio=1e9)

    tracemalloc.start()
    try:
        total = 0
        for item in read_archive(path, limits):
            assert isinstance(item, ArchiveEntry)
            with item.open() as stream:
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size
    assert peak < 2 * MB


# damaged and foreign files -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz", "gz"])
def test_a_truncated_archive_is_a_clean_error(tmp_path: Path, kind: str) -> None:
    noise = random.Random(0).randbytes(300_000)  # incompressible, so the cut lands in it
    path = tmp_path / f"cut.{kind}"
    if kind == "gz":
        path.write_bytes(gzip.compress(noise))
    else:
        write_archive(path, kind, {"noise.bin": noise, **GOOD})
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])

    with pytest.raises(ArchiveError) as caught:
        drain(path)
    assert type(caught.value) is ArchiveError  # stop reading, not a per-entry rejection
    assert "cut." in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.fixture(scope="module")
def small_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("small")
    archives = {
        kind: write_archive(folder / f"small.{kind}", kind, {**GOOD, "café/ü.png": b"u"})
        for kind in ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz"]
    }
    blobs = {kind: path.read_bytes() for kind, path in archives.items()}
    blobs["gz"] = gzip.compress(b"pixels" * 100)
    return blobs


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["zip", "tar", "tar.gz", "tar.bz2", "tar.xz", "gz"]),
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=4),
    cut=st.floats(0.05, 1),
)
def test_damaged_archives_raise_only_archive_errors(
    small_archives: dict[str, bytes],
    tmp_path: Path,
    kind: str,
    changes: list[tuple[float, int]],
    cut: float,
) -> None:
    data = bytearray(small_archives[kind])
    for where, value in changes:
        data[int(where * len(data))] = value
    path = tmp_path / f"damaged.{kind}"
    path.write_bytes(bytes(data[: max(1, int(cut * len(data)))]))
    message = ""
    try:
        drain(path)  # or any other exception, which fails the test
    except ArchiveError as error:
        message = str(error)
    assert "\n" not in message


def test_a_text_file_renamed_zip_is_reported_as_a_damaged_zip(tmp_path: Path) -> None:
    path = tmp_path / "notes.zip"
    path.write_text("shopping list\n" * 100)
    assert detect_kind(path) == "zip"
    with pytest.raises(ArchiveError, match=r"notes\.zip is damaged or is not a zip archive"):
        drain(path)


def test_a_file_that_is_no_archive_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n")
    assert detect_kind(path) is None
    with pytest.raises(ArchiveError, match="not a supported archive"):
        read_archive(path, LIMITS)


def test_a_single_bzip2_file_is_not_supported(tmp_path: Path) -> None:
    path = tmp_path / "photo.png.bz2"
    path.write_bytes(bz2.compress(b"\x89PNG pixels"))
    with pytest.raises(ArchiveError, match="not a supported archive"):
        read_archive(path, LIMITS)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    path.write_bytes(b"")
    with pytest.raises(ArchiveError, match="empty"):
        read_archive(path, LIMITS)


def test_archive_errors_reach_people_as_invalid_input() -> None:
    assert issubclass(ArchiveLimitExceeded, ArchiveError)
    assert issubclass(EntryRejected, ArchiveError)
    assert issubclass(ArchiveError, InvalidInput)


def test_a_single_xz_file_is_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "photo.xz"
    path.write_bytes(lzma.compress(b"not a tar"))
    assert detect_kind(path) is None


# entries are read in order -----------------------------------------------------------------


def test_an_entry_cannot_be_opened_after_the_next_is_asked_for(tmp_path: Path) -> None:
    path = write_tar(tmp_path / "order.tar", "w", tar_of(GOOD))
    items = read_archive(path, LIMITS)
    first = next(items)
    assert isinstance(first, ArchiveEntry)
    stream = first.open()
    with pytest.raises(ValueError, match="only once"):
        first.open()
    next(items)
    with pytest.raises(ValueError, match="before the next"):
        stream.read()
    with pytest.raises(ValueError, match="before the next"):
        first.open()


def test_entries_of_a_finished_iterator_cannot_be_opened(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "done.zip", GOOD)
    entries = list(read_archive(path, LIMITS))
    assert isinstance(entries[0], ArchiveEntry)
    with pytest.raises(ValueError, match="before the next"):
        entries[0].open()


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_total_bytes"):
        ArchiveLimits(max_entry_bytes=1, max_total_bytes=0)


# the path normaliser -----------------------------------------------------------------------

PATH_REASONS = {TRAVERSAL, ABSOLUTE, CONTROL, NOT_UTF8, EMPTY, TOO_LONG}
TRICKY = st.sampled_from([*"./\\:Ca \x00\n\x7f\x85", "\udce9"])


def assert_safe(path: str) -> None:
    assert path
    assert not path.startswith("/")
    assert "\\" not in path
    assert not re.match(r"[A-Za-z]:", path)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", path)
    path.encode("utf-8")
    for part in path.split("/"):
        assert part not in ("", ".", "..")
        assert len(part.encode()) <= 255


@given(st.text(st.one_of(TRICKY, st.characters()), max_size=40))
def test_any_name_is_a_safe_relative_path_or_rejected(name: str) -> None:
    result = normalise_member_path(name)
    if isinstance(result, Rejected):
        assert result.reason in PATH_REASONS
        result.path.encode("utf-8")
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", result.path)
    else:
        assert_safe(result)
        assert normalise_member_path(result) == result


SEGMENT = st.text(
    st.characters(blacklist_characters="/\\", blacklist_categories=("Cc", "Cs")),
    min_size=1,
    max_size=20,
).filter(lambda part: part not in (".", "..") and not re.match(r"[A-Za-z]:", part))


@given(
    st.lists(SEGMENT, min_size=1, max_size=6),
    st.lists(st.sampled_from(["/", "//", "/./", "\\", "\\.\\"]), min_size=6, max_size=6),
    st.sampled_from(["", "./", ".\\", "././"]),
)
def test_safe_names_keep_their_folders_whatever_the_separators(
    parts: list[str], separators: list[str], prefix: str
) -> None:
    name = prefix + "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    assert normalise_member_path(name) == "/".join(parts)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", EMPTY),
        ("./", EMPTY),
        ("a\x00b.png", CONTROL),
        ("c:evil.png", ABSOLUTE),
        ("a/" + "x" * 256, TOO_LONG),
        ("a/../b.png", TRAVERSAL),
    ],
)
def test_unsafe_names_are_rejected_with_a_reason(name: str, reason: str) -> None:
    result = normalise_member_path(name)
    assert isinstance(result, Rejected)
    assert result.reason == reason
