"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import io
import time
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from pixelwise.db.models import Asset, Dataset
from pixelwise.services.context import Context

PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def png(colour: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def job_result(client: TestClient, token: str, job_id: int, timeout: float = 30) -> dict[str, Any]:
    """The result of a job once it is done (fails the test if it failed or took too long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=bearer(token)).json()
        if job["state"] in ("done", "failed", "cancelled"):
            assert job["state"] == "done", job
            return dict(job["result"])
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def by_path(result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """An import report as {path: (status, reason)}."""
    return {item["path"]: (item["status"], item["reason"]) for item in result["files"]}


def add_dataset_with_image(ctx: Context, name: str = "photos") -> tuple[int, int, bytes]:
    """A dataset holding one real PNG; returns (dataset id, asset id, the PNG bytes)."""
    data = png((200, 30, 30), (32, 24))
    with ctx.database.transaction() as session:
        dataset = Dataset(name=name)
        session.add(dataset)
        session.flush()
        dataset_id = dataset.id
    return dataset_id, add_asset(ctx, dataset_id, "", "red.png", data), data


def add_asset(
    ctx: Context, dataset_id: int, folder: str, name: str, data: bytes = b"x" * 10
) -> int:
    """An asset whose bytes are stored under the dataset's storage folder; returns its id."""
    key = f"datasets/{dataset_id}/{folder + '/' if folder else ''}{name}"
    size = ctx.blobs.put(key, io.BytesIO(data))
    with ctx.database.transaction() as session:
        asset = Asset(
            dataset_id=dataset_id, folder=folder, name=name, kind="image",
            media_type="image/png", blob_key=key, size_bytes=size, checksum="0" * 64,
        )  # fmt: skip
        session.add(asset)
        session.flush()
        return asset.id
