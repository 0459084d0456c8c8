"""An asset's media for the browser: the original, its thumbnail, and (by kind) a display
rendition, DICOM slices and video frames. Every response can be cached and revalidated
(ETag, Last-Modified, 304); originals answer byte ranges."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.http_cache import (
    RangeNotSatisfiable,
    Validators,
    byte_range,
    not_modified,
    unsatisfiable,
)
from pixelwise.api.schemas.common import IdPath
from pixelwise.api.schemas.media import DicomValueOut, SeriesOut, WindowOut, WindowsOut
from pixelwise.domain.dicom_windows import WINDOW_PRESETS
from pixelwise.domain.permissions import Action
from pixelwise.services import assets, media_views, renditions
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/projects/{project_id}/assets/{asset_id}", tags=["media"])
Viewer = Annotated[Actor, Depends(permit(Action.ASSET_VIEW))]
Downloader = Annotated[Actor, Depends(permit(Action.ASSET_DOWNLOAD))]

CACHE_ORIGINAL_VIEW = "private, max-age=3600"
CACHE_DOWNLOAD = "private, no-store"
CACHE_RENDITION = "private, max-age=86400"
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the client's copy (ETag) is current."}
}
PARTIAL: dict[int | str, dict[str, Any]] = {
    206: {"description": "The byte range asked for (Range header)."},
    416: {"description": "The range lies outside the file."},
}


def _stream(
    file: assets.AssetFile,
    *,
    download: bool,
    cache: str,
    status: int = 200,
    extra: dict[str, str] | None = None,
) -> StreamingResponse:
    disposition = "attachment" if download else "inline"
    safe_name = file.name.replace('"', "").replace("\r", "").replace("\n", "")
    headers = {
        "Content-Disposition": f'{disposition}; filename="{safe_name}"',
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        **(extra or {}),
    }
    if file.size_bytes >= 0:  # unknown for registered URLs
        headers["Content-Length"] = str(file.size_bytes)
    if file.etag and file.last_modified:
        headers.update(Validators(file.etag, file.last_modified).headers())
    elif file.etag:
        headers["ETag"] = file.etag
    return StreamingResponse(
        file.chunks, status_code=status, media_type=file.media_type, headers=headers
    )


def _original(
    request: Request,
    ctx: CtxDep,
    actor: Actor,
    project_id: int,
    asset_id: int,
    *,
    download: bool,
) -> Response:
    return original_response(
        request, ctx, actor, asset_id, download=download, project_id=project_id
    )


def original_response(
    request: Request,
    ctx: CtxDep,
    actor: Actor,
    asset_id: int,
    *,
    download: bool,
    project_id: int | None = None,
    dataset_id: int | None = None,
) -> Response:
    """The original of an asset of the project (or, with `dataset_id`, of the dataset):
    304, a byte range or the whole file; audited."""
    cache = CACHE_DOWNLOAD if download else CACHE_ORIGINAL_VIEW
    if project_id is not None:
        asset = assets.project_asset(ctx, project_id, asset_id)
    else:
        assert dataset_id is not None
        asset = assets.dataset_asset(ctx, dataset_id, asset_id)
    info = assets.describe(asset)
    validators = Validators(info.etag, info.last_modified)
    unchanged = not_modified(request, validators, cache)
    if unchanged is not None:
        return unchanged
    try:
        wanted = None if info.whole else byte_range(request, validators, info.size_bytes)
    except RangeNotSatisfiable as error:
        return unsatisfiable(error.size)
    ranges = {} if info.whole else {"Accept-Ranges": "bytes"}
    if wanted is None:
        file = assets.open_row(ctx, actor, asset, download=download, project_id=project_id)
        return _stream(file, download=download, cache=cache, extra=ranges)
    start, end = wanted
    file = assets.open_row(
        ctx, actor, asset, download=download, start=start, end=end, project_id=project_id
    )
    ranges["Content-Range"] = f"bytes {start}-{end - 1}/{info.size_bytes}"
    return _stream(file, download=download, cache=cache, status=206, extra=ranges)


@router.get("/view", response_class=StreamingResponse, responses={**NOT_MODIFIED, **PARTIAL})
def view_asset(
    project_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, actor: Viewer
) -> Response:
    """The asset's file for display in the labeling workspace (every project member);
    written to the audit log."""
    return _original(request, ctx, actor, project_id, asset_id, download=False)


@router.get("/original", response_class=StreamingResponse, responses={**NOT_MODIFIED, **PARTIAL})
def download_asset(
    project_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, actor: Downloader
) -> Response:
    """Download the original file (project and organisation admins only; annotators never);
    written to the audit log."""
    return _original(request, ctx, actor, project_id, asset_id, download=True)


@router.get("/thumbnail", response_class=StreamingResponse, responses=NOT_MODIFIED)
def thumbnail(
    project_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, _: Viewer
) -> Response:
    """A 256-pixel WebP thumbnail, made on first request and kept."""
    file = renditions.thumbnail(ctx, project_id, asset_id)
    return rendition_response(request, file)


def rendition_response(request: Request, file: assets.AssetFile) -> Response:
    """A made rendition (thumbnail, display image, slice, frame): 304 when the client's
    copy is current, else the bytes, cached a day."""
    if file.etag and file.last_modified:
        unchanged = not_modified(
            request, Validators(file.etag, file.last_modified), CACHE_RENDITION
        )
        if unchanged is not None:
            close = getattr(file.chunks, "close", None)
            if close is not None:
                close()
            return unchanged
    return _stream(file, download=False, cache=CACHE_RENDITION)


IndexPath = Annotated[int, Path(ge=0, le=10_000_000, description="0-based, in display order.")]


@router.get("/display", response_class=StreamingResponse, responses={**NOT_MODIFIED, **PARTIAL})
def display(
    project_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, actor: Viewer
) -> Response:
    """The image as the workspace shows it: the original when the browser can decode it
    as it is (JPEG, PNG, WebP, GIF; 8 bits; no EXIF rotation; at most 8192 px a side),
    else a WebP rendition made once and kept (TIFF, BMP, 16-bit, rotated, huge)."""
    file = media_views.display(ctx, project_id, asset_id)
    if file is None:
        return _original(request, ctx, actor, project_id, asset_id, download=False)
    return rendition_response(request, file)


@router.get("/series", response_model=SeriesOut)
def series(project_id: IdPath, asset_id: IdPath, ctx: CtxDep, _: Viewer) -> SeriesOut:
    """A DICOM series as the workspace shows it: slice count, slice size, the units of its
    values and whether it is shown inverted (MONOCHROME1)."""
    view = media_views.series_view(ctx, project_id, asset_id)
    return SeriesOut(
        slices=view.slices, width=view.width, height=view.height, modality=view.modality,
        units=view.units, invert=view.invert,
    )  # fmt: skip


@router.get("/windows", response_model=WindowsOut)
def windows(project_id: IdPath, asset_id: IdPath, ctx: CtxDep, _: Viewer) -> WindowsOut:
    """The named CT windows, and the series' own default window."""
    center, width = media_views.default_window(ctx, project_id, asset_id)
    return WindowsOut(
        default=WindowOut(key="default", name="From the series", level=center, width=width),
        presets=[WindowOut(key=p.key, name=p.name, level=p.level, width=p.width)
                 for p in WINDOW_PRESETS],
    )  # fmt: skip


@router.get("/slices/{index}", response_class=StreamingResponse, responses=NOT_MODIFIED)
def dicom_slice(
    project_id: IdPath,
    asset_id: IdPath,
    index: IndexPath,
    request: Request,
    ctx: CtxDep,
    _: Viewer,
    window: Annotated[str | None, Query(max_length=40, description="A preset key.")] = None,
    center: Annotated[float | None, Query(ge=-1e6, le=1e6)] = None,
    width: Annotated[float | None, Query(ge=1, le=1e6)] = None,
    format: Annotated[Literal["png", "webp", "jpeg"], Query()] = "png",
) -> Response:
    """Slice `index` of a DICOM series (in order along the slice normal) as an 8-bit grey
    image through a window: a preset (`window=brain`), `center` and `width`, or by default
    the series' own."""
    file = media_views.dicom_slice(
        ctx, project_id, asset_id, index, window=window, center=center, width=width, fmt=format
    )
    return rendition_response(request, file)


@router.get("/slices/{index}/hu", response_class=StreamingResponse, responses=NOT_MODIFIED)
def dicom_hu(
    project_id: IdPath,
    asset_id: IdPath,
    index: IndexPath,
    request: Request,
    ctx: CtxDep,
    _: Viewer,
    format: Annotated[Literal["png16", "raw"], Query()] = "png16",
) -> Response:
    """Slice `index` as values for the client to window itself: `png16`, a 16-bit grey PNG
    of HU + 32768; or `raw`, little-endian int16 HU, row-major (rows x columns of the
    series)."""
    return rendition_response(
        request, media_views.dicom_hu(ctx, project_id, asset_id, index, fmt=format)
    )


@router.get("/slices/{index}/value", response_model=DicomValueOut)
def dicom_value(
    project_id: IdPath,
    asset_id: IdPath,
    index: IndexPath,
    ctx: CtxDep,
    _: Viewer,
    x: Annotated[int, Query(ge=0, le=1_000_000, description="Column.")],
    y: Annotated[int, Query(ge=0, le=1_000_000, description="Row.")],
) -> DicomValueOut:
    """The value at a pixel of a slice (Hounsfield units for CT)."""
    value, units = media_views.dicom_value_at(ctx, project_id, asset_id, index, x, y)
    return DicomValueOut(x=x, y=y, value=value, units=units)


@router.get("/frames/{index}", response_class=StreamingResponse, responses=NOT_MODIFIED)
def video_frame(
    project_id: IdPath,
    asset_id: IdPath,
    index: IndexPath,
    request: Request,
    ctx: CtxDep,
    _: Viewer,
    format: Annotated[Literal["jpeg", "webp"], Query()] = "jpeg",
) -> Response:
    """Frame `index` of a video (display order; exact, also for variable frame rates)."""
    file = media_views.video_frame(ctx, project_id, asset_id, index, fmt=format)
    return rendition_response(request, file)
