"""The caller's API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.accounts import NewTokenOut, TokenCreateIn, TokenOut
from pixelwise.api.schemas.common import IdPath
from pixelwise.domain.permissions import Action
from pixelwise.services import tokens
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/tokens", tags=["tokens"])
Caller = Annotated[Actor, Depends(permit(Action.TOKEN_MANAGE))]


@router.post("", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenCreateIn, ctx: CtxDep, actor: Caller) -> NewTokenOut:
    """A new token for `Authorization: Bearer <token>`; the secret is in this answer only."""
    new = tokens.create_token(ctx, actor, body.name, body.expires_in_days)
    return NewTokenOut(token=new.token, info=TokenOut.model_validate(new.info))


@router.get("", response_model=list[TokenOut])
def list_tokens(ctx: CtxDep, actor: Caller) -> list[TokenOut]:
    """Your tokens, newest first (secrets are never shown again)."""
    return [TokenOut.model_validate(info) for info in tokens.list_tokens(ctx, actor)]


@router.delete("/{token_id}", response_model=TokenOut)
def revoke_token(token_id: IdPath, ctx: CtxDep, actor: Caller) -> TokenOut:
    """Revoke a token at once; requests that use it get 401 from now on."""
    return TokenOut.model_validate(tokens.revoke_token(ctx, actor, token_id))
