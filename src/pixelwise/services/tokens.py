"""API tokens: create (shown once), list and revoke a user's own bearer tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from pixelwise.db.models import ApiToken, User
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.services import audit
from pixelwise.services.auth import TOKEN_PREFIX, normalise_email, sha256
from pixelwise.services.context import Actor, Context

MAX_DAYS = 3650


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: `token` is the secret, never shown again."""

    info: TokenInfo
    token: str


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_token(
    ctx: Context,
    actor: Actor,
    name: str,
    expires_in_days: int | None = None,
    *,
    for_email: str | None = None,
) -> NewToken:
    """A new token for the caller (or, from the CLI, for the user `for_email`)."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name, so you can tell it apart later.", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(
            f"expires_in_days must lie between 1 and {MAX_DAYS}.", field="expires_in_days"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = ctx.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with ctx.database.transaction() as session:
        if for_email is not None:
            user = session.scalar(select(User).where(User.email == normalise_email(for_email)))
            if user is None:
                raise NotFound(f"There is no user with email {for_email!r}.")
            user_id = user.id
        elif actor.user_id is not None:
            user_id = actor.user_id
        else:
            raise InvalidInput("A token belongs to a user; name one.", field="email")
        row = ApiToken(
            user_id=user_id,
            name=name,
            token_hash=sha256(secret),
            prefix=secret[:10],
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "token.create", target_type="token", target_id=row.id, name=name
        )
        return NewToken(_info(row), secret)


def list_tokens(ctx: Context, actor: Actor) -> list[TokenInfo]:
    """The caller's tokens, newest first, revoked ones included."""
    with ctx.database.read() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())
        )
        return [_info(row) for row in rows]


def revoke_token(ctx: Context, actor: Actor, token_id: int) -> TokenInfo:
    """Revoke one of the caller's tokens; revoking twice is harmless."""
    with ctx.database.transaction() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound(f"You have no API token {token_id}.")
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
            audit.record(session, actor, "token.revoke", target_type="token", target_id=row.id)
        return _info(row)
