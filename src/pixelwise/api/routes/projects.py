"""Projects, their members, and their assets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.api.schemas.projects import (
    AssetOut,
    MemberIn,
    MemberOut,
    ProjectCreateIn,
    ProjectOut,
    ProjectUpdateIn,
)
from pixelwise.domain.permissions import Action
from pixelwise.services import assets, projects, renditions
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(
    body: ProjectCreateIn,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.PROJECT_CREATE))],
) -> ProjectOut:
    """A new project; you become its admin."""
    info = projects.create_project(
        ctx, actor, name=body.name, description=body.description, dataset_id=body.dataset_id
    )
    return ProjectOut.model_validate(info)


@router.get("", response_model=PageOut[ProjectOut])
def list_projects(
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.PROJECT_LIST))],
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PageOut[ProjectOut]:
    """Projects you are a member of (organisation admins: all)."""
    page = projects.list_projects(ctx, actor, cursor=cursor, limit=limit)
    return page_out(ProjectOut, page)


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(
    project_id: IdPath, ctx: CtxDep, _: Annotated[Actor, Depends(permit(Action.PROJECT_READ))]
) -> ProjectOut:
    return ProjectOut.model_validate(projects.get_project(ctx, project_id))


@router.patch("/{project_id}", response_model=ProjectOut)
def update_project(
    project_id: IdPath,
    body: ProjectUpdateIn,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.PROJECT_UPDATE))],
) -> ProjectOut:
    info = projects.update_project(
        ctx, actor, project_id, name=body.name, description=body.description
    )
    return ProjectOut.model_validate(info)


@router.get("/{project_id}/members", response_model=list[MemberOut])
def list_members(
    project_id: IdPath, ctx: CtxDep, _: Annotated[Actor, Depends(permit(Action.MEMBER_LIST))]
) -> list[MemberOut]:
    return [MemberOut.model_validate(m) for m in projects.list_members(ctx, project_id)]


@router.put("/{project_id}/members/{user_id}", response_model=MemberOut)
def set_member(
    project_id: IdPath,
    user_id: IdPath,
    body: MemberIn,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.MEMBER_MANAGE))],
) -> MemberOut:
    """Add a user to the project with a role, or change their role."""
    return MemberOut.model_validate(projects.set_member(ctx, actor, project_id, user_id, body.role))


@router.delete("/{project_id}/members/{user_id}", status_code=204)
def remove_member(
    project_id: IdPath,
    user_id: IdPath,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.MEMBER_MANAGE))],
) -> None:
    projects.remove_member(ctx, actor, project_id, user_id)


@router.get("/{project_id}/assets", response_model=PageOut[AssetOut])
def list_assets(
    project_id: IdPath,
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.ASSET_LIST))],
    cursor: Cursor = None,
    limit: Limit = 50,
    folder: Annotated[str | None, Query(max_length=1000)] = None,
) -> PageOut[AssetOut]:
    page = assets.list_assets(ctx, project_id, cursor=cursor, limit=limit, folder=folder)
    return page_out(AssetOut, page)


def _stream(
    file: assets.AssetFile, *, download: bool, cache: str | None = None
) -> StreamingResponse:
    disposition = "attachment" if download else "inline"
    safe_name = file.name.replace('"', "").replace("\r", "").replace("\n", "")
    headers = {
        "Content-Length": str(file.size_bytes),
        "Content-Disposition": f'{disposition}; filename="{safe_name}"',
        "Cache-Control": cache or ("private, no-store" if download else "private, max-age=3600"),
        "X-Content-Type-Options": "nosniff",
    }
    if file.etag:
        headers["ETag"] = file.etag
    return StreamingResponse(file.chunks, media_type=file.media_type, headers=headers)


@router.get("/{project_id}/assets/{asset_id}/view", response_class=StreamingResponse)
def view_asset(
    project_id: IdPath,
    asset_id: IdPath,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.ASSET_VIEW))],
) -> StreamingResponse:
    """The asset for display in the labeling workspace (every project member)."""
    return _stream(
        assets.open_asset(ctx, actor, project_id, asset_id, download=False), download=False
    )


@router.get("/{project_id}/assets/{asset_id}/original", response_class=StreamingResponse)
def download_asset(
    project_id: IdPath,
    asset_id: IdPath,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.ASSET_DOWNLOAD))],
) -> StreamingResponse:
    """Download the original file (project and organisation admins only; annotators never)."""
    return _stream(
        assets.open_asset(ctx, actor, project_id, asset_id, download=True), download=True
    )


@router.get(
    "/{project_id}/assets/{asset_id}/thumbnail",
    response_class=StreamingResponse,
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)."}},
)
def thumbnail(
    project_id: IdPath,
    asset_id: IdPath,
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.ASSET_VIEW))],
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """A 256-pixel WebP thumbnail, made on first request and kept; answers 304 to a known ETag."""
    file = renditions.thumbnail(ctx, project_id, asset_id)
    if file.etag and if_none_match and file.etag in if_none_match:
        file.chunks.close()  # type: ignore[attr-defined]
        return Response(status_code=304, headers={"ETag": file.etag})
    return _stream(file, download=False, cache="private, max-age=86400")
