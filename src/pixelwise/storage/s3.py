"""The BlobStore adapter for an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, ...).

It is configured from the storage URL alone:

    s3://BUCKET[/PREFIX][?endpoint_url=URL&region=REGION&addressing=path|virtual|auto]

- BUCKET must already exist; `check()` (run at start-up) says so in one line if it does not.
- PREFIX is an optional folder inside the bucket under which every key is put
  ('s3://labels/pixelwise/prod'), so one bucket can hold the data of several servers.
- endpoint_url is the S3 API of a service other than AWS, e.g. http://127.0.0.1:9000 for a
  local MinIO. Left out, AWS S3 itself.
- region is the signing region; left out, the one of the AWS configuration (AWS_REGION,
  ~/.aws/config), else us-east-1.
- addressing: 'path' (http://host/BUCKET/key, what self-hosted services expect and the
  default when endpoint_url is given), 'virtual' (http://BUCKET.host/key) or 'auto' (the
  default for AWS).

Example: s3://labels/pixelwise?endpoint_url=http://minio:9000&region=us-east-1&addressing=path

Credentials never go in the URL (it is shown in configuration listings): boto3 reads them
from the standard AWS chain itself, i.e. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with
AWS_SESSION_TOKEN), AWS_PROFILE and ~/.aws/credentials, or the role of the machine.

Uploads are streamed as multipart uploads of `part_size` bytes (8 MiB, so objects up to
80 GB within S3's 10,000 parts); an upload holds about part_size x (concurrency + 2) bytes
in memory, whatever the size of the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from pixelwise.domain.errors import InvalidInput, NotFound, Unavailable
from pixelwise.storage.blobs import CHUNK, check_range, clamp_range, safe_key

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

PART_SIZE = 8 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (all but the last)
CONCURRENCY = 2
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
ADDRESSING = ("path", "virtual", "auto")
OPTIONS = ("endpoint_url", "region", "addressing")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class S3Location:
    """Where an S3 storage URL points: a bucket, a key prefix inside it, and how to reach it."""

    bucket: str
    prefix: str = ""  # '' or a folder ending in '/'
    endpoint_url: str | None = None
    region: str | None = None
    addressing: str = "auto"


def parse_s3_url(url: str) -> S3Location:
    """The location an s3:// storage URL names; InvalidInput naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise InvalidInput(f"an S3 storage URL starts with s3://, not {parts.scheme}://")
    if "@" in parts.netloc:
        raise InvalidInput(
            "the S3 storage URL must not hold credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) instead"
        )
    bucket = parts.netloc
    if not _BUCKET.fullmatch(bucket):
        raise InvalidInput(
            f"invalid bucket name {bucket!r} in the S3 storage URL (3-63 lower-case "
            "letters, digits, '.', '-' or '_'; s3://BUCKET/optional/prefix)"
        )
    folder = parts.path.strip("/")
    prefix = f"{safe_key(folder).as_posix()}/" if folder else ""
    options = _options(parts.query)
    endpoint = options.get("endpoint_url")
    if endpoint is not None:
        target = urlsplit(endpoint)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise InvalidInput(
                f"endpoint_url {endpoint!r} in the S3 storage URL must be an http:// or "
                "https:// address such as http://127.0.0.1:9000"
            )
    region = options.get("region")
    if region is not None and not _REGION.fullmatch(region):
        raise InvalidInput(f"invalid region {region!r} in the S3 storage URL")
    addressing = options.get("addressing", "path" if endpoint else "auto")
    if addressing not in ADDRESSING:
        raise InvalidInput(
            f"addressing={addressing!r} in the S3 storage URL must be one of "
            f"{', '.join(ADDRESSING)}"
        )
    return S3Location(bucket, prefix, endpoint, region, addressing)


def _options(query: str) -> dict[str, str]:
    """The query options of the URL, each given once and known."""
    values = parse_qs(query, keep_blank_values=True, strict_parsing=False)
    options: dict[str, str] = {}
    for name, given in values.items():
        if name not in OPTIONS:
            raise InvalidInput(
                f"unknown option {name!r} in the S3 storage URL (known: {', '.join(OPTIONS)})"
            )
        if len(given) != 1 or not given[0]:
            raise InvalidInput(f"option {name!r} in the S3 storage URL needs exactly one value")
        options[name] = given[0]
    return options


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _reason(error: BaseException) -> str:
    """A one-line explanation of a boto3 failure, with what to check."""
    if isinstance(error, S3UploadFailedError) and isinstance(error.__context__, ClientError):
        error = error.__context__
    if isinstance(error, NoCredentialsError):
        return (
            "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE)"
        )
    if isinstance(error, ClientError):
        code = _code(error)
        if code in ("404", "NoSuchBucket"):
            return "the bucket does not exist (create it first, or fix the bucket name)"
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return (
                f"access denied ({code}; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "and the bucket's permissions)"
            )
        if code in ("301", "PermanentRedirect"):
            headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            region = headers.get("x-amz-bucket-region", "")
            return f"the bucket is in another region (add region={region or '...'} to the URL)"
        message = str(error.response.get("Error", {}).get("Message", ""))
        return f"{code} {message}".strip() or str(error)
    return " ".join(str(error).split()) or type(error).__name__


class _Counted:
    """The stream handed to boto3, counting the bytes read from it (put returns the size).

    It offers `read` only, so boto3 treats it as a non-seekable stream and reads one part
    at a time instead of looking for the file's size."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data


class _Body(io.RawIOBase):
    """A GET response's body as a raw stream (wrapped in a BufferedReader for callers)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data: bytes = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3BlobStore:
    """Blobs as objects of one bucket, under an optional key prefix.

    `part_size` and `concurrency` shape uploads (see the module's docstring);
    `delete_batch` is how many keys one DeleteObjects request names (S3 takes 1000 at most,
    some compatible services fewer).
    """

    def __init__(
        self,
        location: S3Location,
        *,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
        delete_batch: int = DELETE_BATCH,
    ) -> None:
        if part_size < MIN_PART_SIZE or concurrency < 1:
            raise InvalidInput("part_size must be at least 5 MiB and concurrency at least 1")
        if not 1 <= delete_batch <= DELETE_BATCH:
            raise InvalidInput(f"delete_batch must be between 1 and {DELETE_BATCH}")
        self.location = location
        self.delete_batch = delete_batch
        self.bucket = location.bucket
        self.prefix = location.prefix
        self._client = self._make_client(connect_timeout=5, read_timeout=60, attempts=3)
        self.endpoint = str(self._client.meta.endpoint_url)
        self._transfer = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=concurrency,
            use_threads=concurrency > 1,
            preferred_transfer_client="classic",
        )
        # Parts read ahead of the uploads wait in memory: keep them to what is being sent.
        self._transfer.max_in_memory_upload_chunks = concurrency

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        return cls(parse_s3_url(url))

    def _make_client(self, *, connect_timeout: float, read_timeout: float, attempts: int) -> Any:
        location = self.location
        compatible = location.endpoint_url is not None
        config = Config(
            s3={"addressing_style": location.addressing},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": attempts},
            # Services other than AWS often refuse the checksums boto3 sends by default.
            request_checksum_calculation="when_required" if compatible else "when_supported",
            response_checksum_validation="when_required" if compatible else "when_supported",
        )
        session = boto3.session.Session()
        return session.client(
            "s3",
            endpoint_url=location.endpoint_url,
            region_name=location.region,
            config=config,
        )

    def _key(self, key: str) -> str:
        return self.prefix + safe_key(key).as_posix()

    def _unavailable(self, doing: str, error: BaseException) -> Unavailable:
        return Unavailable(
            f"storage bucket {self.bucket} at {self.endpoint}: {doing} failed: {_reason(error)}"
        )

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """Turn a storage failure into Unavailable with a one-line reason."""
        try:
            yield
        except (BotoCoreError, ClientError, S3UploadFailedError) as error:
            raise self._unavailable(doing, error) from error

    def put(self, key: str, data: BinaryIO) -> int:
        counted = _Counted(data)
        with self._failures(f"storing {key!r}"):
            self._client.upload_fileobj(counted, self.bucket, self._key(key), Config=self._transfer)
        return counted.count

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        check_range(start, end)
        if end == start:  # an empty range cannot be asked of S3; the blob must still exist
            clamp_range(key, start, end, self.size(key))
            return io.BytesIO(b"")
        request = {"Bucket": self.bucket, "Key": self._key(key)}
        if start or end is not None:
            request["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = self._client.get_object(**request)
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404"):
                raise NotFound(f"no stored file {key!r}") from None
            if _code(error) != "InvalidRange":
                raise self._unavailable(f"reading {key!r}", error) from error
            # The range starts at or past the end of the object (or the object is empty).
            clamp_range(key, start, end, self.size(key))
            return io.BytesIO(b"")
        except BotoCoreError as error:
            raise self._unavailable(f"reading {key!r}", error) from error
        return io.BufferedReader(_Body(response["Body"]), CHUNK)

    def _head(self, key: str) -> dict[str, Any]:
        try:
            head: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _code(error) in ("404", "NoSuchKey"):
                raise NotFound(f"no stored file {key!r}") from None
            raise self._unavailable(f"looking up {key!r}", error) from error
        except BotoCoreError as error:
            raise self._unavailable(f"looking up {key!r}", error) from error
        return head

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def modified(self, key: str) -> datetime:
        stamp: datetime = self._head(key)["LastModified"]
        return stamp.astimezone(UTC)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._failures(f"deleting {key!r}"):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> int:
        folder = self._key(prefix.rstrip("/")) + "/"
        deleted = 0
        batch: list[dict[str, str]] = []
        with self._failures(f"deleting the folder {prefix!r}"):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder
            )
            for page in pages:
                for item in page.get("Contents", []):
                    batch.append({"Key": item["Key"]})
                    if len(batch) == self.delete_batch:
                        deleted += self._delete_batch(batch)
                        batch = []
            if batch:
                deleted += self._delete_batch(batch)
        return deleted

    def _delete_batch(self, batch: list[dict[str, str]]) -> int:
        response = self._client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
        )
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise Unavailable(
                f"storage bucket {self.bucket} at {self.endpoint}: {len(errors)} object(s) "
                f"could not be deleted, e.g. {first.get('Key')!r}: "
                f"{first.get('Code', '')} {first.get('Message', '')}".strip()
            )
        return len(batch)

    def local_path(self, key: str) -> Path | None:
        safe_key(key)
        return None

    def check(self) -> None:
        """The bucket must exist and the credentials must reach it. Tried once, with short
        timeouts, so that a wrong endpoint is reported within seconds."""
        client = self._make_client(connect_timeout=3, read_timeout=10, attempts=1)
        try:
            client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise InvalidInput(
                f"cannot reach bucket {self.bucket} at {self.endpoint}: {_reason(error)}"
            ) from None
