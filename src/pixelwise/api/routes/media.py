"""An asset's media for the browser: the original, its thumbnail, and (by kind) a display
rendition, DICOM slices and video frames. Every response can be cached and revalidated
(ETag, Last-Modified, 304); originals answer byte ranges."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
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
from pixelwise.domain.permissions import Action
from pixelwise.services import assets, renditions
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
    cache = CACHE_DOWNLOAD if download else CACHE_ORIGINAL_VIEW
    info = assets.describe_original(ctx, project_id, asset_id)
    validators = Validators(info.etag, info.last_modified)
    unchanged = not_modified(request, validators, cache)
    if unchanged is not None:
        return unchanged
    try:
        wanted = None if info.remote else byte_range(request, validators, info.size_bytes)
    except RangeNotSatisfiable as error:
        return unsatisfiable(error.size)
    ranges = {} if info.remote else {"Accept-Ranges": "bytes"}
    if wanted is None:
        file = assets.open_asset(ctx, actor, project_id, asset_id, download=download)
        return _stream(file, download=download, cache=cache, extra=ranges)
    start, end = wanted
    file = assets.open_asset(
        ctx, actor, project_id, asset_id, download=download, start=start, end=end
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
    return _rendition(request, file)


def _rendition(request: Request, file: assets.AssetFile) -> Response:
    if file.etag and file.last_modified:
        unchanged = not_modified(
            request, Validators(file.etag, file.last_modified), CACHE_RENDITION
        )
        if unchanged is not None:
            file.chunks.close()  # type: ignore[attr-defined]
            return unchanged
    return _stream(file, download=False, cache=CACHE_RENDITION)
