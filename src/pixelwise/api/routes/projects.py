"""Projects, their members, and their assets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, IdQuery, Limit, PageOut, page_out
from pixelwise.api.schemas.projects import (
    AssetOut,
    FoundItemsOut,
    InstructionChangeIn,
    InstructionChangeOut,
    ItemWindowOut,
    MemberIn,
    MemberOut,
    PlacedItemOut,
    ProgressOut,
    ProjectCreateIn,
    ProjectOut,
    ProjectUpdateIn,
)
from pixelwise.domain.permissions import Action
from pixelwise.services import (
    assets,
    item_positions,
    project_instruction,
    project_progress,
    projects,
)
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
        ctx,
        actor,
        name=body.name,
        description=body.description,
        dataset_id=body.dataset_id,
        folder=body.folder,
        instruction_id=body.instruction_id,
        instruction_version=body.instruction_version,
        workflow=body.workflow,
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
        ctx,
        actor,
        project_id,
        name=body.name,
        description=body.description,
        workflow=body.workflow,
    )
    return ProjectOut.model_validate(info)


@router.post("/{project_id}/instruction", response_model=InstructionChangeOut)
def change_instruction(
    project_id: IdPath,
    body: InstructionChangeIn,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.PROJECT_UPDATE))],
) -> InstructionChangeOut:
    """Pin another instruction version. Existing objects are migrated (values of removed
    attributes and answers of removed questions are dropped, as new revisions); what cannot
    be migrated (a removed class still in use, a changed tool) is listed and blocks the
    change with 409. `dry_run` only reports."""
    report = project_instruction.change_instruction(
        ctx, actor, project_id, body.instruction_id, body.version, dry_run=body.dry_run
    )
    return InstructionChangeOut.model_validate(report)


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


@router.get("/{project_id}/progress", response_model=ProgressOut)
def progress(
    project_id: IdPath, ctx: CtxDep, _: Annotated[Actor, Depends(permit(Action.PROJECT_READ))]
) -> ProgressOut:
    """The project's items counted by state (one grouped query), with how many open items
    are new and how many in progress."""
    return ProgressOut.model_validate(project_progress.project_progress(ctx, project_id))


Around = Annotated[int, Query(ge=0, le=item_positions.MAX_AROUND)]


@router.get("/{project_id}/item-window", response_model=ItemWindowOut)
def item_window(
    project_id: IdPath,
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.ITEM_LIST))],
    item_id: IdQuery = None,
    position: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    before: Around = 10,
    after: Around = 10,
) -> ItemWindowOut:
    """Consecutive items of the item list (id order) around one, each with its 1-based
    position: the anchor is `item_id`, or the item at `position` (give one of them)."""
    window = item_positions.item_window(
        ctx, project_id, item_id=item_id, position=position, before=before, after=after
    )
    return ItemWindowOut.model_validate(window)


@router.get("/{project_id}/item-search", response_model=FoundItemsOut)
def item_search(
    project_id: IdPath,
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.ITEM_LIST))],
    name: Annotated[str, Query(min_length=1, max_length=1000, description="Part of a path.")],
    limit: Annotated[int, Query(ge=1, le=item_positions.MAX_FOUND)] = 20,
) -> FoundItemsOut:
    """The first items (in list order) whose `folder/name` contains `name`, ignoring case,
    with their positions: "jump to item" by file name."""
    found = item_positions.find_items(ctx, project_id, name, limit=limit)
    return FoundItemsOut(items=[PlacedItemOut.model_validate(item) for item in found])
