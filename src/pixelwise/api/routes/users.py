"""User administration (organisation admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.accounts import UserCreateIn, UserOut, UserUpdateIn
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.domain.permissions import Action
from pixelwise.services import users
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", response_model=PageOut[UserOut])
def list_users(
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.USER_LIST))],
    cursor: Cursor = None,
    limit: Limit = 50,
    active: bool | None = None,
    search: Annotated[str | None, Query(max_length=320)] = None,
) -> PageOut[UserOut]:
    """Users by id; filter by active flag or a part of the email or name."""
    page = users.list_users(ctx, cursor=cursor, limit=limit, active=active, search=search)
    return page_out(UserOut, page)


@router.post("", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreateIn, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.USER_CREATE))]
) -> UserOut:
    """A new user who can sign in with this email and password."""
    info = users.create_user(
        ctx,
        actor,
        email=body.email,
        password=body.password,
        name=body.name,
        org_role=body.org_role,
    )
    return UserOut.model_validate(info)


@router.get("/{user_id}", response_model=UserOut)
def get_user(
    user_id: IdPath, ctx: CtxDep, _: Annotated[Actor, Depends(permit(Action.USER_READ))]
) -> UserOut:
    return UserOut.model_validate(users.get_user(ctx, user_id))


@router.patch("/{user_id}", response_model=UserOut)
def update_user(
    user_id: IdPath,
    body: UserUpdateIn,
    ctx: CtxDep,
    actor: Annotated[Actor, Depends(permit(Action.USER_UPDATE))],
) -> UserOut:
    """Change name, role, password or active flag; deactivating signs the user out everywhere."""
    info = users.update_user(
        ctx,
        actor,
        user_id,
        name=body.name,
        org_role=body.org_role,
        is_active=body.is_active,
        password=body.password,
    )
    return UserOut.model_validate(info)
