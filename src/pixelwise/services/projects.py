"""Projects and their members (instructions and workflow settings arrive with later use cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixelwise.db.models import (
    Dataset,
    Instruction,
    InstructionVersion,
    Membership,
    Project,
    User,
    WorkItem,
)
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.domain.permissions import OrgRole, ProjectRole
from pixelwise.domain.workflow import parse_workflow
from pixelwise.services import audit, work_items
from pixelwise.services.context import Actor, Context


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    name: str
    description: str
    dataset_id: int | None
    folder: str
    instruction_id: int | None
    instruction_version: int | None
    workflow: dict[str, Any]
    item_count: int
    created_at: datetime


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    email: str
    name: str
    role: ProjectRole


def _info(session: Session, row: Project) -> ProjectInfo:
    pinned = (
        session.get(InstructionVersion, row.instruction_version_id)
        if row.instruction_version_id is not None
        else None
    )
    count = session.scalar(select(func.count()).where(WorkItem.project_id == row.id))
    return ProjectInfo(
        id=row.id,
        name=row.name,
        description=row.description,
        dataset_id=row.dataset_id,
        folder=row.folder,
        instruction_id=pinned.instruction_id if pinned else None,
        instruction_version=pinned.version if pinned else None,
        workflow=parse_workflow(row.workflow).model_dump(mode="json"),
        item_count=int(count or 0),
        created_at=row.created_at,
    )


def _folder(folder: str) -> str:
    parts = [part for part in folder.strip().strip("/").split("/") if part]
    if any(part in {".", ".."} for part in parts):
        raise InvalidInput("folder: `.` and `..` are not folder names.", field="folder")
    return "/".join(parts)


def find_version(session: Session, instruction_id: int, version: int | None) -> InstructionVersion:
    """Version `version` (None: the latest) of instruction `instruction_id`."""
    instruction = session.get(Instruction, instruction_id)
    if instruction is None:
        raise InvalidInput(f"There is no instruction {instruction_id}.", field="instruction_id")
    number = instruction.latest_version if version is None else version
    row = session.scalar(
        select(InstructionVersion).where(
            InstructionVersion.instruction_id == instruction_id,
            InstructionVersion.version == number,
        )
    )
    if row is None:
        raise InvalidInput(
            f"Instruction {instruction_id} has no version {number}; its latest is "
            f"{instruction.latest_version}.",
            field="instruction_version",
        )
    return row


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("A project needs a name.", field="name")
    return name


def create_project(
    ctx: Context,
    actor: Actor,
    *,
    name: str,
    description: str = "",
    dataset_id: int | None = None,
    folder: str = "",
    instruction_id: int | None = None,
    instruction_version: int | None = None,
    workflow: dict[str, Any] | None = None,
) -> ProjectInfo:
    """A new project over `dataset_id` (or its `folder`), pinning a version of an
    instruction (None: its latest); its creator (if a user) becomes its admin, and a work
    item is made for every asset."""
    name = _check_name(name)
    folder = _folder(folder)
    settings = parse_workflow(workflow).model_dump(mode="json")
    if folder and dataset_id is None:
        raise InvalidInput("A folder needs a dataset_id to be a folder of.", field="folder")
    if instruction_version is not None and instruction_id is None:
        raise InvalidInput("instruction_version needs instruction_id.", field="instruction_id")
    with ctx.database.transaction() as session:
        if dataset_id is not None and session.get(Dataset, dataset_id) is None:
            raise InvalidInput(f"There is no dataset {dataset_id}.", field="dataset_id")
        pinned = (
            find_version(session, instruction_id, instruction_version)
            if instruction_id is not None
            else None
        )
        row = Project(
            name=name,
            description=description,
            dataset_id=dataset_id,
            folder=folder,
            instruction_version_id=pinned.id if pinned else None,
            workflow=settings,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        if dataset_id is not None:
            work_items.add_missing(session, dataset_id=dataset_id)
        if actor.user_id is not None:
            session.add(
                Membership(project_id=row.id, user_id=actor.user_id, role=ProjectRole.ADMIN)
            )
        audit.record(
            session,
            actor,
            "project.create",
            target_type="project",
            target_id=row.id,
            project_id=row.id,
            name=name,
        )
        return _info(session, row)


def list_projects(
    ctx: Context, actor: Actor, *, cursor: str | None, limit: int
) -> Page[ProjectInfo]:
    """Projects the caller is a member of; organisation admins see all."""
    after = decode_cursor(cursor)
    query = select(Project).order_by(Project.id).limit(limit + 1)
    if after is not None:
        query = query.where(Project.id > int(after))
    if actor.org_role is not OrgRole.ADMIN:
        query = query.join(Membership).where(Membership.user_id == actor.user_id)
    with ctx.database.read() as session:
        infos = [_info(session, row) for row in session.scalars(query)]
    return page_from(infos, limit, key=lambda project: project.id)


def get_project(ctx: Context, project_id: int) -> ProjectInfo:
    with ctx.database.read() as session:
        row = session.get(Project, project_id)
        if row is None:
            raise NotFound(f"There is no project {project_id}.")
        return _info(session, row)


def update_project(
    ctx: Context,
    actor: Actor,
    project_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    workflow: dict[str, Any] | None = None,
) -> ProjectInfo:
    with ctx.database.transaction() as session:
        row = session.get(Project, project_id)
        if row is None:
            raise NotFound(f"There is no project {project_id}.")
        changes: dict[str, Any] = {}
        if name is not None:
            row.name = changes["name"] = _check_name(name)
        if description is not None:
            row.description = changes["description"] = description
        if workflow is not None:
            row.workflow = changes["workflow"] = parse_workflow(workflow).model_dump(mode="json")
        if changes:
            audit.record(
                session,
                actor,
                "project.update",
                target_type="project",
                target_id=row.id,
                project_id=row.id,
                **changes,
            )
        return _info(session, row)


def list_members(ctx: Context, project_id: int) -> list[MemberInfo]:
    with ctx.database.read() as session:
        rows = session.execute(
            select(Membership.role, User.id, User.email, User.name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.project_id == project_id)
            .order_by(User.email)
        ).all()
    return [
        MemberInfo(user_id=uid, email=email, name=name, role=ProjectRole(role))
        for role, uid, email, name in rows
    ]


def set_member(
    ctx: Context, actor: Actor, project_id: int, user_id: int, role: ProjectRole
) -> MemberInfo:
    """Add a user to the project, or change their role."""
    with ctx.database.transaction() as session:
        if session.get(Project, project_id) is None:
            raise NotFound(f"There is no project {project_id}.")
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        row = session.get(Membership, (project_id, user_id))
        if row is None:
            session.add(Membership(project_id=project_id, user_id=user_id, role=role))
        elif row.role != role:
            row.role = role
        audit.record(
            session,
            actor,
            "member.set",
            target_type="user",
            target_id=user_id,
            project_id=project_id,
            role=str(role),
        )
        return MemberInfo(user_id=user.id, email=user.email, name=user.name, role=role)


def remove_member(ctx: Context, actor: Actor, project_id: int, user_id: int) -> None:
    with ctx.database.transaction() as session:
        row = session.get(Membership, (project_id, user_id))
        if row is None:
            raise NotFound(f"User {user_id} is not a member of project {project_id}.")
        session.delete(row)
        audit.record(
            session,
            actor,
            "member.remove",
            target_type="user",
            target_id=user_id,
            project_id=project_id,
        )
