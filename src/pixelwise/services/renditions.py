"""Thumbnails of assets for the browser (images, videos, DICOM series), made once and kept.

A rendition is stored beside the dataset's other blobs (`datasets/<id>/.renditions/`), so it
is removed with the dataset, and it is named after the asset's checksum, so a changed
original never shows a stale picture. Thumbnails are not original data: serving them is
not written to the audit log.
"""

from __future__ import annotations

import io

from pixelwise.db.models import Asset
from pixelwise.domain.errors import NotFound
from pixelwise.services import media_views
from pixelwise.services.assets import AssetFile, dataset_asset, open_original, project_asset
from pixelwise.services.context import Context
from pixelwise.services.datasets import blob_prefix
from pixelwise.storage.blobs import iter_chunks

THUMBNAIL_SIDE = 256


def _make_thumbnail(ctx: Context, asset: Asset) -> bytes:
    """An image's picture, a video's first frame, a series' middle slice: WebP, 256 px."""
    from PIL import Image

    from pixelwise.media.images import encode_thumbnail, load_oriented

    if asset.kind == "image":
        with open_original(ctx, asset) as original:
            image = load_oriented(original, max_pixels=ctx.settings.max_image_pixels)
    elif asset.kind == "video":
        image = Image.fromarray(media_views.read_video_frame(ctx, asset, 0))
    elif asset.kind == "dicom":
        image = Image.fromarray(media_views.middle_slice_grey(ctx, asset), mode="L")
    else:
        raise NotFound(f"Asset {asset.id} is a {asset.kind}: it has no thumbnail.")
    return encode_thumbnail(image, max_side=THUMBNAIL_SIDE, format="WEBP")


def thumbnail(ctx: Context, project_id: int, asset_id: int) -> AssetFile:
    """The asset's thumbnail (WebP, longest side 256 px; images with EXIF orientation applied)."""
    return thumbnail_of(ctx, project_asset(ctx, project_id, asset_id))


def dataset_thumbnail(ctx: Context, dataset_id: int, asset_id: int) -> AssetFile:
    """The thumbnail of an asset reached through its dataset (no project needed)."""
    return thumbnail_of(ctx, dataset_asset(ctx, dataset_id, asset_id))


def thumbnail_of(ctx: Context, asset: Asset) -> AssetFile:
    """The thumbnail of an asset row already checked against the caller's scope."""
    key = f"{blob_prefix(asset.dataset_id)}.renditions/thumb{THUMBNAIL_SIDE}/{asset.checksum}.webp"
    if not ctx.blobs.exists(key):
        ctx.blobs.put(key, io.BytesIO(_make_thumbnail(ctx, asset)))
    stem = asset.name.rsplit(".", 1)[0]
    return AssetFile(
        name=f"{stem}.webp",
        media_type="image/webp",
        size_bytes=ctx.blobs.size(key),
        chunks=iter_chunks(ctx.blobs.open(key)),
        etag=f'"{asset.checksum[:32]}-t{THUMBNAIL_SIDE}"',
        last_modified=asset.created_at,
    )
