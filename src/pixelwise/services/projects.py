"""Projects and their members (instructions and workflow settings arrive with later use cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pixelwise.db.models import Dataset, Membership, Project, User
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.domain.permissions import OrgRole, ProjectRole
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    name: str
    description: str
    dataset_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    email: str
    name: str
    role: ProjectRole


def _info(row: Project) -> ProjectInfo:
    return ProjectInfo(
        id=row.id,
        name=row.name,
        description=row.description,
        dataset_id=row.dataset_id,
        created_at=row.created_at,
    )


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("A project needs a name.", field="name")
    return name


def create_project(
    ctx: Context, actor: Actor, *, name: str, description: str = "", dataset_id: int | None = None
) -> ProjectInfo:
    """A new project; its creator (if a user) becomes its admin."""
    name = _check_name(name)
    with ctx.database.transaction() as session:
        if dataset_id is not None and session.get(Dataset, dataset_id) is None:
            raise InvalidInput(f"There is no dataset {dataset_id}.", field="dataset_id")
        row = Project(
            name=name, description=description, dataset_id=dataset_id, created_by=actor.user_id
        )
        session.add(row)
        session.flush()
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
        return _info(row)


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
        rows = list(session.scalars(query))
    return page_from([_info(row) for row in rows], limit, key=lambda project: project.id)


def get_project(ctx: Context, project_id: int) -> ProjectInfo:
    with ctx.database.read() as session:
        row = session.get(Project, project_id)
        if row is None:
            raise NotFound(f"There is no project {project_id}.")
        return _info(row)


def update_project(
    ctx: Context,
    actor: Actor,
    project_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> ProjectInfo:
    with ctx.database.transaction() as session:
        row = session.get(Project, project_id)
        if row is None:
            raise NotFound(f"There is no project {project_id}.")
        changes: dict[str, str] = {}
        if name is not None:
            row.name = changes["name"] = _check_name(name)
        if description is not None:
            row.description = changes["description"] = description
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
        return _info(row)


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
