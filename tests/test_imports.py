"""Importing a server folder: copied or in place, with a reason for every file not imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pixelwise.services.context import Context

from cli_helpers import env_for, pixelwise
from helpers import bearer, by_path, job_result, jpeg, png


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A folder as teams have them: nested images, a duplicate, junk, a broken file."""
    root = tmp_path / "incoming"
    (root / "day" / "cars").mkdir(parents=True)
    (root / "night").mkdir()
    (root / "day" / "a.png").write_bytes(png((255, 0, 0)))
    (root / "day" / "cars" / "b.jpg").write_bytes(jpeg((0, 255, 0)))
    (root / "night" / "c.png").write_bytes(png((0, 0, 255), (50, 20)))
    (root / "night" / "copy-of-a.png").write_bytes(png((255, 0, 0)))
    (root / "notes.txt").write_text("not an image")
    (root / "night" / "broken.jpg").write_bytes(jpeg((9, 9, 9))[:200])
    (root / ".hidden.png").write_bytes(png((1, 1, 1)))
    (root / "night" / "link.png").symlink_to(root / "day" / "a.png")
    return root


def run_import(client: TestClient, token: str, dataset_id: int, **body: object) -> dict[str, Any]:
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/folder", json=body, headers=bearer(token)
    )
    assert started.status_code == 202, started.text
    return job_result(client, token, started.json()["id"])


def test_folder_import_copies_images_and_reports_every_other_file(
    client: TestClient, ctx: Context, admin_token: str, source: Path
) -> None:
    ctx.settings.import_roots = [source.parent]
    dataset = client.post("/api/datasets", json={"name": "Incoming"}, headers=bearer(admin_token))
    dataset_id = dataset.json()["id"]
    result = run_import(client, admin_token, dataset_id, path=str(source))
    assert (result["imported"], result["skipped"], result["failed"]) == (3, 4, 1)
    report = by_path(result)
    assert report["day/a.png"] == ("imported", "")
    assert report["night/copy-of-a.png"] == (
        "skipped", "the same file is already in the dataset as day/a.png"
    )  # fmt: skip
    assert report["notes.txt"][0] == "skipped"
    assert report[".hidden.png"] == ("skipped", "hidden or system file")
    assert report["night/link.png"] == ("skipped", "symbolic link (not followed)")
    status, reason = report["night/broken.jpg"]
    assert status == "failed"
    assert reason
    listing = client.get(
        f"/api/datasets/{dataset_id}/browse",
        params={"folder": "night"},
        headers=bearer(admin_token),
    ).json()
    assert [(a["name"], a["width"], a["height"]) for a in listing["assets"]["items"]] == [
        ("c.png", 50, 20)
    ]
    stored = Path(ctx.settings.home_dir) / "blobs" / "datasets" / str(dataset_id) / "day" / "a.png"
    assert stored.read_bytes() == (source / "day" / "a.png").read_bytes()
    again = run_import(client, admin_token, dataset_id, path=str(source))
    assert again["imported"] == 0
    assert by_path(again)["day/a.png"][1] == "the same file is already in the dataset as day/a.png"


def test_in_place_import_serves_the_files_where_they_are(
    client: TestClient, ctx: Context, admin_token: str, source: Path
) -> None:
    ctx.settings.import_roots = [source]
    dataset_id = client.post(
        "/api/datasets", json={"name": "In place"}, headers=bearer(admin_token)
    ).json()["id"]
    result = run_import(
        client, admin_token, dataset_id, path=str(source / "day"), in_place=True, folder="cam1"
    )
    assert result["imported"] == 2
    assert not (Path(ctx.settings.home_dir) / "blobs" / "datasets" / str(dataset_id)).exists()
    project = client.post(
        "/api/projects", json={"name": "P", "dataset_id": dataset_id}, headers=bearer(admin_token)
    ).json()
    assets = client.get(
        f"/api/projects/{project['id']}/assets", headers=bearer(admin_token)
    ).json()["items"]
    assert {(a["folder"], a["name"]) for a in assets} == {("cam1", "a.png"), ("cam1/cars", "b.jpg")}
    first = next(a for a in assets if a["name"] == "a.png")
    served = client.get(
        f"/api/projects/{project['id']}/assets/{first['id']}/original", headers=bearer(admin_token)
    )
    assert served.content == (source / "day" / "a.png").read_bytes()
    ctx.settings.import_roots = []  # the operator withdrew the folder: no longer served
    refused = client.get(
        f"/api/projects/{project['id']}/assets/{first['id']}/original", headers=bearer(admin_token)
    )
    assert refused.status_code == 403


def test_folders_outside_the_roots_are_refused(
    client: TestClient, ctx: Context, admin_token: str, source: Path, tmp_path: Path
) -> None:
    dataset_id = client.post(
        "/api/datasets", json={"name": "Guarded"}, headers=bearer(admin_token)
    ).json()["id"]
    url = f"/api/datasets/{dataset_id}/imports/folder"
    off = client.post(url, json={"path": str(source)}, headers=bearer(admin_token))
    assert off.status_code == 403
    assert "PIXELWISE_IMPORT_ROOTS" in off.json()["detail"]
    ctx.settings.import_roots = [source / "day"]
    outside = client.post(url, json={"path": str(source / "night")}, headers=bearer(admin_token))
    assert outside.status_code == 403
    escape = client.post(url, json={"path": str(source / "day" / ".." / "night")},
                         headers=bearer(admin_token))  # fmt: skip
    assert escape.status_code == 403
    relative = client.post(url, json={"path": "day"}, headers=bearer(admin_token))
    assert relative.status_code == 422


def test_command_line_import_prints_the_report(
    tmp_path: Path, source: Path, database: object, database_url: str
) -> None:
    env = env_for(tmp_path / "home", PIXELWISE_DATABASE_URL=database_url)
    result = pixelwise("datasets", "import", str(source), "--dataset", "From CLI", env=env)
    assert result.returncode == 1, result.stderr  # one file failed
    lines = result.stdout.splitlines()
    assert lines[0] == "imported 3, skipped 4, failed 1"
    assert any(line.strip().startswith("failed  night/broken.jpg:") for line in lines)
    listed = pixelwise("datasets", "list", env=env)
    assert "From CLI" in listed.stdout
