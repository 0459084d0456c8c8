"""Authorisation: apply the permission table to a caller and, for project actions, a project."""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy import Connection, and_, bindparam, select

from pixelwise.db.models import Membership, Project
from pixelwise.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from pixelwise.domain.permissions import (
    SCOPES,
    Action,
    Principal,
    ProjectRole,
    Scope,
    is_allowed,
    principal_for,
)
from pixelwise.services.context import Actor, Context

# An open read connection a caller may share between several checks of one request.
Reader: TypeAlias = Connection

_ROLE_QUERY = (
    select(Project.id, Membership.role)
    .outerjoin(
        Membership,
        and_(Membership.project_id == Project.id, Membership.user_id == bindparam("user_id")),
    )
    .where(Project.id == bindparam("project_id"))
)  # built once: every project request runs it


def project_role(
    ctx: Context, user_id: int, project_id: int, connection: Connection | None = None
) -> ProjectRole | None:
    """The user's role in the project, or None when not a member. NotFound for no project.
    Read through `connection` when given (one the caller already holds)."""
    params = {"user_id": user_id, "project_id": project_id}
    if connection is not None:
        row = connection.execute(_ROLE_QUERY, params).one_or_none()
    else:
        with ctx.database.read_connection() as own:
            row = own.execute(_ROLE_QUERY, params).one_or_none()
    if row is None:
        raise NotFound(f"There is no project {project_id}.")
    return ProjectRole(row.role) if row.role else None


def authorize(
    ctx: Context,
    actor: Actor,
    action: Action,
    project_id: int | None = None,
    connection: Connection | None = None,
) -> Principal:
    """The caller's principal when the table allows `action`; raises otherwise (reading
    the project role through `connection` when given).

    Anonymous callers get NotAuthenticated (401), signed-in ones PermissionDenied (403).
    """
    scope = SCOPES[action]
    role: ProjectRole | None = None
    if scope is Scope.PROJECT and actor.signed_in and actor.org_role is not None:
        if project_id is None:
            raise PermissionDenied(f"'{action}' needs a project.")
        if actor.user_id is not None:
            role = project_role(ctx, actor.user_id, project_id, connection)
    principal = principal_for(
        scope,
        signed_in=actor.signed_in or actor.via == "system",
        org_role=actor.org_role,
        project_role=role,
    )
    if is_allowed(action, principal):
        return principal
    if principal is Principal.ANONYMOUS:
        raise NotAuthenticated(
            "Sign in (POST /api/auth/login) or send an API token "
            "as 'Authorization: Bearer <token>'."
        )
    where = f" in project {project_id}" if scope is Scope.PROJECT else ""
    raise PermissionDenied(f"Your role{where} ({principal}) does not allow '{action}'.")
