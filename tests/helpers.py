"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import io

from PIL import Image

from pixelwise.db.models import Asset, Dataset
from pixelwise.services.context import Context

PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_dataset_with_image(ctx: Context, name: str = "photos") -> tuple[int, int, bytes]:
    """A dataset holding one real PNG; returns (dataset id, asset id, the PNG bytes)."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format="PNG")
    data = buffer.getvalue()
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
