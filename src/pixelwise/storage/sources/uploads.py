"""A multipart/form-data upload written, file by file, into a folder as it arrives.

Browsers and scripts upload files and whole folders in one `multipart/form-data` request;
each part's file name is its path relative to the folder that was dropped
("trip/day1/0001.jpg"). The body is never held in memory: each part's bytes go to its file
as they arrive. Limits are checked while streaming, not after:

* a file over `max_file_bytes` is dropped (its partial file deleted) and refused with the
  reason; the other files go on;
* a request over `max_request_bytes` stops at once (`UploadTooLarge`);
* names are checked like archive members: `../`, absolute paths, control characters and
  system files are refused, and two parts with the same path keep the first.

Form fields that are not files are ignored (the caller takes options as query parameters).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from pixelwise.domain.errors import InvalidInput, TooLarge
from pixelwise.storage.sources.archives import Rejected, normalise_member_path, too_large


class UploadTooLarge(TooLarge):
    """The request is larger than the per-request limit."""


@dataclass(frozen=True)
class Refused:
    """An uploaded file that was not kept, and why."""

    path: str
    reason: str


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary named by a Content-Type header; InvalidInput otherwise."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise InvalidInput(
            "Upload files as multipart/form-data (one part per file, its file name being "
            "its relative path).",
            field="content-type",
        )
    return options[b"boundary"]


class UploadWriter:
    """Feed it the request body chunk by chunk; files appear under `root`.

    `received` lists the relative paths kept, `refused` the files dropped with the reason.
    Call `close()` at the end (it raises InvalidInput when the body was cut short).
    """

    def __init__(
        self, root: Path, content_type: str, *, max_file_bytes: int, max_request_bytes: int
    ) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.max_request_bytes = max_request_bytes
        self.received: list[str] = []
        self.refused: list[Refused] = []
        self._seen: set[str] = set()
        self._bytes = 0
        self._ended = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._out: BinaryIO | None = None
        self._out_path: Path | None = None
        self._name = ""
        self._size = 0
        self._parser = MultipartParser(
            boundary_of(content_type),
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        self._bytes += len(chunk)
        if self._bytes > self.max_request_bytes:
            self._drop_current()
            raise UploadTooLarge(
                f"The upload is over the limit of {self.max_request_bytes} bytes per request "
                "(setting PIXELWISE_MAX_UPLOAD_BYTES): send the files in several requests."
            )
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            self._drop_current()
            raise InvalidInput(f"The upload is not valid multipart/form-data: {error}") from None

    def close(self) -> None:
        if not self._ended:
            self._drop_current()
            raise InvalidInput("The upload ended before its last part: send it again.")

    # --- parser callbacks -----------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers = {}
        self._field = b""
        self._value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = b""
        self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        filename = options.get(b"filename")
        if filename is None:
            return  # a plain form field: ignored
        name = filename.decode("utf-8", "surrogateescape")
        path = normalise_member_path(name)
        if isinstance(path, Rejected):
            self.refused.append(Refused(path.path, path.reason))
            return
        if path.casefold() in self._seen:
            self.refused.append(Refused(path, "another uploaded file has the same path"))
            return
        self._seen.add(path.casefold())
        target = self.root.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(target, "xb")  # noqa: SIM115 - closed at the part's end
        self._out_path = target
        self._name = path
        self._size = 0

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is None:
            return
        self._size += end - start
        if self._size > self.max_file_bytes:
            self._drop_current()
            self.refused.append(Refused(self._name, too_large(self.max_file_bytes)))
            return
        self._out.write(data[start:end])

    def _part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            self.received.append(self._name)

    def _end(self) -> None:
        self._ended = True

    def _drop_current(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            if self._out_path is not None:
                os.unlink(self._out_path)
