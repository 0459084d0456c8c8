"""HTTP caching and partial content for media responses (RFC 9110 sections 13 and 14).

Media bytes never change under the same URL (an asset's original is immutable and every
rendition is named after the original's checksum), so every media response carries a
strong ETag and a Last-Modified date; a browser that has them asks again with
If-None-Match / If-Modified-Since and gets a 304 without a byte of the body. Originals and
videos also answer single byte ranges (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`), which
video players and resumable downloads use; multi-range requests get the whole body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

from pixelwise.api.problems import PROBLEM_JSON


@dataclass(frozen=True)
class Validators:
    etag: str  # quoted, e.g. '"3f2a..."'
    last_modified: datetime

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Last-Modified": format_datetime(
                self.last_modified.replace(microsecond=0), usegmt=True
            ),
        }


def not_modified(request: Request, validators: Validators, cache: str) -> Response | None:
    """A 304 when the client's copy is current, else None (send the body)."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        if "*" not in tags and validators.etag not in tags:
            return None
    else:
        since = request.headers.get("if-modified-since")
        if since is None:
            return None
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None or validators.last_modified.replace(microsecond=0) > when:
            return None
    return Response(status_code=304, headers={**validators.headers(), "Cache-Control": cache})


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the file does not have (answer 416)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no such byte range in a file of {size} bytes")
        self.size = size


def byte_range(request: Request, validators: Validators, size: int) -> tuple[int, int] | None:
    """The single range [start, end) the client asked for, or None for the whole file.

    An If-Range naming another version, a malformed or multi-range header: the whole file
    (as RFC 9110 allows). A range starting past the end: RangeNotSatisfiable.
    """
    header = request.headers.get("range")
    if header is None or not header.startswith("bytes=") or "," in header:
        return None
    condition = request.headers.get("if-range")
    if condition is not None and condition.strip() != validators.etag:
        return None
    first, _, last = header.removeprefix("bytes=").strip().partition("-")
    try:
        if not first:  # the last n bytes
            count = int(last)
            if count <= 0:
                raise RangeNotSatisfiable(size)
            return max(0, size - count), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start < 0 or (end <= start and last):
        return None
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, min(end, size)


def unsatisfiable(size: int) -> Response:
    body = (
        '{"type":"about:blank","title":"Range not satisfiable","status":416,'
        f'"detail":"The file has {size} bytes; ask for a range inside it."}}'
    )
    return Response(
        body, status_code=416, media_type=PROBLEM_JSON, headers={"Content-Range": f"bytes */{size}"}
    )
