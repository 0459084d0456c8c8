"""User accounts: create, list, change, deactivate; and the caller's own profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pixelwise.db.models import LoginSession, User
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import audit
from pixelwise.services.auth import normalise_email
from pixelwise.services.context import Actor, Context
from pixelwise.services.passwords import check_strength, hash_password, verify_password


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    name: str
    org_role: OrgRole
    is_active: bool
    created_at: datetime


def _info(row: User) -> UserInfo:
    return UserInfo(
        id=row.id,
        email=row.email,
        name=row.name,
        org_role=OrgRole(row.org_role),
        is_active=row.is_active,
        created_at=row.created_at,
    )


def _check_email(email: str) -> str:
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > 320:
        raise InvalidInput(f"{email!r} is not an email address.", field="email")
    return email


def create_user(
    ctx: Context,
    actor: Actor,
    *,
    email: str,
    password: str,
    name: str = "",
    org_role: OrgRole = OrgRole.MEMBER,
) -> UserInfo:
    """A new active user; Conflict when the email is taken."""
    email = _check_email(email)
    check_strength(password)
    hashed = hash_password(
        password, time_cost=ctx.settings.argon2_time_cost, memory_kib=ctx.settings.argon2_memory_kib
    )
    try:
        with ctx.database.transaction() as session:
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise Conflict(f"A user with email {email} already exists.", field="email")
            row = User(email=email, name=name.strip(), password_hash=hashed, org_role=org_role)
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "user.create",
                target_type="user",
                target_id=row.id,
                email=email,
                org_role=str(org_role),
            )
            return _info(row)
    except IntegrityError:
        raise Conflict(f"A user with email {email} already exists.", field="email") from None


def get_user(ctx: Context, user_id: int) -> UserInfo:
    with ctx.database.read() as session:
        row = session.get(User, user_id)
        if row is None:
            raise NotFound(f"There is no user {user_id}.")
        return _info(row)


def find_user(ctx: Context, email: str) -> UserInfo:
    with ctx.database.read() as session:
        row = session.scalar(select(User).where(User.email == normalise_email(email)))
        if row is None:
            raise NotFound(f"There is no user with email {email!r}.")
        return _info(row)


def list_users(
    ctx: Context,
    *,
    cursor: str | None,
    limit: int,
    active: bool | None = None,
    search: str | None = None,
) -> Page[UserInfo]:
    """Users by id; `search` matches a part of the email or the name."""
    after = decode_cursor(cursor)
    query = select(User).order_by(User.id).limit(limit + 1)
    if after is not None:
        query = query.where(User.id > int(after))
    if active is not None:
        query = query.where(User.is_active == active)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(User.email.like(pattern) | User.name.ilike(pattern))
    with ctx.database.read() as session:
        rows = list(session.scalars(query))
    return page_from([_info(row) for row in rows], limit, key=lambda user: user.id)


def update_user(
    ctx: Context,
    actor: Actor,
    user_id: int,
    *,
    name: str | None = None,
    org_role: OrgRole | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> UserInfo:
    """Change the given fields. Deactivating ends the user's sessions at once.

    The last active organisation admin cannot be demoted or deactivated: nobody could
    administer the server afterwards.
    """
    if password is not None:
        check_strength(password)
    with ctx.database.transaction() as session:
        row = session.get(User, user_id)
        if row is None:
            raise NotFound(f"There is no user {user_id}.")
        changes: dict[str, Any] = {}
        losing_admin = (
            row.org_role == OrgRole.ADMIN
            and row.is_active
            and ((org_role is not None and org_role != OrgRole.ADMIN) or is_active is False)
        )
        if losing_admin:
            admins = session.scalars(
                select(User.id).where(User.org_role == OrgRole.ADMIN, User.is_active.is_(True))
            ).all()
            if len(admins) <= 1:
                raise Conflict(
                    "This is the last active organisation admin; make another user admin first."
                )
        if name is not None and name.strip() != row.name:
            row.name = changes["name"] = name.strip()
        if org_role is not None and org_role != row.org_role:
            row.org_role = changes["org_role"] = str(org_role)
        if is_active is not None and is_active != row.is_active:
            row.is_active = changes["is_active"] = is_active
            if not is_active:
                session.execute(delete(LoginSession).where(LoginSession.user_id == row.id))
        if password is not None:
            row.password_hash = hash_password(
                password,
                time_cost=ctx.settings.argon2_time_cost,
                memory_kib=ctx.settings.argon2_memory_kib,
            )
            changes["password"] = "changed"
        if changes:
            action = "user.deactivate" if changes.get("is_active") is False else "user.update"
            audit.record(session, actor, action, target_type="user", target_id=row.id, **changes)
        return _info(row)


def check_password(ctx: Context, user_id: int, password: str) -> bool:
    """True when `password` is the user's current password."""
    with ctx.database.read() as session:
        row = session.get(User, user_id)
    return verify_password(
        row.password_hash if row else None,
        password,
        time_cost=ctx.settings.argon2_time_cost,
        memory_kib=ctx.settings.argon2_memory_kib,
    )
