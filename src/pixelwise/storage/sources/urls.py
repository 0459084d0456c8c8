"""Importing from a CSV that lists URLs: read the list, then check or download each URL.

The CSV is written by people, often in a spreadsheet, so reading it is forgiving about
what does not matter (a byte-order mark, the case of column names, extra columns, blank
lines) and precise about what does: every row that cannot be imported comes back as a
`RowProblem` naming its line, and the others still come through. Only a file that cannot
be read as a list at all (not UTF-8, no `url` column, too many rows) is refused whole.

Each URL is then either only checked, for imports that register URLs to be served later
through the guarded opener (`check_registered`), or downloaded (`fetch_urls`) through the
SSRF guard of `netguard`, a few at a time, into temporary files that the caller takes as
they finish. Memory stays flat however long the list: rows are read from the iterable only
as fast as downloads finish, and finished downloads wait for the caller in a bounded window.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import SplitResult, unquote, urlsplit

import httpx

from pixelwise.domain.errors import InvalidInput
from pixelwise.storage.sources.archives import MAX_NAME_BYTES
from pixelwise.storage.sources.netguard import (
    BlockedUrl,
    FetchFailed,
    UrlPolicy,
    checked_url,
    guarded_client,
    open_url,
    resolve_checked,
    shown,
)

logger = logging.getLogger(__name__)

UrlKind = Literal["http", "dicomweb"]

MAX_URL_CHARS = 8192
COLUMNS = ("url", "folder", "name")
_CANCEL_POLL_SECONDS = 0.5  # how often `cancelled()` is asked, at most
_HOST_VERDICT_SECONDS = 60  # how long check_registered reuses what it found about a host
# An http(s) URL of plain ASCII: a registered name (no user info), an optional port, and a
# path, query and fragment of characters that need no escaping. Most URL lists hold only
# these, and they can be taken without the full URL parser (a fifth of an import's time).
_PLAIN_URL = re.compile(
    r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r"(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?"
)
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UID = r"[0-9]+(?:\.[0-9]+)*"
_WADO_RS = re.compile(
    rf"/studies/(?P<study>{_UID})"
    rf"(?:/series/(?P<series>{_UID})(?:/instances/(?P<instance>{_UID}))?)?/?$"
)
_MAX_UID_CHARS = 64


@dataclass(frozen=True, slots=True)
class UrlRow:
    """One importable row: where to fetch, and the folder and file name to import it as.

    `folder` is "" or a POSIX path without `.` or `..` ("scans/night"); `name` is never
    empty and has no slash. `kind` is "dicomweb" for WADO-RS study, series or instance URLs.
    """

    line: int
    url: str
    folder: str
    name: str
    kind: UrlKind


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A line of the CSV that is not imported, and why. With `note`, nothing was skipped:
    it is only worth telling (e.g. columns that were ignored)."""

    line: int
    reason: str
    note: bool = False


@dataclass(frozen=True, slots=True)
class DicomWebTarget:
    """The parts of a WADO-RS URL: the service root and the UIDs down to what it names."""

    base_url: str
    study_uid: str
    series_uid: str | None
    instance_uid: str | None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one download. On success `path` is a temporary file under the folder
    given to `fetch_urls` (the caller moves or deletes it) and `error` is None; on failure
    `path` is None and `error` is a one-line reason to show the person importing."""

    row: UrlRow
    path: Path | None
    size: int
    content_type: str | None
    final_url: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the file was downloaded."""
        return self.error is None


# reading the CSV ---------------------------------------------------------------------------


def parse_url_csv(
    stream: BinaryIO, *, max_rows: int = 1_000_000
) -> tuple[list[UrlRow], list[RowProblem]]:
    """The importable rows of a CSV of URLs, and the problems of the others.

    The file must be UTF-8 (a byte-order mark is fine) and start with a header that names
    a `url` column; `folder` and `name` are optional and other columns are ignored (with
    one note). InvalidInput when the file cannot be read that way or has more than
    `max_rows` rows. The stream is read to its end but not closed.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return _parse(csv.reader(text), max_rows)
    except UnicodeDecodeError:
        raise InvalidInput(
            'The CSV is not UTF-8 text: save it as UTF-8 ("CSV UTF-8" in spreadsheet '
            "programs) and upload it again.",
            field="file",
        ) from None
    finally:
        text.detach()


def _parse(reader: Iterator[list[str]], max_rows: int) -> tuple[list[UrlRow], list[RowProblem]]:
    rows: list[UrlRow] = []
    problems: list[RowProblem] = []
    where = _CsvPosition(reader)
    header = next((cells for cells in where if any(cell.strip() for cell in cells)), None)
    if header is None:
        raise InvalidInput(
            "The CSV is empty: its first line must be a header with a 'url' column.",
            field="file",
        )
    columns, ignored = _read_header(header)
    if ignored:
        listed = ", ".join(repr(name) for name in ignored)
        problems.append(
            RowProblem(
                where.start,
                f"columns ignored: {listed} (only url, folder and name are read)",
                note=True,
            )
        )
    first_line: dict[tuple[str, str], int] = {}
    count = 0
    for cells in where:
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > max_rows:
            raise InvalidInput(
                f"The CSV has more than {max_rows} rows: split it into several files.",
                field="file",
            )
        line = where.start
        values = {
            column: cells[index].strip() if index < len(cells) else ""
            for column, index in columns.items()
        }
        row_or_reason = _row(line, values)
        if isinstance(row_or_reason, str):
            problems.append(RowProblem(line, row_or_reason))
            continue
        key = (row_or_reason.folder, row_or_reason.name)
        earlier = first_line.setdefault(key, line)
        if earlier != line:
            problems.append(RowProblem(line, _duplicate(key, earlier)))
            continue
        rows.append(row_or_reason)
    return rows, problems


class _CsvPosition:
    """Iterates a csv reader, remembering the line each record started on."""

    def __init__(self, reader: Iterator[list[str]]) -> None:
        self._reader = reader
        self._end = 0
        self.start = 0

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        try:
            cells = next(self._reader)
        except csv.Error as exc:
            raise InvalidInput(
                f"The CSV cannot be read after line {self._end}: {exc}.", field="file"
            ) from None
        self.start = self._end + 1
        self._end = getattr(self._reader, "line_num", self.start)
        return cells


def _read_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = cell.strip().casefold()
        if name in COLUMNS:
            if name in columns:
                raise InvalidInput(f"The CSV header names the column {name!r} twice.", field="file")
            columns[name] = index
        elif name:
            ignored.append(cell.strip())
    if "url" not in columns:
        cells = [_short(cell.strip()) for cell in header if cell.strip()]
        found = ", ".join(repr(cell) for cell in cells[:5]) + (", ..." if len(cells) > 5 else "")
        raise InvalidInput(
            f"The CSV has no 'url' column: its first line must be a header naming the "
            f"columns (found {found}).",
            field="file",
        )
    return columns, ignored


def _duplicate(key: tuple[str, str], earlier: int) -> str:
    folder, name = key
    place = f"in folder {folder!r}" if folder else "at the top level"
    return (
        f"duplicate name {name!r} {place} (first used on line {earlier}); give the rows "
        "distinct names in a 'name' column"
    )


def _row(line: int, values: dict[str, str]) -> UrlRow | str:
    """The row, or why it cannot be imported."""
    url = values["url"]
    parts = _url_parts(url)
    if isinstance(parts, str):
        return parts
    folder = _folder(values.get("folder", ""))
    if folder is None:
        return f"folder {values['folder']!r} is not a relative folder path without '..'"
    given = values.get("name", "")
    if given:
        problem = _name_problem(given)
        if problem:
            return problem
        name = given
    else:
        name = default_name(url, line)
    kind: UrlKind = "dicomweb" if parse_dicomweb_url(url) is not None else "http"
    return UrlRow(line=line, url=url, folder=folder, name=name, kind=kind)


def _url_parts(url: str) -> SplitResult | str:
    if not url:
        return "empty url"
    if len(url) > MAX_URL_CHARS:
        return f"url longer than {MAX_URL_CHARS} characters"
    if _CONTROL_CHARS.search(url):
        return f"not a URL (it contains control characters): {_short(url)!r}"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a URL ({exc}): {_short(url)!r}"
    scheme = parts.scheme.lower()
    if not scheme or not url[len(scheme) + 1 :].startswith("//"):
        return f"not a URL (it must start with http:// or https://): {_short(url)!r}"
    if scheme not in ("http", "https"):
        return f"unsupported scheme {scheme!r} (only http and https): {_short(url)!r}"
    if not parts.hostname:
        return f"not a URL (no host name): {_short(url)!r}"
    if not _PLAIN_URL.fullmatch(url):  # plain ASCII URLs are what httpx accepts anyway
        try:
            httpx.URL(url)
        except httpx.InvalidURL as exc:
            return f"not a URL ({exc}): {_short(url)!r}"
    return parts


def _short(value: str) -> str:
    return value if len(value) <= 120 else value[:117] + "..."


def _folder(value: str) -> str | None:
    """`value` as a clean relative folder path ("" for none), or None when it is unsafe."""
    if _CONTROL_CHARS.search(value):
        return None
    parts = [part.strip() for part in value.replace("\\", "/").split("/")]
    kept = [part for part in parts if part not in ("", ".")]
    if ".." in kept or any(len(part.encode()) > MAX_NAME_BYTES for part in kept):
        return None
    return "/".join(kept)


def _name_problem(name: str) -> str | None:
    if "/" in name or "\\" in name:
        return f"name {name!r} contains a slash; put folders in the 'folder' column"
    if _CONTROL_CHARS.search(name):
        return f"name {name!r} contains control characters"
    if name in (".", ".."):
        return f"name {name!r} is not a file name"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"name is longer than {MAX_NAME_BYTES} bytes"
    return None


def default_name(url: str, line: int) -> str:
    """The file name for a row without one: the URL's last path segment, decoded and made
    safe, or `url-<line>` when that leaves nothing usable."""
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    name = unquote(segments[-1], errors="replace") if segments else ""
    name = _CONTROL_CHARS.sub("_", name.replace("/", "_").replace("\\", "_")).strip()
    if name in ("", ".", ".."):
        return f"url-{line}"
    return _truncate(name)


def _truncate(name: str) -> str:
    """`name` cut to MAX_NAME_BYTES of UTF-8, keeping a short extension."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def parse_dicomweb_url(url: str) -> DicomWebTarget | None:
    """The WADO-RS parts of `url` when its path ends in `/studies/<uid>`, optionally
    followed by `/series/<uid>` and `/instances/<uid>`; None for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    match = _WADO_RS.search(parts.path)
    if match is None:
        return None
    uids = match.group("study", "series", "instance")
    if any(uid is not None and len(uid) > _MAX_UID_CHARS for uid in uids):
        return None
    base = parts._replace(path=parts.path[: match.start()], query="", fragment="").geturl()
    study, series, instance = uids
    assert study is not None
    return DicomWebTarget(base, study, series, instance)


# checking and fetching ---------------------------------------------------------------------


def check_registered(row: UrlRow, policy: UrlPolicy) -> str | None:
    """Why `row`'s URL cannot be registered without downloading it (refused by the guard,
    or its host does not resolve), or None when it can.

    The host is resolved once, and the verdict on it reused for a minute, so that a list
    of a million URLs on a few hosts costs a few lookups. That is safe because a
    registered URL is only ever fetched through `open_url`, which checks again.
    """
    plain = _PLAIN_URL.fullmatch(row.url)
    if plain and plain["scheme"].lower() in policy.schemes:
        host = plain["host"].lower()  # the same host httpx would find, without parsing again
    else:
        try:
            host = checked_url(row.url, policy).host
        except BlockedUrl as exc:
            return exc.detail
    verdict = _host_verdict(host, policy, int(time.monotonic() // _HOST_VERDICT_SECONDS))
    if verdict is None:
        return None
    blocked, reason = verdict
    if blocked:
        return BlockedUrl(row.url, reason).detail
    return f"Could not fetch {shown(row.url)}: {reason}."


@functools.lru_cache(maxsize=4096)
def _host_verdict(host: str, policy: UrlPolicy, _period: int) -> tuple[bool, str] | None:
    """(blocked?, reason) when `host` may not be fetched, None when it may; `_period`
    makes entries expire."""
    try:
        resolve_checked(host, policy)
    except BlockedUrl as exc:
        return True, exc.reason
    except FetchFailed as exc:
        return False, exc.detail
    return None


def fetch_urls(
    rows: Iterable[UrlRow],
    policy: UrlPolicy,
    dest: Path,
    *,
    concurrency: int,
    cancelled: Callable[[], bool] | None = None,
) -> Generator[FetchResult, None, None]:
    """Download every row's URL into its own temporary file under `dest`, at most
    `concurrency` at a time, yielding each result as it finishes (in that order).

    A failed download is a result with an `error`, never an exception. Rows are taken
    from `rows` only as downloads finish, and at most 2 x `concurrency` results wait
    for the caller. When `cancelled()` (asked about twice a second, from the caller's
    thread) turns true, or the caller closes the generator (`close()`), downloads under
    way are abandoned, their files deleted, and nothing more is yielded. Files already
    yielded are the caller's to move or delete.
    """
    if concurrency < 1:
        raise ValueError("fetch_urls needs a concurrency of at least 1")
    dest.mkdir(parents=True, exist_ok=True)
    return _fetch(iter(rows), policy, dest, concurrency, cancelled)


def _fetch(
    rows: Iterator[UrlRow],
    policy: UrlPolicy,
    dest: Path,
    concurrency: int,
    cancelled: Callable[[], bool] | None,
) -> Generator[FetchResult, None, None]:
    stop = threading.Event()
    watch = _CancelWatch(cancelled)
    pending: set[Future[FetchResult]] = set()
    done: set[Future[FetchResult]] = set()
    client = guarded_client(policy, max_connections=concurrency)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="url-fetch")
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * concurrency and not watch.cancelled():
                row = next(rows, None)
                if row is None:
                    exhausted = True
                    break
                pending.add(pool.submit(_download, row, policy, dest, client, stop))
            if not pending or watch.cancelled():
                return
            done, pending = wait(pending, timeout=watch.wait_seconds, return_when=FIRST_COMPLETED)
            while done:
                if watch.cancelled():
                    return
                yield done.pop().result()
    finally:
        stop.set()
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending | done:  # finished, but never handed to the caller
            if future.done() and not future.cancelled():
                _discard(future.result())
        client.close()


class _CancelWatch:
    """Asks `cancelled()` at most every `_CANCEL_POLL_SECONDS`: it may query a database."""

    def __init__(self, cancelled: Callable[[], bool] | None) -> None:
        self._cancelled = cancelled
        self._asked = float("-inf")
        self._answer = False
        self.wait_seconds = None if cancelled is None else _CANCEL_POLL_SECONDS

    def cancelled(self) -> bool:
        if self._cancelled is None or self._answer:
            return self._answer
        now = time.monotonic()
        if now - self._asked >= _CANCEL_POLL_SECONDS:
            self._asked = now
            self._answer = bool(self._cancelled())
        return self._answer


class _Stopped(Exception):
    """The fetch was abandoned while this download was under way."""


def _download(
    row: UrlRow, policy: UrlPolicy, dest: Path, client: httpx.Client, stop: threading.Event
) -> FetchResult:
    if stop.is_set():
        return _failed(row, "cancelled")
    handle, name = tempfile.mkstemp(dir=dest, prefix="url-", suffix=_suffix(row.name))
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as file, open_url(row.url, policy, client=client) as response:
            size = 0
            for chunk in response.iter_bytes():
                if stop.is_set():
                    raise _Stopped
                file.write(chunk)
                size += len(chunk)
        return FetchResult(row, path, size, response.content_type, response.final_url, None)
    except InvalidInput as exc:
        reason = exc.detail
    except _Stopped:
        reason = "cancelled"
    except OSError as exc:
        reason = f"could not save the download: {exc}"
    except Exception as exc:
        logger.exception("unexpected failure fetching %s (line %d)", row.url, row.line)
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
    path.unlink(missing_ok=True)
    return _failed(row, " ".join(reason.split()))


def _failed(row: UrlRow, reason: str) -> FetchResult:
    return FetchResult(row, None, 0, None, None, reason)


def _suffix(name: str) -> str:
    """A short, safe extension for the temporary file, so tools that look at it can tell
    what it is."""
    _stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 16 and extension.isalnum() and extension.isascii():
        return f".{extension}"
    return ""


def _discard(result: FetchResult) -> None:
    if result.path is not None:
        result.path.unlink(missing_ok=True)
