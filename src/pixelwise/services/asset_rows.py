"""New assets as plain row values, for imports that write thousands of them in bulk."""

from __future__ import annotations

from typing import Any

from pixelwise.db.base import utcnow


def asset_row(
    *,
    dataset_id: int,
    folder: str,
    name: str,
    kind: str,
    media_type: str,
    checksum: str,
    size_bytes: int,
    blob_key: str = "",
    source_uri: str | None = None,
    width: int | None = None,
    height: int | None = None,
    frame_count: int | None = None,
    fps: float | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new asset as the values of its row (written in bulk, without one ORM object each)."""
    return {
        "dataset_id": dataset_id, "folder": folder, "name": name, "kind": kind,
        "media_type": media_type, "checksum": checksum, "size_bytes": size_bytes,
        "blob_key": blob_key, "source_uri": source_uri, "width": width, "height": height,
        "frame_count": frame_count, "fps": fps, "meta": meta or {}, "created_at": utcnow(),
    }  # fmt: skip
