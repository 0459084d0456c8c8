"""The BlobStore contract, run against every adapter: a folder on disk and an S3 bucket
(moto's S3 server, started here as a real HTTP endpoint on loopback)."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.storage.blobs import BlobStore, LocalBlobStore, open_blob_store

MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_moto() -> Iterator[str]:
    """moto's standalone S3 server in a subprocess; yields its endpoint URL."""
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def use_test_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """moto's credentials, and none of the machine's own AWS configuration."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


def make_bucket(endpoint: str) -> str:
    """A new, empty bucket on the server; returns its name."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def s3_keys(store: Any) -> list[str]:
    """Every object key in the store's bucket (prefix included)."""
    listed = store._client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    from pixelwise.storage.s3 import S3BlobStore, parse_s3_url

    endpoint = request.getfixturevalue("moto_endpoint")
    use_test_credentials(monkeypatch, tmp_path)
    url = f"s3://{make_bucket(endpoint)}/pixelwise/test?endpoint_url={endpoint}&region=us-east-1"
    # Small parts, one at a time: the streaming test checks memory against a 20 MiB file.
    return S3BlobStore(parse_s3_url(url), part_size=5 * MiB, concurrency=1)


def put_bytes(store: BlobStore, key: str, data: bytes) -> int:
    return store.put(key, io.BytesIO(data))


def read(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    with store.open(key, start, end) as stream:
        return stream.read()


def test_put_open_size_exists_delete(store: BlobStore) -> None:
    assert put_bytes(store, "datasets/1/a.png", b"first version") == 13
    assert put_bytes(store, "datasets/1/a.png", b"second") == 6  # replaced whole
    assert read(store, "datasets/1/a.png") == b"second"
    with store.open("datasets/1/a.png") as stream:
        assert stream.read(3) == b"sec"
        assert stream.read() == b"ond"
    assert store.size("datasets/1/a.png") == 6
    assert store.exists("datasets/1/a.png")
    assert not store.exists("datasets/1")  # a folder is not a blob
    assert put_bytes(store, "empty.bin", b"") == 0
    assert read(store, "empty.bin") == b""
    assert store.size("empty.bin") == 0
    store.delete("datasets/1/a.png")
    assert not store.exists("datasets/1/a.png")
    store.delete("datasets/1/a.png")  # deleting what is gone is fine
    with pytest.raises(NotFound, match=r"datasets/1/a\.png"):
        store.open("datasets/1/a.png")
    store.check()


def test_delete_prefix_removes_only_that_folder(store: BlobStore) -> None:
    for key in ("datasets/1/a.png", "datasets/1/x/b.png", "datasets/1/.renditions/t.webp"):
        put_bytes(store, key, b"doomed")
    for key in ("datasets/10/c.png", "datasets/1.png", "datasets/2/d.png"):
        put_bytes(store, key, b"kept")
    assert store.delete_prefix("datasets/1/") == 3
    assert not store.exists("datasets/1/x/b.png")
    assert [
        read(store, k) for k in ("datasets/10/c.png", "datasets/1.png", "datasets/2/d.png")
    ] == [b"kept"] * 3
    assert store.delete_prefix("datasets/1/") == 0
    assert store.delete_prefix("datasets/2") == 1  # with or without the trailing slash
    with pytest.raises(InvalidInput):
        store.delete_prefix("")  # never everything at once


def test_ranges(store: BlobStore) -> None:
    data = bytes(range(256)) * 4
    put_bytes(store, "r.bin", data)
    assert read(store, "r.bin", 0, 10) == data[:10]
    assert read(store, "r.bin", 100, 300) == data[100:300]
    assert read(store, "r.bin", 1000) == data[1000:]
    assert read(store, "r.bin", 5, 5) == b""
    assert read(store, "r.bin", 1000, 5000) == data[1000:]  # an end past the size stops there
    assert read(store, "r.bin", 1024) == b""
    with store.open("r.bin", 10, 20) as stream:
        assert stream.read(4) == data[10:14]
        assert stream.read(100) == data[14:20]
        assert stream.read(1) == b""
    for start, end in ((1025, None), (2000, 3000), (-1, 10), (10, 5)):
        with pytest.raises(InvalidInput, match="range"):
            store.open("r.bin", start, end)
    put_bytes(store, "empty.bin", b"")
    assert read(store, "empty.bin", 0, 10) == b""
    for start, end in ((0, None), (3, 9), (4, 4)):
        with pytest.raises(NotFound):
            store.open("missing.bin", start, end)


def test_a_large_put_is_streamed(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    with source.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(MiB))
    size = source.stat().st_size
    tracemalloc.start()
    try:
        with source.open("rb") as handle:
            assert store.put("videos/big.bin", handle) == size
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 2, f"put held {peak / MiB:.1f} MiB for a {size / MiB:.0f} MiB file"
    assert store.size("videos/big.bin") == size
    digest = hashlib.sha256()
    with store.open("videos/big.bin") as stream:
        while chunk := stream.read(MiB):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()
    with source.open("rb") as handle:
        handle.seek(size - 1000)
        assert read(store, "videos/big.bin", size - 1000) == handle.read()


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "", "a\\b", "a\x00b"])
def test_bad_keys_are_refused(store: BlobStore, key: str) -> None:
    calls = [
        lambda: store.put(key, io.BytesIO(b"x")),
        lambda: store.open(key),
        lambda: store.open(key, 1, 2),
        lambda: store.size(key),
        lambda: store.modified(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.delete_prefix(key),
        lambda: store.local_path(key),
    ]
    for call in calls:
        with pytest.raises(InvalidInput, match="invalid storage key"):
            call()


def test_missing_keys(store: BlobStore) -> None:
    for call in (
        lambda: store.open("no/such.png"),
        lambda: store.size("no/such.png"),
        lambda: store.modified("no/such.png"),
    ):
        with pytest.raises(NotFound, match=r"no stored file 'no/such\.png'"):
            call()
    assert not store.exists("no/such.png")
    store.delete("no/such.png")


def test_modified_time(store: BlobStore) -> None:
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    put_bytes(store, "m.txt", b"when")
    after = datetime.now(UTC) + timedelta(seconds=1)
    stamp = store.modified("m.txt")
    assert stamp.utcoffset() == timedelta(0)
    assert before <= stamp <= after


def test_local_path_only_for_files_on_disk(store: BlobStore) -> None:
    put_bytes(store, "d/scan.dcm", b"DICM")
    path = store.local_path("d/scan.dcm")
    if isinstance(store, LocalBlobStore):
        assert path is not None
        assert path.read_bytes() == b"DICM"
        with pytest.raises(NotFound):
            store.local_path("d/missing.dcm")
    else:
        assert path is None


def test_open_blob_store_picks_the_adapter(tmp_path: Path) -> None:
    local = open_blob_store((tmp_path / "store").as_uri())
    assert isinstance(local, LocalBlobStore)
    assert local.root == tmp_path / "store"
    assert (tmp_path / "store").is_dir()
    with pytest.raises(InvalidInput, match="'gs' is not supported"):
        open_blob_store("gs://bucket/x")


def test_local_store_that_cannot_be_written_says_so(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    with pytest.raises(InvalidInput, match="cannot create the storage folder"):
        LocalBlobStore(tmp_path / "a-file" / "blobs")
    store = LocalBlobStore(tmp_path / "blobs")
    store.check()
    (tmp_path / "blobs").rmdir()
    with pytest.raises(InvalidInput, match="cannot write to the storage folder") as caught:
        store.check()
    assert "\n" not in str(caught.value)


def test_the_local_default_does_not_load_boto3() -> None:
    probe = "import sys, pixelwise.storage.blobs; print('boto3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
