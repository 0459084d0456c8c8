"""What the workspace shows: display images, DICOM slices and values, video frames."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from pixelwise.services.context import Context
from test_import_media import HEAD_CT, need, write_video

from helpers import bearer, job_result


def imported_project(
    client: TestClient, ctx: Context, token: str, folder: Path, **options: Any
) -> tuple[str, dict[str, Any]]:
    """Import `folder` into a new dataset and project; (project URL, {asset name: asset})."""
    ctx.settings.import_roots = [folder.parent]
    dataset = client.post("/api/datasets", json={"name": folder.name}, headers=bearer(token))
    dataset_id = dataset.json()["id"]
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/folder", json={"path": str(folder), **options},
        headers=bearer(token),
    )  # fmt: skip
    result = job_result(client, token, started.json()["id"], timeout=60)
    assert result["failed"] == 0, result
    project = client.post(
        "/api/projects", json={"name": folder.name, "dataset_id": dataset_id},
        headers=bearer(token),
    ).json()  # fmt: skip
    base = f"/api/projects/{project['id']}/assets"
    items = client.get(base, params={"limit": 500}, headers=bearer(token)).json()["items"]
    return base, {item["name"]: item for item in items}


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_display_is_the_original_when_browsers_can_show_it(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    folder = tmp_path / "display"
    folder.mkdir()
    Image.new("RGB", (60, 40), (1, 2, 3)).save(folder / "plain.png")
    Image.fromarray(np.full((30, 50), 40000, dtype=np.uint16)).save(folder / "deep.tif")
    rotated = Image.new("RGB", (60, 40), (200, 0, 0))
    exif = rotated.getexif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    rotated.save(folder / "phone.jpg", exif=exif)
    base, assets = imported_project(client, ctx, admin_token, folder)
    plain = client.get(f"{base}/{assets['plain.png']['id']}/display", headers=bearer(admin_token))
    assert plain.status_code == 200
    assert plain.content == (folder / "plain.png").read_bytes()
    deep = client.get(f"{base}/{assets['deep.tif']['id']}/display", headers=bearer(admin_token))
    assert deep.headers["content-type"] == "image/webp"
    assert decoded(deep.content).size == (50, 30)
    phone = client.get(f"{base}/{assets['phone.jpg']['id']}/display", headers=bearer(admin_token))
    assert decoded(phone.content).size == (40, 60)  # turned as the camera meant
    again = client.get(
        f"{base}/{assets['deep.tif']['id']}/display",
        headers={**bearer(admin_token), "If-None-Match": deep.headers["etag"]},
    )
    assert again.status_code == 304


@pytest.fixture
def ct(client: TestClient, ctx: Context, admin_token: str, tmp_path: Path) -> tuple[str, Any]:
    folder = tmp_path / "ct"
    shutil.copytree(need(HEAD_CT), folder, ignore=shutil.ignore_patterns("*.md", "*.sha256"))
    base, assets = imported_project(client, ctx, admin_token, folder)
    [series] = assets.values()
    return f"{base}/{series['id']}", series


def test_dicom_slices_windows_and_values(
    client: TestClient, admin_token: str, ct: tuple[str, Any]
) -> None:
    url, _ = ct
    headers = bearer(admin_token)
    windows = client.get(f"{url}/windows", headers=headers).json()
    assert {preset["key"] for preset in windows["presets"]} == {
        "abdomen", "bone", "brain", "brain_marrow", "liver", "lung", "subdural",
    }  # fmt: skip
    brain = client.get(f"{url}/slices/10", params={"window": "brain"}, headers=headers)
    assert brain.status_code == 200
    grey = np.asarray(decoded(brain.content))
    assert grey.shape == (512, 512)
    bone = client.get(f"{url}/slices/10", params={"center": 400, "width": 1800}, headers=headers)
    assert not np.array_equal(np.asarray(decoded(bone.content)), grey)
    hu = client.get(f"{url}/slices/10/hu", headers=headers)
    values = np.asarray(decoded(hu.content)).astype(np.int32) - 32768
    assert values.shape == (512, 512)
    raw = client.get(f"{url}/slices/10/hu", params={"format": "raw"}, headers=headers)
    assert np.array_equal(np.frombuffer(raw.content, "<i2").reshape(512, 512), values)
    value = client.get(f"{url}/slices/10/value", params={"x": 256, "y": 300}, headers=headers)
    assert value.json()["units"] == "HU"
    assert value.json()["value"] == pytest.approx(values[300, 256], abs=0.5)
    assert values.min() >= -2000
    assert values.max() <= 4000


def test_a_series_describes_its_stack(
    client: TestClient, admin_token: str, ct: tuple[str, Any]
) -> None:
    url, series = ct
    described = client.get(f"{url}/series", headers=bearer(admin_token))
    assert described.status_code == 200
    assert described.json() == {
        "slices": 28, "width": 512, "height": 512, "modality": "CT", "units": "HU",
        "invert": False,
    }  # fmt: skip
    assert series["frame_count"] == described.json()["slices"]


def test_dicom_slices_follow_the_slice_normal(
    client: TestClient, admin_token: str, ct: tuple[str, Any]
) -> None:
    url, _ = ct
    headers = bearer(admin_token)
    by_position = {}
    for path in sorted(HEAD_CT.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        by_position[float(ds.SliceLocation)] = ds.pixel_array.astype(np.int32)
    first = np.frombuffer(
        client.get(f"{url}/slices/0/hu", params={"format": "raw"}, headers=headers).content, "<i2"
    ).reshape(512, 512)
    ends = [by_position[min(by_position)], by_position[max(by_position)]]
    assert any(np.array_equal(first, end) for end in ends)


def test_dicom_requests_out_of_range_are_clear(
    client: TestClient, admin_token: str, ct: tuple[str, Any]
) -> None:
    url, _ = ct
    headers = bearer(admin_token)
    missing = client.get(f"{url}/slices/28", headers=headers)
    assert missing.status_code == 422
    assert "0 to 27" in missing.json()["detail"]
    assert (
        client.get(f"{url}/slices/0", params={"window": "nope"}, headers=headers).status_code == 422
    )
    outside = client.get(f"{url}/slices/0/value", params={"x": 600, "y": 1}, headers=headers)
    assert outside.status_code == 422


def test_video_frames_by_index(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    folder = tmp_path / "video"
    folder.mkdir()
    write_video(folder / "clip.mp4", 30)
    base, assets = imported_project(client, ctx, admin_token, folder)
    url = f"{base}/{assets['clip.mp4']['id']}"
    headers = bearer(admin_token)
    for index in (17, 3, 29, 0, 18):
        frame = client.get(f"{url}/frames/{index}", headers=headers)
        assert frame.status_code == 200
        level = float(np.asarray(decoded(frame.content).convert("L")).mean())
        assert abs(level - 4 * index) < 6, (index, level)  # frame n is grey 4n
    webp = client.get(f"{url}/frames/5", params={"format": "webp"}, headers=headers)
    assert webp.headers["content-type"] == "image/webp"
    assert client.get(f"{url}/frames/30", headers=headers).status_code == 422
    assert client.get(f"{url}/slices/0", headers=headers).status_code == 404
    not_a_series = client.get(f"{url}/series", headers=headers)
    assert not_a_series.status_code == 404
    assert "not a DICOM series" in not_a_series.json()["detail"]


def test_a_series_downloads_as_a_zip_of_its_instances_in_slice_order(
    client: TestClient, admin_token: str, ct: tuple[str, Any]
) -> None:
    import zipfile

    url, series = ct
    response = client.get(f"{url}/original", headers=bearer(admin_token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "accept-ranges" not in response.headers
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == [f"{n:04d}.dcm" for n in range(1, 29)]
        first = pydicom.dcmread(io.BytesIO(archive.read(names[0])))
    originals = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID: p
                 for p in HEAD_CT.glob("*.dcm")}  # fmt: skip
    assert originals[first.SOPInstanceUID].read_bytes() == archive_bytes(response.content, 0)
    assert series["size_bytes"] == sum(p.stat().st_size for p in originals.values())


def archive_bytes(data: bytes, index: int) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(archive.namelist()[index])


def test_videos_and_series_have_thumbnails(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path, ct: tuple[str, Any]
) -> None:
    url, _ = ct
    series_thumb = client.get(f"{url}/thumbnail", headers=bearer(admin_token))
    assert series_thumb.status_code == 200
    assert max(decoded(series_thumb.content).size) == 256
    folder = tmp_path / "thumbvideo"
    folder.mkdir()
    write_video(folder / "clip.mp4", 5, size=(320, 240))
    base, assets = imported_project(client, ctx, admin_token, folder)
    video_thumb = client.get(
        f"{base}/{assets['clip.mp4']['id']}/thumbnail", headers=bearer(admin_token)
    )
    assert video_thumb.status_code == 200
    assert decoded(video_thumb.content).size == (256, 192)


def test_deleting_a_dataset_removes_series_videos_and_every_rendition(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    from sqlalchemy import func, select

    from pixelwise.db.models import Asset

    folder = tmp_path / "mixed"
    shutil.copytree(need(HEAD_CT), folder / "ct", ignore=shutil.ignore_patterns("*.md", "*.sha256"))
    write_video(folder / "clip.mp4", 10)
    Image.fromarray(np.full((30, 50), 40000, dtype=np.uint16)).save(folder / "deep.tif")
    base, assets = imported_project(client, ctx, admin_token, folder, extract_frames=True)
    headers = bearer(admin_token)
    for asset in assets.values():
        assert client.get(f"{base}/{asset['id']}/thumbnail", headers=headers).status_code == 200
    series = next(a for a in assets.values() if a["kind"] == "dicom")
    client.get(f"{base}/{series['id']}/slices/3", params={"window": "bone"}, headers=headers)
    client.get(f"{base}/{series['id']}/slices/3/hu", headers=headers)
    client.get(f"{base}/{assets['deep.tif']['id']}/display", headers=headers)
    dataset_id = assets["clip.mp4"]["dataset_id"]
    stored = ctx.settings.home_dir / "blobs" / "datasets" / str(dataset_id)
    assert sum(1 for path in stored.rglob("*") if path.is_file()) > 28 + 3
    deleted = client.delete(
        f"/api/datasets/{dataset_id}", params={"force": "true"}, headers=headers
    )
    assert deleted.status_code == 204
    assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))
    with ctx.database.read() as session:
        left = session.scalar(select(func.count()).where(Asset.dataset_id == dataset_id))
    assert left == 0
