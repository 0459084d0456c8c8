"""Dataset management: create, list with counts and sizes, rename, browse, delete, no orphans."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pixelwise.db.models import Asset, Project
from pixelwise.services.context import Context

from helpers import add_asset, bearer


def create(client: TestClient, token: str, name: str) -> dict[str, object]:
    response = client.post("/api/datasets", json={"name": name}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_list_and_rename(client: TestClient, ctx: Context, admin_token: str) -> None:
    first = create(client, admin_token, "Street scenes")
    second = create(client, admin_token, "CT heads")
    add_asset(ctx, int(first["id"]), "", "a.png", b"a" * 100)
    add_asset(ctx, int(first["id"]), "night", "b.png", b"b" * 50)
    listed = client.get("/api/datasets", headers=bearer(admin_token)).json()["items"]
    assert [(d["name"], d["asset_count"], d["total_bytes"]) for d in listed] == [
        ("Street scenes", 2, 150),
        ("CT heads", 0, 0),
    ]
    taken = client.post("/api/datasets", json={"name": "CT heads"}, headers=bearer(admin_token))
    assert taken.status_code == 409
    assert "already exists" in taken.json()["detail"]
    renamed = client.patch(
        f"/api/datasets/{second['id']}", json={"name": "Head CT"}, headers=bearer(admin_token)
    )
    assert renamed.json()["name"] == "Head CT"
    clash = client.patch(
        f"/api/datasets/{second['id']}", json={"name": "Street scenes"}, headers=bearer(admin_token)
    )
    assert clash.status_code == 409


def test_browse_folders_and_page_through_assets(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id = int(create(client, admin_token, "Nested")["id"])
    add_asset(ctx, dataset_id, "", "top.png")
    for index in range(5):
        add_asset(ctx, dataset_id, "cars", f"car{index}.png")
    add_asset(ctx, dataset_id, "cars/red", "r.png")
    add_asset(ctx, dataset_id, "cars/red/old", "o.png")
    add_asset(ctx, dataset_id, "people", "p.png")
    url = f"/api/datasets/{dataset_id}/browse"
    top = client.get(url, headers=bearer(admin_token)).json()
    assert top["path"] == ""
    assert top["folders"] == [
        {"name": "cars", "path": "cars", "asset_count": 7},
        {"name": "people", "path": "people", "asset_count": 1},
    ]
    assert [a["name"] for a in top["assets"]["items"]] == ["top.png"]
    cars = client.get(url, params={"folder": "/cars/", "limit": 2}, headers=bearer(admin_token))
    body = cars.json()
    assert body["folders"] == [{"name": "red", "path": "cars/red", "asset_count": 2}]
    names = [a["name"] for a in body["assets"]["items"]]
    cursor = body["assets"]["next_cursor"]
    while cursor:
        page = client.get(
            url,
            params={"folder": "cars", "limit": 2, "cursor": cursor},
            headers=bearer(admin_token),
        ).json()
        names += [a["name"] for a in page["assets"]["items"]]
        cursor = page["assets"]["next_cursor"]
    assert names == [f"car{i}.png" for i in range(5)]
    escape = client.get(url, params={"folder": "../x"}, headers=bearer(admin_token))
    assert escape.status_code == 422
    assert client.get("/api/datasets/999999/browse", headers=bearer(admin_token)).status_code == 404


def test_delete_is_refused_while_projects_use_it_and_forced_leaves_no_orphans(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id = int(create(client, admin_token, "Doomed")["id"])
    keep_id = int(create(client, admin_token, "Kept")["id"])
    for index in range(3):
        add_asset(ctx, dataset_id, "f", f"{index}.png")
    kept_asset = add_asset(ctx, keep_id, "", "stay.png")
    project = client.post(
        "/api/projects",
        json={"name": "Uses it", "dataset_id": dataset_id},
        headers=bearer(admin_token),
    ).json()
    refused = client.delete(f"/api/datasets/{dataset_id}", headers=bearer(admin_token))
    assert refused.status_code == 409
    assert refused.json()["projects"] == [{"id": project["id"], "name": "Uses it"}]
    assert "'Uses it'" in refused.json()["detail"]
    blob_root = Path(ctx.settings.home_dir) / "blobs" / "datasets"
    assert (blob_root / str(dataset_id)).is_dir()

    forced = client.delete(
        f"/api/datasets/{dataset_id}", params={"force": "true"}, headers=bearer(admin_token)
    )
    assert forced.status_code == 204
    assert client.get(f"/api/datasets/{dataset_id}", headers=bearer(admin_token)).status_code == 404
    with ctx.database.read() as session:
        left = session.scalar(select(func.count(Asset.id)).where(Asset.dataset_id == dataset_id))
        detached = session.get(Project, project["id"])
        assert detached is not None
        assert detached.dataset_id is None
        assert session.get(Asset, kept_asset) is not None
    assert left == 0
    assert not (blob_root / str(dataset_id)).exists()
    assert (blob_root / str(keep_id) / "stay.png").is_file()
    audit = client.get(
        "/api/audit", params={"action": "dataset.delete"}, headers=bearer(admin_token)
    ).json()["items"]
    assert audit[0]["detail"]["assets"] == 3
    assert audit[0]["detail"]["detached_projects"] == [project["id"]]


def test_thumbnails_are_made_once_kept_and_revalidated(
    client: TestClient, ctx: Context, make_user: object, admin_token: str
) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 200, 30)).save(buffer, format="PNG")
    dataset_id = int(create(client, admin_token, "Thumbs")["id"])
    asset_id = add_asset(ctx, dataset_id, "", "big.png", buffer.getvalue())
    project = client.post(
        "/api/projects", json={"name": "T", "dataset_id": dataset_id}, headers=bearer(admin_token)
    ).json()
    annotator, token = make_user()  # type: ignore[operator]
    client.put(
        f"/api/projects/{project['id']}/members/{annotator.id}",
        json={"role": "annotator"}, headers=bearer(admin_token),
    )  # fmt: skip
    url = f"/api/projects/{project['id']}/assets/{asset_id}/thumbnail"
    first = client.get(url, headers=bearer(token))
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(first.content)).size == (256, 192)
    renditions = (
        Path(ctx.settings.home_dir) / "blobs" / "datasets" / str(dataset_id) / ".renditions"
    )
    assert len(list(renditions.rglob("*.webp"))) == 1
    etag = first.headers["etag"]
    again = client.get(url, headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    client.delete(f"/api/projects/{project['id']}", headers=bearer(admin_token))
    client.delete(
        f"/api/datasets/{dataset_id}", params={"force": "true"}, headers=bearer(admin_token)
    )
    assert not renditions.exists()
