"""What the labeling workspace shows of an asset beyond the original file: a display
rendition of images, DICOM slices (windowed, or as raw Hounsfield units) and video frames.

Renditions are made on request. Those worth keeping (display images, windowed slices,
HU slices) are stored beside the dataset's blobs (`datasets/<id>/.renditions/`), named after
the asset's checksum and what was asked, so they are removed with the dataset and never
go stale. Video frames are decoded exactly by index every time (a long video has too many
to keep); an open reader per video is kept for the next request, since scrubbing asks for
neighbouring frames. None of this is original data: it is not written to the audit log.
"""

from __future__ import annotations

import io
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pixelwise.db.models import Asset
from pixelwise.domain.dicom_windows import preset
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services.assets import AssetFile, dataset_asset, open_original, project_asset
from pixelwise.services.context import Context
from pixelwise.services.datasets import blob_prefix
from pixelwise.storage.blobs import iter_chunks
from pixelwise.storage.sources.folders import open_in_place

BROWSER_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
DISPLAY_MAX_SIDE = 8192  # larger images get a scaled rendition (browsers and GPUs choke)
SliceFormat = Literal["png", "webp", "jpeg"]
HuFormat = Literal["png16", "raw"]
FrameFormat = Literal["jpeg", "webp"]
MEDIA_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg",
               "png16": "image/png", "raw": "application/octet-stream"}  # fmt: skip
READERS_KEPT = 4  # open video readers kept per process


@dataclass(frozen=True)
class Window:
    center: float
    width: float


def _kept(ctx: Context, asset: Asset, key: str, name: str, fmt: str) -> AssetFile:
    """A stored rendition as a response body."""
    return AssetFile(
        name=name, media_type=MEDIA_TYPES[fmt], size_bytes=ctx.blobs.size(key),
        chunks=iter_chunks(ctx.blobs.open(key)), etag=f'"{key.rsplit("/", 1)[-1]}"',
        last_modified=asset.created_at,
    )  # fmt: skip


def _rendition_key(asset: Asset, what: str) -> str:
    return f"{blob_prefix(asset.dataset_id)}.renditions/{what}"


def _stem(asset: Asset) -> str:
    return asset.name.rsplit(".", 1)[0] if "." in asset.name else asset.name


# --- images -------------------------------------------------------------------------------


def display_needs_rendition(asset: Asset) -> bool:
    """Whether the browser gets a made rendition rather than the original file: formats it
    cannot decode (TIFF, BMP, 16-bit), rotated EXIF orientations, very large images."""
    meta = asset.meta or {}
    return (
        asset.media_type not in BROWSER_IMAGE_TYPES
        or int(meta.get("orientation", 1) or 1) != 1
        or int(meta.get("bits_per_channel", 8) or 8) > 8
        or max(asset.width or 0, asset.height or 0) > DISPLAY_MAX_SIDE
    )


def display(ctx: Context, project_id: int, asset_id: int) -> AssetFile | None:
    """The image's display rendition (WebP, oriented, at most DISPLAY_MAX_SIDE a side), or
    None when the original itself is what the browser should show."""
    return display_of(ctx, project_asset(ctx, project_id, asset_id))


def dataset_display(ctx: Context, dataset_id: int, asset_id: int) -> AssetFile | None:
    """`display` of an asset reached through its dataset (no project needed)."""
    return display_of(ctx, dataset_asset(ctx, dataset_id, asset_id))


def display_of(ctx: Context, asset: Asset) -> AssetFile | None:
    """`display` for an asset row already checked against the caller's project or dataset."""
    if asset.kind != "image":
        raise NotFound(f"Asset {asset.id} is a {asset.kind}: it has no display image.")
    if not display_needs_rendition(asset):
        return None
    key = _rendition_key(asset, f"display{DISPLAY_MAX_SIDE}/{asset.checksum}.webp")
    if not ctx.blobs.exists(key):
        from pixelwise.media.images import encode_thumbnail, load_oriented

        with open_original(ctx, asset) as original:
            image = load_oriented(original, max_pixels=ctx.settings.max_image_pixels)
        data = encode_thumbnail(image, max_side=DISPLAY_MAX_SIDE, format="WEBP", quality=90)
        ctx.blobs.put(key, io.BytesIO(data))
    return _kept(ctx, asset, key, f"{_stem(asset)}.webp", "webp")


# --- DICOM --------------------------------------------------------------------------------


def _series(ctx: Context, project_id: int, asset_id: int) -> Asset:
    asset = project_asset(ctx, project_id, asset_id)
    if asset.kind != "dicom":
        raise NotFound(f"Asset {asset_id} is a {asset.kind}, not a DICOM series.")
    return asset


def _slice_source(asset: Asset, index: int) -> tuple[str, int, bool]:
    """(blob key or file URI, frame number, in place) of slice `index` of a series."""
    meta: dict[str, Any] = asset.meta or {}
    slices = meta.get("slices", {})
    count = len(slices.get("instance", []))
    if not 0 <= index < count:
        raise InvalidInput(
            f"Slice {index} does not exist: this series has slices 0 to {count - 1}.",
            field="index",
        )
    instance = int(slices["instance"][index])
    return str(meta["files"][instance]), int(slices["frame"][index]), bool(meta.get("in_place"))


def _open_slice_file(ctx: Context, ref: str, in_place: bool) -> BinaryIO:
    if in_place:
        return open_in_place(ref, ctx.settings.import_roots)
    return ctx.blobs.open(ref)


def slice_hu(ctx: Context, asset: Asset, index: int) -> Any:
    """Slice `index` of a series as float32 Hounsfield units (or the modality's units)."""
    from pixelwise.media.dicom import load_frame_hu

    ref, frame, in_place = _slice_source(asset, index)
    with _open_slice_file(ctx, ref, in_place) as stream:
        return load_frame_hu(stream, frame)


def resolve_window(
    asset: Asset, *, window: str | None, center: float | None, width: float | None
) -> Window:
    """The window asked for: a named preset, an explicit centre and width, or the series'
    default (from its files, else a preset for its modality)."""
    if window is not None:
        chosen = preset(window)
        return Window(chosen.level, chosen.width)
    if center is not None or width is not None:
        if center is None or width is None:
            raise InvalidInput("Give both center and width, or a named window.", field="width")
        if width < 1:
            raise InvalidInput("The window width must be at least 1.", field="width")
        return Window(center, width)
    default = (asset.meta or {}).get("window") or {}
    return Window(float(default.get("center", 40.0)), float(default.get("width", 400.0)))


@dataclass(frozen=True)
class SeriesView:
    """What a viewer needs to show a series as a stack: its size, the units of its values
    and whether low values are white (MONOCHROME1)."""

    slices: int
    width: int
    height: int
    modality: str
    units: str
    invert: bool


def series_view(ctx: Context, project_id: int, asset_id: int) -> SeriesView:
    """The stack description of a DICOM series asset."""
    asset = _series(ctx, project_id, asset_id)
    meta: dict[str, Any] = asset.meta or {}
    return SeriesView(
        slices=len(meta.get("slices", {}).get("instance", [])),
        width=int(asset.width or meta.get("columns") or 0),
        height=int(asset.height or meta.get("rows") or 0),
        modality=str(meta.get("modality") or ""),
        units=str((meta.get("rescale") or {}).get("units", "")),
        invert=meta.get("photometric") == "MONOCHROME1",
    )


def default_window(ctx: Context, project_id: int, asset_id: int) -> tuple[float, float]:
    """The series' own window (centre, width)."""
    chosen = resolve_window(
        _series(ctx, project_id, asset_id), window=None, center=None, width=None
    )
    return chosen.center, chosen.width


def dicom_slice(
    ctx: Context,
    project_id: int,
    asset_id: int,
    index: int,
    *,
    window: str | None = None,
    center: float | None = None,
    width: float | None = None,
    fmt: SliceFormat = "png",
) -> AssetFile:
    """Slice `index` rendered through a window as an 8-bit grey image, kept once made."""
    asset = _series(ctx, project_id, asset_id)
    chosen = resolve_window(asset, window=window, center=center, width=width)
    what = f"slices/{asset.checksum}/{index}-c{chosen.center:g}-w{chosen.width:g}.{fmt}"
    key = _rendition_key(asset, what)
    if not ctx.blobs.exists(key):
        from pixelwise.media.dicom import window_to_uint8

        values = slice_hu(ctx, asset, index)
        invert = (asset.meta or {}).get("photometric") == "MONOCHROME1"
        grey = window_to_uint8(values, chosen.center, chosen.width, invert=invert)
        ctx.blobs.put(key, io.BytesIO(_encode_grey(grey, fmt)))
    return _kept(ctx, asset, key, f"{_stem(asset)}-{index}.{fmt}", fmt)


def _encode_grey(grey: Any, fmt: SliceFormat) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    options: dict[str, Any] = {"lossless": True} if fmt == "webp" else {}
    if fmt == "jpeg":
        options = {"quality": 95}
    Image.fromarray(grey, mode="L").save(buffer, format=fmt.upper(), **options)
    return buffer.getvalue()


def dicom_hu(
    ctx: Context, project_id: int, asset_id: int, index: int, *, fmt: HuFormat = "png16"
) -> AssetFile:
    """Slice `index` as raw values for the client to window itself: a 16-bit PNG of
    HU + 32768, or little-endian int16 rows (row-major, `rows` x `columns` of the series)."""
    asset = _series(ctx, project_id, asset_id)
    key = _rendition_key(asset, f"slices/{asset.checksum}/{index}-hu.{fmt}")
    if not ctx.blobs.exists(key):
        from pixelwise.media.dicom import encode_png16, encode_raw_int16

        values = slice_hu(ctx, asset, index)
        data = encode_png16(values) if fmt == "png16" else encode_raw_int16(values)
        ctx.blobs.put(key, io.BytesIO(data))
    suffix = "png" if fmt == "png16" else "i16"
    return _kept(ctx, asset, key, f"{_stem(asset)}-{index}-hu.{suffix}", fmt)


def dicom_value_at(ctx: Context, project_id: int, asset_id: int, index: int, x: int, y: int
                   ) -> tuple[float, str]:  # fmt: skip
    """The value (HU for CT) at column x, row y of slice `index`, and its units."""
    from pixelwise.media.dicom import hu_at

    asset = _series(ctx, project_id, asset_id)
    values = slice_hu(ctx, asset, index)
    units = str(((asset.meta or {}).get("rescale") or {}).get("units", ""))
    return hu_at(values, x, y), units


# --- video --------------------------------------------------------------------------------


class _Readers:
    """The last few open video readers of this process, one lock each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: OrderedDict[str, tuple[threading.Lock, Any]] = OrderedDict()

    @contextmanager
    def reader(self, key: str, make: Any) -> Iterator[Any]:
        with self.lock:
            entry = self.open.pop(key, None)
            if entry is None:
                entry = (threading.Lock(), make())
            self.open[key] = entry
            while len(self.open) > READERS_KEPT:
                _, (old_lock, old) = self.open.popitem(last=False)
                with old_lock:
                    old.close()
        lock, reader = entry
        with lock:
            yield reader


_READERS = _Readers()


def _video_path(ctx: Context, asset: Asset) -> Path:
    """A file on local disk holding the video (a copy under HOME/tmp for remote storage)."""
    if asset.source_uri and asset.source_uri.startswith("file:"):
        with open_in_place(asset.source_uri, ctx.settings.import_roots) as handle:
            return Path(handle.name)
    local = ctx.blobs.local_path(asset.blob_key) if asset.blob_key else None
    if local is not None:
        return local
    copy = ctx.settings.home_dir / "tmp" / "videos" / f"{asset.checksum}.video"
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_suffix(".part")
        with open_original(ctx, asset) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        partial.replace(copy)
    return copy


def read_video_frame(ctx: Context, asset: Asset, index: int) -> Any:
    """Frame `index` of a video asset as an RGB array, through a kept reader."""
    from pixelwise.media.video import FrameIndex, VideoReader
    from pixelwise.services.import_video import frame_index_key

    def make() -> Any:
        with ctx.blobs.open(frame_index_key(asset.dataset_id, asset.checksum)) as stored:
            frames = FrameIndex.from_bytes(stored.read())
        return VideoReader(_video_path(ctx, asset), frames)

    with _READERS.reader(asset.checksum, make) as reader:
        return reader.read(index)


def middle_slice_grey(ctx: Context, asset: Asset) -> Any:
    """The middle slice of a series through its default window, as 8-bit grey."""
    from pixelwise.media.dicom import window_to_uint8

    chosen = resolve_window(asset, window=None, center=None, width=None)
    values = slice_hu(ctx, asset, (asset.frame_count or 1) // 2)
    invert = (asset.meta or {}).get("photometric") == "MONOCHROME1"
    return window_to_uint8(values, chosen.center, chosen.width, invert=invert)


def video_frame(
    ctx: Context, project_id: int, asset_id: int, index: int, *, fmt: FrameFormat = "jpeg"
) -> AssetFile:
    """Frame `index` (in display order, exact also for variable frame rates) as an image."""
    from pixelwise.media.video import encode_frame

    asset = project_asset(ctx, project_id, asset_id)
    if asset.kind != "video":
        raise NotFound(f"Asset {asset_id} is a {asset.kind}, not a video.")
    count = asset.frame_count or 0
    if not 0 <= index < count:
        raise InvalidInput(
            f"Frame {index} does not exist: this video has frames 0 to {count - 1}.",
            field="index",
        )

    data = encode_frame(read_video_frame(ctx, asset, index), fmt=fmt, quality=90)
    return AssetFile(
        name=f"{_stem(asset)}-{index}.{'jpg' if fmt == 'jpeg' else fmt}",
        media_type=MEDIA_TYPES[fmt], size_bytes=len(data), chunks=iter([data]),
        etag=f'"{asset.checksum[:32]}-f{index}.{fmt}"', last_modified=asset.created_at,
    )  # fmt: skip
