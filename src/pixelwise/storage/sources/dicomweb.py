"""Studies on a DICOMweb server (a PACS): list them with QIDO-RS, fetch them with WADO-RS.

A source is a WADO-RS or QIDO-RS address, `<service root>/studies/<study>` optionally
followed by `/series/<series>` and `/instances/<sop instance>`, e.g.
`http://pacs:8042/dicom-web/studies/1.2.3/series/1.2.3.4`. The same address spelled
`dicomweb+http://...` or `dicomweb+https://...` is accepted too, so that a DICOMweb source
can be told apart from a plain file URL in a list of sources. `parse_dicomweb_url` splits it
into a `DicomWebRef`; `list_instances` asks the server which instances it holds there;
`fetch_instances` downloads them, one `.dcm` file per instance.

What the server sends is not trusted:

* `check(url)`, the caller's network guard, is called with the service root before any
  request, and redirects are followed only within the same scheme, host and port (a redirect
  elsewhere is refused, since the guard has not seen that address). Proxies and `.netrc`
  from the environment are ignored, so the address the guard approved is the one contacted.
* Nothing is retried automatically; `timeout` bounds connecting and every read.
* A search answer over `max_listing_bytes` (decompressed) is refused, and so is a listing of
  more than `max_instances`.
* Each instance is streamed to disk and abandoned as soon as it passes `max_bytes`
  (decompressed bytes are counted, so a gzip bomb stops there too); it must be a DICOM
  Part 10 file with the SOP Instance UID that was asked for, and every UID is checked
  (digits and dots) before it becomes part of a URL or a file name.
* A failure of one instance (missing, too large, truncated, not DICOM) is reported as that
  instance's `FetchedInstance.error` and the others are still fetched.

Instances are fetched in their original transfer syntax (`transfer-syntax=*`); a server that
refuses that gets a second request without it, and then sends whatever it chooses (by the
standard, Explicit VR Little Endian), which is recorded in `FetchedInstance.transfer_syntax`.

Errors: a study, series or instance that the server does not have is `NotFound`; an address
that is not acceptable, a server that cannot be reached, an HTTP error and an answer that is
not DICOMweb are `InvalidInput` with a one-line reason.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from requests.adapters import HTTPAdapter

from pixelwise.domain.errors import InvalidInput, NotFound

UrlCheck = Callable[[str], None]

MAX_UID_LENGTH = 64
DEFAULT_WORKERS = 4  # parallel downloads: enough to hide latency, gentle on a clinical PACS
DEFAULT_MAX_LISTING_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_INSTANCES = 100_000

_UID = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_CHUNK = 64 * 1024
_MAX_PART_HEADER_BYTES = 16 * 1024
_MAX_PREAMBLE_BYTES = 64 * 1024
_MAX_REDIRECT_BODY_BYTES = 64 * 1024
_MAX_REDIRECTS = 5
_POLL_SECONDS = 0.2  # how often `cancelled()` is asked while downloads run
_ORIGINAL_SYNTAX = 'multipart/related; type="application/dicom"; transfer-syntax=*'
_ANY_SYNTAX = 'multipart/related; type="application/dicom"'
_SEARCH_FIELDS = (
    "Modality",
    "SeriesDescription",
    "SeriesNumber",
    "InstanceNumber",
    "SOPClassUID",
    "NumberOfFrames",
)
_ERRNO_REASON = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


@dataclass(frozen=True)
class DicomWebRef:
    """A study, a series of it or one instance on a DICOMweb server.

    `base_url` is the service root without a trailing slash
    ("http://pacs:8042/dicom-web"); the UIDs are validated.
    """

    base_url: str
    study_uid: str
    series_uid: str | None = None
    instance_uid: str | None = None

    @property
    def url(self) -> str:
        """The WADO-RS address of what this names."""
        address = f"{self.base_url}/studies/{self.study_uid}"
        if self.series_uid is not None:
            address += f"/series/{self.series_uid}"
            if self.instance_uid is not None:
                address += f"/instances/{self.instance_uid}"
        return address

    def describe(self) -> str:
        """What this names, in words ("series 1.2.4 of study 1.2.3")."""
        study = f"study {self.study_uid}"
        if self.series_uid is None:
            return study
        series = f"series {self.series_uid} of {study}"
        if self.instance_uid is None:
            return series
        return f"instance {self.instance_uid} in {series}"


@dataclass(frozen=True)
class InstanceRef:
    """One instance as the server listed it: where it is and what it is.

    The UIDs are the server's and are validated again before they are used in a request or
    a file name (`fetch_instances` reports an invalid one as that instance's error).
    """

    base_url: str
    study_uid: str
    series_uid: str
    sop_uid: str
    modality: str | None = None
    instance_number: int | None = None
    series_number: int | None = None
    series_description: str | None = None
    sop_class_uid: str | None = None
    number_of_frames: int | None = None

    @property
    def url(self) -> str:
        """The WADO-RS address of the instance."""
        return (
            f"{self.base_url}/studies/{self.study_uid}/series/{self.series_uid}"
            f"/instances/{self.sop_uid}"
        )


@dataclass(frozen=True)
class FetchedInstance:
    """The outcome of fetching one instance.

    On success `path` is the written file (`<dest>/<SOP Instance UID>.dcm`), `size` its size
    in bytes, `transfer_syntax` the Transfer Syntax UID of its file meta information and
    `error` None. On failure `path` is None, nothing is left on disk, and `error` says why in
    a few words for the person importing.
    """

    instance: InstanceRef
    path: Path | None
    size: int
    error: str | None = None
    transfer_syntax: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def is_valid_uid(value: str) -> bool:
    """Whether `value` is a DICOM UID: digits separated by dots, at most 64 characters."""
    return len(value) <= MAX_UID_LENGTH and _UID.fullmatch(value) is not None


def _require_uid(value: str, what: str) -> str:
    if not is_valid_uid(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidInput(
            f"{shown!r} is not a valid {what}: a UID is digits separated by dots, at most "
            f"{MAX_UID_LENGTH} characters.",
            field="url",
        )
    return value


# --- addresses ----------------------------------------------------------------------------


def parse_dicomweb_url(url: str) -> DicomWebRef:
    """Split a WADO-RS/QIDO-RS address into service root and UIDs.

    Accepts `http(s)://host[:port][/prefix]/studies/<study>[/series/<series>
    [/instances/<sop>]]` with an optional trailing slash, and the same with the scheme
    spelled `dicomweb+http` or `dicomweb+https`. InvalidInput (field "url") for anything
    else: another scheme, credentials, a query or fragment, a path without `/studies/`, or
    a UID that is not digits and dots of at most 64 characters.
    """
    text = url.strip()
    if not text:
        raise InvalidInput("Give the address of a DICOMweb study.", field="url")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not a valid address: {error}.", field="url") from None
    scheme = parts.scheme.lower().removeprefix("dicomweb+")
    if scheme not in ("http", "https"):
        raise InvalidInput(
            f"{text!r} is not a DICOMweb address: it must start with http://, https://, "
            "dicomweb+http:// or dicomweb+https://.",
            field="url",
        )
    if not parts.hostname:
        raise InvalidInput(f"{text!r} names no server.", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "Credentials in a DICOMweb address are not supported; remove the user:password@ part.",
            field="url",
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise InvalidInput(
            f"{text!r} has a query or fragment (?... or #...); give the plain address "
            ".../studies/<study UID>.",
            field="url",
        )
    segments = parts.path.split("/")
    if segments and segments[-1] == "":
        segments.pop()  # one trailing slash
    if "studies" not in segments:
        raise InvalidInput(
            f"{text!r} is not a WADO-RS address: expected <service root>/studies/<study UID>"
            "[/series/<series UID>[/instances/<SOP instance UID>]].",
            field="url",
        )
    start = len(segments) - 1 - segments[::-1].index("studies")
    rest = [unquote(segment) for segment in segments[start + 1 :]]
    shape_ok = (
        len(rest) in (1, 3, 5)
        and (len(rest) < 3 or rest[1] == "series")
        and (len(rest) < 5 or rest[3] == "instances")
    )
    if not shape_ok:
        raise InvalidInput(
            f"{text!r} is not a WADO-RS address: after /studies/ expected <study UID>"
            "[/series/<series UID>[/instances/<SOP instance UID>]].",
            field="url",
        )
    study = _require_uid(rest[0], "Study Instance UID")
    series = _require_uid(rest[2], "Series Instance UID") if len(rest) >= 3 else None
    instance = _require_uid(rest[4], "SOP Instance UID") if len(rest) == 5 else None
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc += f":{port}"
    prefix = "/".join(segments[:start]).rstrip("/")
    return DicomWebRef(f"{scheme}://{netloc}{prefix}", study, series, instance)


# --- HTTP ---------------------------------------------------------------------------------


class _Refused(requests.RequestException):
    """Raised inside requests for an answer that must not be used; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def _read_capped(response: requests.Response, limit: int) -> None:
    """Read the whole (decompressed) body into `response.content`, refusing more than
    `limit` bytes."""
    chunks = []
    total = 0
    for chunk in response.iter_content(_CHUNK):
        total += len(chunk)
        if total > limit:
            response.close()
            raise _Refused(f"its answer to {response.url} is larger than {limit} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)


class _GuardedSession(requests.Session):
    """A requests session that stays on the approved server and bounds what it reads.

    No environment proxies or .netrc, no retries, redirects only to the same origin, and
    bodies that are not streamed are read with a size limit.
    """

    def __init__(self, max_body_bytes: int, pool_size: int) -> None:
        super().__init__()
        self.trust_env = False
        self.max_redirects = _MAX_REDIRECTS
        self.max_body_bytes = max_body_bytes
        self.headers["User-Agent"] = "pixelwise-dicomweb"
        adapter = HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        absolute = urljoin(resp.url, target)
        if _origin(absolute) != _origin(resp.url):
            resp.close()
            raise _Refused(f"it redirects {resp.url} to another server ({absolute})")
        _read_capped(resp, _MAX_REDIRECT_BODY_BYTES)
        return target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        streamed = bool(kwargs.get("stream"))
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        if not streamed:
            _read_capped(response, self.max_body_bytes)
        return response


def _short_reason(error: requests.RequestException, timeout: float) -> str:
    """One line for a failed request: what went wrong, without urllib3's nested reprs."""
    if isinstance(error, _Refused):
        return error.reason
    if isinstance(error, requests.Timeout):
        return f"it did not answer within {timeout:g} s"
    if isinstance(error, requests.TooManyRedirects):
        return f"it redirects more than {_MAX_REDIRECTS} times"
    if isinstance(error, requests.ConnectionError):
        found = _ERRNO_REASON.search(str(error))
        detail = found.group(1).strip().rstrip(".") if found else "connection failed"
        return f"cannot connect ({detail})"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return _status_reason(error.response)
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def _status_reason(response: requests.Response) -> str:
    reason = f" {response.reason}" if response.reason else ""
    address = response.url.partition("?")[0]  # the query only repeats what was asked
    return f"it answered {response.status_code}{reason} to {address}"


def _unavailable(base_url: str, reason: str) -> InvalidInput:
    end = "" if reason.endswith((".", "?")) else "."
    return InvalidInput(
        f"The DICOMweb server at {base_url} cannot be used: {reason}{end}", field="url"
    )


# --- listing (QIDO-RS) --------------------------------------------------------------------


def _value(dataset: dict[str, Any], tag: str) -> Any:
    element = dataset.get(tag)
    if not isinstance(element, dict):
        return None
    values = element.get("Value")
    if not isinstance(values, list) or not values:
        return None
    return values[0]


def _text(dataset: dict[str, Any], tag: str) -> str | None:
    value = _value(dataset, tag)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _integer(dataset: dict[str, Any], tag: str) -> int | None:
    value = _value(dataset, tag)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _instance_ref(base_url: str, ref: DicomWebRef, dataset: dict[str, Any]) -> InstanceRef:
    return InstanceRef(
        base_url=base_url,
        study_uid=_text(dataset, "0020000D") or ref.study_uid,
        series_uid=_text(dataset, "0020000E") or ref.series_uid or "",
        sop_uid=_text(dataset, "00080018") or "",
        modality=_text(dataset, "00080060"),
        instance_number=_integer(dataset, "00200013"),
        series_number=_integer(dataset, "00200011"),
        series_description=_text(dataset, "0008103E"),
        sop_class_uid=_text(dataset, "00080016"),
        number_of_frames=_integer(dataset, "00280008"),
    )


def _matches(instance: InstanceRef, ref: DicomWebRef) -> bool:
    """Whether a search result lies where `ref` points (servers may ignore filters)."""
    return (
        instance.study_uid == ref.study_uid
        and (ref.series_uid is None or instance.series_uid == ref.series_uid)
        and (ref.instance_uid is None or instance.sop_uid == ref.instance_uid)
    )


def _client(ref: DicomWebRef, session: requests.Session, timeout: float) -> DICOMwebClient:
    client = DICOMwebClient(
        url=ref.base_url, session=session, timeout=(timeout, timeout), permissive_uid=True
    )
    client.set_http_retry_params(retry=False)
    return client


def _search_page(client: DICOMwebClient, ref: DicomWebRef, offset: int) -> list[dict[str, Any]]:
    answer = client.search_for_instances(
        study_instance_uid=ref.study_uid,
        series_instance_uid=ref.series_uid,
        fields=list(_SEARCH_FIELDS),
        search_filters={"SOPInstanceUID": ref.instance_uid} if ref.instance_uid else None,
        offset=offset or None,
    )
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise _Refused("its search answer is not a list of DICOM JSON data sets")
    return answer


def _is_dicomweb(client: DICOMwebClient) -> bool:
    """Whether the service root answers a study search with DICOM JSON."""
    try:
        answer = client.search_for_studies(limit=1)
    except (requests.RequestException, ValueError):
        return False
    return isinstance(answer, list) and all(isinstance(item, dict) for item in answer)


def list_instances(
    ref: DicomWebRef,
    *,
    timeout: float,
    check: UrlCheck | None = None,
    max_instances: int = DEFAULT_MAX_INSTANCES,
    max_listing_bytes: int = DEFAULT_MAX_LISTING_BYTES,
) -> list[InstanceRef]:
    """The instances of the study, series or instance `ref` names, by series then number.

    Asks the server with QIDO-RS (`/studies/<study>[/series/<series>]/instances`, paged with
    `offset` until an empty page) for each instance's UIDs, modality, instance number and
    series number and description. `check(ref.base_url)` is called first and whatever it
    raises propagates before any request is made.

    NotFound when the server has nothing there; InvalidInput when it cannot be reached, does
    not answer within `timeout` seconds, answers with an HTTP error or with something that
    is not DICOM JSON, or lists more than `max_instances` instances.
    """
    if check is not None:
        check(ref.base_url)
    with _GuardedSession(max_listing_bytes, pool_size=1) as session:
        try:
            client = _client(ref, session, timeout)
        except ValueError as error:  # an address dicomweb-client cannot use (IPv6 literal)
            raise _unavailable(ref.base_url, str(error)) from None
        found: dict[str, InstanceRef] = {}
        try:
            while True:
                page = _search_page(client, ref, len(found))
                fresh = [_instance_ref(ref.base_url, ref, item) for item in page]
                fresh = [item for item in fresh if _matches(item, ref) and item.sop_uid]
                new = [item for item in fresh if item.sop_uid not in found]
                if not new:  # the end, or a server that ignores `offset`
                    break
                found.update((item.sop_uid, item) for item in new)
                if len(found) > max_instances:
                    raise InvalidInput(
                        f"The DICOMweb server at {ref.base_url} lists more than {max_instances}"
                        f" instances for {ref.describe()}; import it series by series.",
                        field="url",
                    )
        except requests.HTTPError as error:
            response = error.response
            if response is None or response.status_code != 404:
                raise _unavailable(ref.base_url, _short_reason(error, timeout)) from None
            if not _is_dicomweb(client):  # 404 from something else than DICOMweb
                reason = f"{_status_reason(response)}; is {ref.base_url} its DICOMweb root?"
                raise _unavailable(ref.base_url, reason) from None
            found = {}
        except (requests.JSONDecodeError, ValueError):  # the body was not JSON
            raise _unavailable(
                ref.base_url, "it did not answer with DICOM JSON; is this its DICOMweb root?"
            ) from None
        except requests.RequestException as error:
            raise _unavailable(ref.base_url, _short_reason(error, timeout)) from None
    if not found:
        raise NotFound(f"The DICOMweb server at {ref.base_url} has no {ref.describe()}.")
    return sorted(
        found.values(),
        key=lambda item: (
            item.series_number is None,
            item.series_number or 0,
            item.series_uid,
            item.instance_number is None,
            item.instance_number or 0,
            item.sop_uid,
        ),
    )


# --- fetching (WADO-RS) -------------------------------------------------------------------


class _Failed(Exception):
    """This instance cannot be fetched; `reason` is reported in its place."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Stopped(Exception):
    """The download was stopped (cancellation, or the iterator was closed)."""


def too_large(limit: int) -> str:
    """The error of an instance over the per-file limit."""
    return f"larger than the per-file limit of {limit} bytes"


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    """The media type of a Content-Type value, lowercased, and its parameters."""
    if not value.strip():
        return "", {}
    message = Message()
    message["Content-Type"] = value
    params = {key.lower(): str(val) for key, val in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


class _Download:
    """Streams one instance's WADO-RS answer into a file, within the limits."""

    def __init__(self, chunks: Iterator[bytes], out: Any, max_bytes: int, stop: threading.Event):
        self.chunks = chunks
        self.out = out
        self.max_bytes = max_bytes
        self.stop = stop
        self.size = 0
        self.buffer = bytearray()
        self.ended = False

    def _more(self) -> bool:
        if self.stop.is_set():
            raise _Stopped
        chunk = next(self.chunks, None)
        if chunk is None:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def _write(self, data: bytes | bytearray) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise _Failed(too_large(self.max_bytes))
        self.out.write(data)

    def single(self) -> None:
        """The whole body is the file (a server that answered application/dicom)."""
        while self._more():
            self._write(self.buffer)
            self.buffer.clear()

    def multipart(self, boundary: bytes) -> str | None:
        """Write the first and only part; the transfer syntax its Content-Type names."""
        marker = b"--" + boundary
        while (start := self.buffer.find(marker)) < 0:
            if len(self.buffer) > _MAX_PREAMBLE_BYTES or not self._more():
                raise _Failed("the answer has no multipart body")
        del self.buffer[: start + len(marker)]
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if self.buffer.startswith(b"--"):
                raise _Failed("the server sent no data for it")
            if len(self.buffer) > _MAX_PART_HEADER_BYTES or not self._more():
                raise _Failed("the answer's part headers are damaged")
        headers = Message()
        for line in bytes(self.buffer[:end]).decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip()] = value.strip()
        del self.buffer[: end + 4]
        declared = (headers.get("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _Failed(too_large(self.max_bytes))
        syntax = None
        if headers.get("Content-Type"):
            kind, params = _content_type(str(headers["Content-Type"]))
            if kind != "application/dicom":
                raise _Failed(f"the server sent {kind}, not application/dicom")
            syntax = params.get("transfer-syntax")
        delimiter = b"\r\n" + marker
        keep = len(delimiter) - 1
        while (end := self.buffer.find(delimiter)) < 0:
            if len(self.buffer) > keep:
                self._write(self.buffer[:-keep])
                del self.buffer[:-keep]
            if not self._more():
                raise _Failed("the answer ended before the end of the instance (truncated)")
        self._write(self.buffer[:end])
        del self.buffer[: end + len(delimiter)]
        while len(self.buffer) < 2 and self._more():
            pass
        closed = self.buffer.startswith(b"--") or (self.ended and not self.buffer.strip())
        if not closed:
            raise _Failed("the server sent more than one part for one instance")
        return syntax


class _Fetcher:
    """Fetches instances into `dest`, one thread-local session per worker thread."""

    def __init__(self, dest: Path, timeout: float, max_bytes: int, stop: threading.Event):
        self.dest = dest
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.stop = stop
        self.original_syntax = True  # until the server refuses transfer-syntax=*
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = _GuardedSession(_MAX_REDIRECT_BODY_BYTES, pool_size=1)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def _get(self, url: str) -> requests.Response:
        accepts = [_ORIGINAL_SYNTAX, _ANY_SYNTAX] if self.original_syntax else [_ANY_SYNTAX]
        for accept in accepts:
            response = self._session().get(
                url,
                headers={"Accept": accept},
                stream=True,
                timeout=(self.timeout, self.timeout),
            )
            refused_syntax = response.status_code in (400, 406, 415)
            if not (refused_syntax and accept == _ORIGINAL_SYNTAX):
                return response
            response.close()
            self.original_syntax = False
        return response

    def fetch(self, instance: InstanceRef) -> FetchedInstance | None:
        """The outcome for `instance`, or None when stopped before it was complete."""
        for uid, what in (
            (instance.study_uid, "Study Instance UID"),
            (instance.series_uid, "Series Instance UID"),
            (instance.sop_uid, "SOP Instance UID"),
        ):
            if not is_valid_uid(uid):
                return FetchedInstance(instance, None, 0, f"the server gave an invalid {what}")
        target = self.dest / f"{instance.sop_uid}.dcm"
        partial = self.dest / f".{instance.sop_uid}.{uuid.uuid4().hex}.part"
        try:
            size, syntax = self._download(instance, partial)
            os.replace(partial, target)
        except _Stopped:
            partial.unlink(missing_ok=True)
            return None
        except _Failed as failure:
            partial.unlink(missing_ok=True)
            return FetchedInstance(instance, None, 0, failure.reason)
        except requests.RequestException as error:
            partial.unlink(missing_ok=True)
            return FetchedInstance(instance, None, 0, _short_reason(error, self.timeout))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return FetchedInstance(instance, target, size, None, syntax)

    def _download(self, instance: InstanceRef, partial: Path) -> tuple[int, str | None]:
        if self.stop.is_set():
            raise _Stopped
        with self._get(instance.url) as response:
            if response.status_code == 404:
                raise _Failed("the server does not have it (404)")
            if response.status_code >= 300:
                raise _Failed(_status_reason(response))
            kind, params = _content_type(response.headers.get("Content-Type", ""))
            with partial.open("xb") as out:
                download = _Download(response.iter_content(_CHUNK), out, self.max_bytes, self.stop)
                if kind == "multipart/related" and params.get("boundary"):
                    syntax = download.multipart(params["boundary"].encode("latin-1"))
                elif kind == "application/dicom":
                    download.single()
                    syntax = params.get("transfer-syntax")
                else:
                    raise _Failed(f"the server answered {kind or 'without a Content-Type'}")
                size = download.size
        return size, _verify(partial, instance.sop_uid) or syntax


def _verify(path: Path, sop_uid: str) -> str | None:
    """Check that `path` is a DICOM Part 10 file of `sop_uid`; its transfer syntax."""
    with path.open("rb") as file:
        head = file.read(132)
    if len(head) < 132 or head[128:132] != b"DICM":
        raise _Failed("the server sent data that is not a DICOM file")
    try:
        meta = read_file_meta_info(path)
    except (InvalidDicomError, ValueError, OSError, EOFError) as error:
        raise _Failed(f"the DICOM file meta information is damaged ({error})") from None
    sent = str(meta.get("MediaStorageSOPInstanceUID", "")).strip("\x00 ")
    if sent and sent != sop_uid:
        raise _Failed(f"the server sent instance {sent} instead")
    syntax = str(meta.get("TransferSyntaxUID", "")).strip("\x00 ")
    return syntax or None


def fetch_instances(
    source: DicomWebRef | Sequence[InstanceRef],
    dest: Path,
    *,
    timeout: float,
    max_bytes: int,
    check: UrlCheck | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Generator[FetchedInstance, None, None]:
    """Download each instance with WADO-RS into `dest/<SOP Instance UID>.dcm`.

    `source` is a reference (listed first with `list_instances`, whose errors are raised
    here) or instances already listed. `check` is called with every service root before
    any request; `dest` is created if needed. Everything up to this point happens when this
    function is called; the downloads happen as the returned iterator is consumed.

    Up to `workers` instances download at once (sequentially with 1) and a `FetchedInstance`
    is yielded as each finishes, so the order is not that of `source`. Each is written to a
    hidden temporary name and renamed when complete: a failure, or an instance over
    `max_bytes` (checked while streaming), leaves nothing behind.

    `cancelled()` is asked on the consuming thread before each download starts and every
    0.2 s while downloads run; once it is true no new download starts, the ones under way
    stop at their next chunk and are not reported (nor kept), instances already complete are
    still yielded, and the iterator ends. Closing the iterator early stops the downloads
    likewise and removes files it had written but not yet yielded.

    An OSError while writing under `dest` (disk full, no permission) is the server's
    problem, not the instance's: it is raised from the iterator.
    """
    if timeout <= 0 or max_bytes <= 0 or workers < 1:
        raise ValueError("timeout and max_bytes must be positive and workers at least 1")
    if isinstance(source, DicomWebRef):
        instances = list_instances(source, timeout=timeout, check=check)
    else:
        instances = list(source)
        if check is not None:
            for base_url in dict.fromkeys(instance.base_url for instance in instances):
                check(base_url)
    dest.mkdir(parents=True, exist_ok=True)
    return _fetch_all(instances, dest, timeout, max_bytes, cancelled, workers)


def _fetch_all(
    instances: list[InstanceRef],
    dest: Path,
    timeout: float,
    max_bytes: int,
    cancelled: Callable[[], bool] | None,
    workers: int,
) -> Generator[FetchedInstance, None, None]:
    stop = threading.Event()
    fetcher = _Fetcher(dest, timeout, max_bytes, stop)
    queue = iter(instances)
    running: set[Future[FetchedInstance | None]] = set()

    def should_stop() -> bool:
        if not stop.is_set() and cancelled is not None and cancelled():
            stop.set()
        return stop.is_set()

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dicomweb")
    try:
        while True:
            while len(running) < workers and not should_stop():
                instance = next(queue, None)
                if instance is None:
                    break
                running.add(pool.submit(fetcher.fetch, instance))
            if not running:
                return
            done, _ = wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                running.discard(future)  # what stays in `running` is cleaned up if closed
                outcome = future.result()
                if outcome is not None:
                    yield outcome
            should_stop()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for future in running:  # complete but never yielded: the consumer went away
            if future.done() and not future.cancelled() and future.exception() is None:
                outcome = future.result()
                if outcome is not None and outcome.path is not None:
                    outcome.path.unlink(missing_ok=True)
        fetcher.close()
