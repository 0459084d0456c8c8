"""Sign in and out with a session cookie, and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from pixelwise.api.deps import CSRF_COOKIE, SESSION_COOKIE, CtxDep, client_address, permit
from pixelwise.api.schemas.accounts import LoginIn, LoginOut, MeUpdateIn, UserOut
from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.permissions import Action
from pixelwise.services import auth, users
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", response_model=LoginOut)
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    ctx: CtxDep,
    _: Annotated[Actor, Depends(permit(Action.AUTH_LOGIN))],
) -> LoginOut:
    """Check email and password; sets an HttpOnly session cookie and returns the CSRF token."""
    signed = auth.login(
        ctx,
        body.email,
        body.password,
        client_address(request),
        request.headers.get("user-agent", ""),
    )
    max_age = int(ctx.settings.session_hours * 3600)
    secure = ctx.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        signed.cookie,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        signed.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    assert signed.actor.user_id is not None
    user = users.get_user(ctx, signed.actor.user_id)
    return LoginOut(
        user=UserOut.model_validate(user),
        csrf_token=signed.csrf_token,
        expires_at=signed.expires_at,
    )


@router.post("/auth/logout", status_code=204)
def logout(
    response: Response, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.AUTH_LOGOUT))]
) -> None:
    """End the browser session and clear its cookies (harmless when not signed in)."""
    auth.logout(ctx, actor)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=UserOut)
def me(ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.ME_READ))]) -> UserOut:
    """The signed-in user."""
    assert actor.user_id is not None
    return UserOut.model_validate(users.get_user(ctx, actor.user_id))


@router.patch("/me", response_model=UserOut)
def update_me(
    body: MeUpdateIn, ctx: CtxDep, actor: Annotated[Actor, Depends(permit(Action.ME_UPDATE))]
) -> UserOut:
    """Change your name or password (a new password needs the current one)."""
    assert actor.user_id is not None
    if body.password is not None:
        ok = users.check_password(ctx, actor.user_id, body.current_password or "")
        if not ok:
            raise InvalidInput(
                "current_password is wrong; it is needed to set a new one.",
                field="current_password",
            )
    info = users.update_user(ctx, actor, actor.user_id, name=body.name, password=body.password)
    return UserOut.model_validate(info)
