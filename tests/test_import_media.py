"""Importing DICOM series and videos: one asset per series or video, and a report per file."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient

from pixelwise.services.context import Context

from helpers import bearer, by_path, job_result

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "dicom"
HEAD_CT = SHARED / "dcm_qa_ct_ge_head"
PHANTOM = SHARED / "rtutils_phantom_rtstruct"


def need(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"sample data {folder} is absent (it comes with the shared data set)")
    return folder


def new_dataset(client: TestClient, token: str, name: str) -> int:
    response = client.post("/api/datasets", json={"name": name}, headers=bearer(token))
    return int(response.json()["id"])


def import_folder(
    client: TestClient, token: str, dataset_id: int, path: Path, **options: Any
) -> dict[str, Any]:
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/folder",
        json={"path": str(path), **options}, headers=bearer(token),
    )  # fmt: skip
    assert started.status_code == 202, started.text
    return job_result(client, token, started.json()["id"], timeout=60)


def assets_of(client: TestClient, token: str, dataset_id: int, folder: str = "") -> list[Any]:
    listing = client.get(
        f"/api/datasets/{dataset_id}/browse", params={"folder": folder, "limit": 500},
        headers=bearer(token),
    )  # fmt: skip
    return list(listing.json()["assets"]["items"])


def test_a_ct_series_becomes_one_asset_in_slice_order(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    source = tmp_path / "ct"
    shutil.copytree(need(HEAD_CT), source, ignore=shutil.ignore_patterns("*.md", "*.sha256"))
    (source / "01.dcm").rename(source / "IM0001")  # no extension: recognised by its bytes
    ctx.settings.import_roots = [tmp_path]
    dataset_id = new_dataset(client, admin_token, "CT")
    result = import_folder(client, admin_token, dataset_id, source)
    assert (result["imported"], result["skipped"], result["failed"]) == (28, 0, 0), result
    [series] = assets_of(client, admin_token, dataset_id)
    assert series["kind"] == "dicom"
    assert (series["width"], series["height"], series["frame_count"]) == (512, 512, 28)
    from pixelwise.db.models import Asset

    with ctx.database.read() as session:
        meta = session.get(Asset, series["id"]).meta  # type: ignore[union-attr]
    positions = meta["slices"]["position"]
    assert positions == sorted(positions) or positions == sorted(positions, reverse=True)
    assert not meta["uniform_spacing"]
    assert meta["sheared"]
    assert len(meta["files"]) == 28
    assert all(ctx.blobs.exists(key) for key in meta["files"])

    again = import_folder(client, admin_token, dataset_id, source)
    assert (again["imported"], again["skipped"]) == (0, 28)
    assert "already in the dataset" in again["files"][0]["reason"]
    assert all(ctx.blobs.exists(key) for key in meta["files"]), "a re-import removed files in use"
    first = ctx.blobs.local_path(meta["files"][0])
    if first is not None:  # the skipped copies of the second import are gone
        stored = first.parents[2]  # .dicom/<job>/<series>/<instance>
        assert sum(1 for path in stored.rglob("*") if path.is_file()) == 28


def test_structure_sets_with_bad_references_are_reported_not_fatal(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    ctx.settings.import_roots = [need(PHANTOM).parent]
    dataset_id = new_dataset(client, admin_token, "Phantom")
    result = import_folder(client, admin_token, dataset_id, PHANTOM, in_place=True)
    report = by_path(result)
    assert report["ct_1.dcm"] == ("imported", "")
    assert report["ct_2.dcm"] == ("imported", "")
    assert report["rt.dcm"][0] == "skipped"
    assert "RT structure set" in report["rt.dcm"][1]
    for bad in ("invalid_reference_rt.dcm", "non_existent_reference_rt.dcm"):
        status, reason = report[bad]
        assert status == "failed", (bad, reason)
        assert reason.startswith("RT structure set:")
    [series] = assets_of(client, admin_token, dataset_id)
    assert series["frame_count"] == 2


def write_video(path: Path, frames: int, size: tuple[int, int] = (96, 64)) -> None:
    """A constant-rate MPEG-4 video whose frame n is a flat grey of level 4n."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=Fraction(25))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for number in range(frames):
            image = np.full((size[1], size[0], 3), 4 * number, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_videos_are_probed_and_can_become_frames(
    client: TestClient, ctx: Context, admin_token: str, tmp_path: Path
) -> None:
    source = tmp_path / "clips"
    source.mkdir()
    write_video(source / "walk.mp4", 20)
    (source / "broken.mp4").write_bytes(b"\0\0\0\x18ftypmp42" + b"\0" * 100)
    ctx.settings.import_roots = [tmp_path]
    dataset_id = new_dataset(client, admin_token, "Clips")
    result = import_folder(
        client, admin_token, dataset_id, source, extract_frames=True, frame_step=5
    )
    report = by_path(result)
    assert report["walk.mp4"] == ("imported", "")
    assert report["broken.mp4"][0] == "failed"
    [video] = assets_of(client, admin_token, dataset_id)
    assert video["kind"] == "video"
    assert (video["width"], video["height"], video["frame_count"]) == (96, 64, 20)
    frames = assets_of(client, admin_token, dataset_id, "walk")
    assert [frame["name"] for frame in frames] == [
        "walk_000000.jpg", "walk_000005.jpg", "walk_000010.jpg", "walk_000015.jpg",
    ]  # fmt: skip
    assert result["imported"] == 5
