"""Media responses as a browser and a video player use them: caching, 304s, byte ranges."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pixelwise.db.models import AuditEvent
from pixelwise.services.context import Context

from helpers import add_asset, bearer, job_result, png


@dataclass(frozen=True)
class Served:
    base: str
    data: bytes
    token: str


def serve_asset(client: TestClient, ctx: Context, token: str, data: bytes) -> Served:
    dataset = client.post("/api/datasets", json={"name": "Media"}, headers=bearer(token)).json()
    asset_id = add_asset(ctx, dataset["id"], "", "photo.png", data)
    project = client.post(
        "/api/projects", json={"name": "P", "dataset_id": dataset["id"]}, headers=bearer(token)
    ).json()
    return Served(f"/api/projects/{project['id']}/assets/{asset_id}", data, token)


@pytest.fixture
def served(client: TestClient, ctx: Context, admin_token: str) -> Served:
    return serve_asset(client, ctx, admin_token, png((12, 34, 56), (300, 200)))


def test_originals_carry_validators_and_answer_304(client: TestClient, served: Served) -> None:
    first = client.get(f"{served.base}/original", headers=bearer(served.token))
    assert first.status_code == 200
    assert first.content == served.data
    assert first.headers["accept-ranges"] == "bytes"
    assert first.headers["cache-control"] == "private, no-store"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"')
    assert modified.endswith("GMT")
    again = client.get(
        f"{served.base}/view", headers={**bearer(served.token), "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    since = client.get(
        f"{served.base}/view", headers={**bearer(served.token), "If-Modified-Since": modified}
    )
    assert since.status_code == 304
    other = client.get(
        f"{served.base}/view", headers={**bearer(served.token), "If-None-Match": '"other"'}
    )
    assert other.status_code == 200
    assert other.content == served.data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-9", 0, 10), ("bytes=100-", 100, None), ("bytes=-16", -16, None),
     ("bytes=50-99999", 50, None)],
)  # fmt: skip
def test_byte_ranges(
    client: TestClient, served: Served, header: str, start: int, end: int | None
) -> None:
    response = client.get(
        f"{served.base}/original", headers={**bearer(served.token), "Range": header}
    )
    assert response.status_code == 206
    expected = served.data[start:end] if start >= 0 else served.data[start:]
    assert response.content == expected
    size = len(served.data)
    first = start if start >= 0 else size + start
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert int(response.headers["content-length"]) == len(expected)


def test_ranges_outside_the_file_and_odd_headers(client: TestClient, served: Served) -> None:
    size = len(served.data)
    outside = client.get(
        f"{served.base}/original", headers={**bearer(served.token), "Range": f"bytes={size}-"}
    )
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{size}"
    for header in ("bytes=0-1,5-9", "items=0-5", "bytes=9-2", "bytes=x-"):
        whole = client.get(
            f"{served.base}/original", headers={**bearer(served.token), "Range": header}
        )
        assert whole.status_code == 200, header
        assert whole.content == served.data
    stale = client.get(
        f"{served.base}/original",
        headers={**bearer(served.token), "Range": "bytes=0-3", "If-Range": '"old"'},
    )
    assert stale.status_code == 200
    assert stale.content == served.data


def test_every_served_original_is_audited(client: TestClient, ctx: Context, served: Served) -> None:
    client.get(f"{served.base}/original", headers={**bearer(served.token), "Range": "bytes=0-3"})
    client.get(f"{served.base}/view", headers=bearer(served.token))
    client.get(f"{served.base}/thumbnail", headers=bearer(served.token))
    with ctx.database.read() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["asset.download", "asset.view"]


def test_ranges_of_files_registered_in_place(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    data = png((200, 100, 0), (120, 90))
    (folder / "a.png").write_bytes(data)
    ctx.settings.import_roots = [tmp_path]
    dataset = client.post("/api/datasets", json={"name": "InPlace"}, headers=bearer(admin_token))
    dataset_id = dataset.json()["id"]
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/folder",
        json={"path": str(folder), "in_place": True}, headers=bearer(admin_token),
    )  # fmt: skip
    assert job_result(client, admin_token, started.json()["id"])["imported"] == 1
    project = client.post(
        "/api/projects", json={"name": "P", "dataset_id": dataset_id}, headers=bearer(admin_token)
    ).json()
    listed = client.get(f"/api/projects/{project['id']}/assets", headers=bearer(admin_token))
    asset_id = listed.json()["items"][0]["id"]
    response = client.get(
        f"/api/projects/{project['id']}/assets/{asset_id}/original",
        headers={**bearer(admin_token), "Range": "bytes=8-15"},
    )
    assert response.status_code == 206
    assert response.content == data[8:16]
