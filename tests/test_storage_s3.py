"""The S3 adapter's own concerns: its URL, its start-up check, batched deletes, and the whole
app storing a dataset in a bucket (moto's S3 server, a real HTTP endpoint on loopback)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from pixelwise.app import build_context, create_app
from pixelwise.db.engine import Database
from pixelwise.domain.errors import InvalidInput
from pixelwise.settings import Settings
from pixelwise.storage.blobs import open_blob_store
from pixelwise.storage.s3 import S3BlobStore, S3Location, parse_s3_url
from test_storage_blobs import free_port, make_bucket, running_moto, s3_keys, use_test_credentials

from helpers import bearer, job_result


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_test_credentials(monkeypatch, tmp_path)


@pytest.fixture
def bucket(moto_endpoint: str, credentials: None) -> str:
    return make_bucket(moto_endpoint)


def test_url_names_bucket_prefix_endpoint_and_region() -> None:
    url = "s3://labels/pixelwise/prod/?endpoint_url=http://127.0.0.1:9000&region=eu-west-3"
    assert parse_s3_url(url) == S3Location(
        bucket="labels",
        prefix="pixelwise/prod/",
        endpoint_url="http://127.0.0.1:9000",
        region="eu-west-3",
        addressing="path",  # the default for a service other than AWS
    )
    assert parse_s3_url("s3://my.bucket-1") == S3Location("my.bucket-1", "", None, None, "auto")
    assert parse_s3_url("s3://b12/a//b?addressing=virtual").prefix == "a/b/"
    assert parse_s3_url("s3://b12?addressing=virtual").addressing == "virtual"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://key:secret@labels", "must not hold credentials"),
        ("s3://Bad_Bucket!", "invalid bucket name"),
        ("s3:///prefix-only", "invalid bucket name"),
        ("s3://labels/../up", "invalid storage key"),
        ("s3://labels?endpoint=http://x", "unknown option 'endpoint'"),
        ("s3://labels?region=a&region=b", "exactly one value"),
        ("s3://labels?region=", "exactly one value"),
        ("s3://labels?region=eu west", "invalid region"),
        ("s3://labels?endpoint_url=127.0.0.1:9000", "must be an http:// or https:// address"),
        ("s3://labels?addressing=dns", "must be one of path, virtual, auto"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        open_blob_store(url)
    assert "\n" not in str(caught.value)


def test_keys_go_under_the_prefix(moto_endpoint: str, bucket: str) -> None:
    store = open_blob_store(f"s3://{bucket}/team/a?endpoint_url={moto_endpoint}&region=us-east-1")
    assert isinstance(store, S3BlobStore)
    assert store.endpoint == moto_endpoint
    store.put("datasets/3/x.png", io.BytesIO(b"x"))
    assert s3_keys(store) == ["team/a/datasets/3/x.png"]
    store.check()


def test_check_names_a_missing_bucket(moto_endpoint: str, credentials: None) -> None:
    store = open_blob_store(f"s3://no-such-bucket?endpoint_url={moto_endpoint}")
    with pytest.raises(InvalidInput) as caught:
        store.check()
    assert str(caught.value) == (
        f"cannot reach bucket no-such-bucket at {moto_endpoint}: "
        "the bucket does not exist (create it first, or fix the bucket name)"
    )


def test_check_fails_fast_on_a_dead_endpoint(credentials: None) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    store = open_blob_store(f"s3://labels?endpoint_url={dead}&region=us-east-1")
    started = time.monotonic()
    with pytest.raises(InvalidInput) as caught:
        store.check()
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith(f"cannot reach bucket labels at {dead}: ")
    assert "Could not connect" in message
    assert "\n" not in message


def test_check_without_credentials_says_where_they_come_from(
    moto_endpoint: str, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = open_blob_store(f"s3://labels?endpoint_url={moto_endpoint}")
    with pytest.raises(InvalidInput, match=r"no AWS credentials found .*AWS_ACCESS_KEY_ID"):
        store.check()


def test_delete_prefix_deletes_in_batches(moto_endpoint: str, bucket: str) -> None:
    location = parse_s3_url(f"s3://{bucket}/p?endpoint_url={moto_endpoint}")
    assert S3BlobStore(location).delete_batch == 1000
    store = S3BlobStore(location, delete_batch=10)
    for index in range(25):
        store.put(f"datasets/7/{index:02}.png", io.BytesIO(b"x"))
    store.put("datasets/70/kept.png", io.BytesIO(b"x"))
    assert store.delete_prefix("datasets/7") == 25
    assert s3_keys(store) == ["p/datasets/70/kept.png"]
    with pytest.raises(InvalidInput, match="delete_batch"):
        S3BlobStore(location, delete_batch=1001)
    with pytest.raises(InvalidInput, match="part_size"):
        S3BlobStore(location, part_size=1024 * 1024)


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_app_keeps_a_dataset_in_the_bucket(
    settings: Settings,
    database: Database,
    admin_token: str,
    moto_endpoint: str,
    bucket: str,
    tmp_path: Path,
) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    images = {"red.png": png((255, 0, 0)), "blue.png": png((0, 0, 255))}
    for name, data in images.items():
        (incoming / name).write_bytes(data)
    url = f"s3://{bucket}/px?endpoint_url={moto_endpoint}&region=us-east-1&addressing=path"
    s3_settings = settings.model_copy(update={"storage_url": url, "import_roots": [tmp_path]})
    context = build_context(s3_settings)
    store = context.blobs
    assert isinstance(store, S3BlobStore)
    store.check()
    try:
        with TestClient(create_app(s3_settings, context)) as client:
            auth = bearer(admin_token)
            dataset = client.post("/api/datasets", json={"name": "In a bucket"}, headers=auth)
            dataset_id = dataset.json()["id"]
            started = client.post(
                f"/api/datasets/{dataset_id}/imports/folder",
                json={"path": str(incoming)},
                headers=auth,
            )
            assert started.status_code == 202, started.text
            result = job_result(client, admin_token, started.json()["id"])
            assert result["imported"] == 2
            prefix = f"px/datasets/{dataset_id}/"
            assert s3_keys(store) == [prefix + "blue.png", prefix + "red.png"]
            assert not (s3_settings.home_dir / "blobs" / "datasets").exists()

            project = client.post(
                "/api/projects", json={"name": "P", "dataset_id": dataset_id}, headers=auth
            ).json()
            assets = client.get(f"/api/projects/{project['id']}/assets", headers=auth)
            by_name = {asset["name"]: asset["id"] for asset in assets.json()["items"]}
            assert set(by_name) == set(images)
            base = f"/api/projects/{project['id']}/assets/{by_name['red.png']}"
            original = client.get(f"{base}/original", headers=auth)
            assert original.status_code == 200
            assert original.content == images["red.png"]
            thumbnail = client.get(f"{base}/thumbnail", headers=auth)
            assert thumbnail.status_code == 200
            assert any(key.startswith(prefix + ".renditions/") for key in s3_keys(store))

            deleted = client.delete(
                f"/api/datasets/{dataset_id}", params={"force": "true"}, headers=auth
            )
            assert deleted.status_code == 204
            assert [key for key in s3_keys(store) if key.startswith(prefix)] == []
    finally:
        context.database.dispose()
