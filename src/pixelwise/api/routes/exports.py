"""Project exports: start one (a background job), list and fetch its files while it runs,
download the whole export once it is done."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import StreamingResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import IdPath
from pixelwise.api.schemas.exports import ExportFilesOut, ExportIn
from pixelwise.api.schemas.jobs import JobOut
from pixelwise.domain.permissions import Action
from pixelwise.services import exports
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/projects/{project_id}/exports", tags=["exports"])
Creator = Annotated[Actor, Depends(permit(Action.EXPORT_CREATE))]
Downloader = Annotated[Actor, Depends(permit(Action.EXPORT_DOWNLOAD))]
FileName = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The export has not finished (or failed): nothing to assemble yet."}
}


def _stream(found: exports.ExportStream) -> StreamingResponse:
    headers = {
        "Content-Disposition": f'attachment; filename="{found.name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if found.size_bytes is not None:
        headers["Content-Length"] = str(found.size_bytes)
    return StreamingResponse(found.chunks, media_type=found.media_type, headers=headers)


@router.post("", response_model=JobOut, status_code=202)
def start_export(project_id: IdPath, body: ExportIn, ctx: CtxDep, actor: Creator) -> JobOut:
    """Start exporting the project's items (those matching `filter`) as a background job;
    follow it at /api/jobs/{id}. Its files can be fetched as they are written."""
    job = exports.start_export(
        ctx, actor, project_id, body.format, body.filter, body.include_revisions
    )
    return JobOut.model_validate(job)


@router.get("/{export_id}/files", response_model=ExportFilesOut)
def list_files(project_id: IdPath, export_id: IdPath, ctx: CtxDep, _: Downloader) -> ExportFilesOut:
    """The export's complete files so far (each up to 1,000 items), also while it runs."""
    return ExportFilesOut.model_validate(exports.list_export_files(ctx, project_id, export_id))


@router.get("/{export_id}/files/{file_name}", response_class=StreamingResponse)
def download_file(
    project_id: IdPath, export_id: IdPath, file_name: FileName, ctx: CtxDep, actor: Downloader
) -> StreamingResponse:
    """One complete file of the export: a document (or zip) of its own; audited."""
    return _stream(exports.open_export_file(ctx, actor, project_id, export_id, file_name))


@router.get("/{export_id}/download", response_class=StreamingResponse, responses=CONFLICT)
def download(
    project_id: IdPath, export_id: IdPath, ctx: CtxDep, actor: Downloader
) -> StreamingResponse:
    """The whole export as one file, assembled from its parts while it is sent; 409 while
    the job has not finished. Audited."""
    return _stream(exports.download_export(ctx, actor, project_id, export_id))
