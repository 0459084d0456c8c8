"""Uploading files, folders and archives through the API, and importing server archives."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pixelwise.services.context import Context

from cli_helpers import env_for, pixelwise
from helpers import bearer, by_path, job_result, jpeg, png


def new_dataset(client: TestClient, token: str, name: str = "Uploads") -> int:
    response = client.post("/api/datasets", json={"name": name}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def upload(
    client: TestClient, token: str, dataset_id: int, files: list[tuple[str, bytes]], **query: str
) -> Any:
    parts = [
        ("files", (name, io.BytesIO(data), "application/octet-stream")) for name, data in files
    ]
    return client.post(
        f"/api/datasets/{dataset_id}/uploads", files=parts, params=query, headers=bearer(token)
    )


def browse(client: TestClient, token: str, dataset_id: int, folder: str = "") -> dict[str, Any]:
    response = client.get(
        f"/api/datasets/{dataset_id}/browse", params={"folder": folder}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_upload_keeps_folders_unpacks_archives_and_reports_every_file(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id = new_dataset(client, admin_token)
    archive = zip_bytes({"inner/x.png": png((1, 2, 3)), "../evil.png": png((4, 5, 6))})
    files = [
        ("trip/day1/a.png", png((255, 0, 0))),
        ("trip/day2/b.jpg", jpeg((0, 255, 0))),
        ("trip/notes.txt", b"hello"),
        ("trip/broken.png", png((0, 0, 9))[:50]),
        ("../../etc/passwd.png", png((7, 7, 7))),
        ("trip/day1/a.png", png((0, 0, 0))),
        ("more.zip", archive),
    ]
    started = upload(client, admin_token, dataset_id, files, folder="uploads")
    assert started.status_code == 202, started.text
    result = job_result(client, admin_token, started.json()["id"])
    report = by_path(result)
    assert report["trip/day1/a.png"][0] == "imported"
    assert report["trip/day2/b.jpg"][0] == "imported"
    assert report["more/inner/x.png"][0] == "imported"
    assert report["trip/notes.txt"] == ("skipped", "not an image, video or DICOM file")
    assert report["trip/broken.png"][0] == "failed"
    assert report["../../etc/passwd.png"] == ("failed", "path leaves the archive (../)")
    assert report["more/../evil.png"][0] == "failed"
    assert (result["imported"], result["failed"]) == (3, 4)  # + the second a.png, refused
    top = browse(client, admin_token, dataset_id, "uploads")
    assert sorted(folder["name"] for folder in top["folders"]) == ["more", "trip"]
    day1 = browse(client, admin_token, dataset_id, "uploads/trip/day1")
    assert [asset["name"] for asset in day1["assets"]["items"]] == ["a.png"]
    assert not list((ctx.settings.home_dir / "uploads").iterdir()), "staging folder left behind"


def test_upload_refuses_big_files_and_big_requests(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id = new_dataset(client, admin_token)
    ctx.settings.max_file_bytes = 2000
    small, big = png((1, 1, 1)), png((2, 2, 2), (400, 400)) + b"\0" * 3000
    started = upload(client, admin_token, dataset_id, [("small.png", small), ("big.png", big)])
    report = by_path(job_result(client, admin_token, started.json()["id"]))
    assert report["small.png"][0] == "imported"
    assert report["big.png"] == ("failed", "larger than the per-file limit of 2000 bytes")

    ctx.settings.max_upload_bytes = 4096
    refused = upload(client, admin_token, dataset_id, [("a.png", big), ("b.png", big)])
    assert refused.status_code == 413
    assert "PIXELWISE_MAX_UPLOAD_BYTES" in refused.json()["detail"]
    assert not list((ctx.settings.home_dir / "uploads").iterdir())


def test_upload_errors_are_clear(client: TestClient, admin_token: str, make_user: Any) -> None:
    dataset_id = new_dataset(client, admin_token)
    not_multipart = client.post(
        f"/api/datasets/{dataset_id}/uploads", content=b"abc", headers=bearer(admin_token)
    )
    assert not_multipart.status_code == 422
    assert "multipart/form-data" in not_multipart.json()["detail"]
    no_files = client.post(
        f"/api/datasets/{dataset_id}/uploads", data={"x": "1"}, headers=bearer(admin_token),
        files=[("other", ("", b""))],
    )  # fmt: skip
    assert no_files.status_code == 422
    missing = upload(client, admin_token, 999_999, [("a.png", png((1, 1, 1)))])
    assert missing.status_code == 404
    _, member_token = make_user("member")
    denied = upload(client, member_token, dataset_id, [("a.png", png((1, 1, 1)))])
    assert denied.status_code == 403


def test_server_archives_of_every_kind_import_with_their_folders(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    ctx.settings.import_roots = [tmp_path]
    images = {"scans/a.png": png((10, 20, 30)), "scans/deep/b.png": png((40, 50, 60))}
    (tmp_path / "set.zip").write_bytes(zip_bytes(images))
    for mode, name in (("w:gz", "set.tar.gz"), ("w:bz2", "set.tar.bz2"), ("w", "set.tar")):
        with tarfile.open(tmp_path / name, mode) as archive:
            for member, data in images.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            link = tarfile.TarInfo("scans/link.png")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            archive.addfile(link)
    for name in ("set.zip", "set.tar.gz", "set.tar.bz2", "set.tar"):
        dataset_id = new_dataset(client, admin_token, name)
        started = client.post(
            f"/api/datasets/{dataset_id}/imports/archive",
            json={"path": str(tmp_path / name), "folder": "in"}, headers=bearer(admin_token),
        )  # fmt: skip
        assert started.status_code == 202, started.text
        result = job_result(client, admin_token, started.json()["id"])
        assert result["imported"] == 2, (name, result)
        if name != "set.zip":
            assert by_path(result)["scans/link.png"] == ("failed", "symbolic link")
        deep = browse(client, admin_token, dataset_id, "in/scans/deep")
        assert [asset["name"] for asset in deep["assets"]["items"]] == ["b.png"]


def test_archive_bomb_is_stopped_and_reported(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    ctx.settings.import_roots = [tmp_path]
    ctx.settings.archive_max_total_bytes = 10 * 1024 * 1024
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.png", png((1, 2, 3)))
        for index in range(5):
            archive.writestr(f"zeros{index}.png", b"\0" * (4 * 1024 * 1024))
    dataset_id = new_dataset(client, admin_token)

    def run() -> dict[str, Any]:
        started = client.post(
            f"/api/datasets/{dataset_id}/imports/archive", json={"path": str(bomb)},
            headers=bearer(admin_token),
        )  # fmt: skip
        return job_result(client, admin_token, started.json()["id"])

    by_ratio = run()  # each entry expands far more than the default 200:1
    assert by_ratio["imported"] == 1
    assert by_path(by_ratio)["zeros0.png"] == (
        "failed", "decompression ratio over 200:1 (a zip bomb?)",
    )  # fmt: skip
    ctx.settings.archive_max_ratio = 1e6
    by_total = run()  # now the total of 10 MiB stops the archive
    stopped = [item for item in by_total["files"] if item["reason"].startswith("archive stopped")]
    assert len(stopped) == 1, by_total
    spool = ctx.settings.home_dir / "tmp"
    assert not spool.exists() or not any(spool.rglob("*")), "spooled entries left on disk"


def test_archive_import_refuses_what_is_not_an_archive(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    ctx.settings.import_roots = [tmp_path]
    (tmp_path / "photo.png").write_bytes(png((1, 1, 1)))
    dataset_id = new_dataset(client, admin_token)
    response = client.post(
        f"/api/datasets/{dataset_id}/imports/archive", json={"path": str(tmp_path / "photo.png")},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert response.status_code == 422
    assert "not a supported archive" in response.json()["detail"]


@pytest.mark.timeout(120)
def test_cli_imports_an_archive(tmp_path: Path, database_url: str) -> None:
    archive = tmp_path / "photos.zip"
    archive.write_bytes(zip_bytes({"a/x.png": png((9, 9, 9)), "b.txt": b"no"}))
    env = env_for(tmp_path / "home", PIXELWISE_DATABASE_URL=database_url)
    done = pixelwise("datasets", "import", str(archive), "--dataset", "Zipped", env=env)
    assert done.returncode == 0, done.stderr
    assert "imported 1, skipped 1, failed 0" in done.stdout
