"""Signing in and out, and recognising the caller from a session cookie or an API token."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, bindparam, func, select, update

from pixelwise.db.models import ApiToken, AuditEvent, LoginSession, User
from pixelwise.domain.errors import NotAuthenticated, PermissionDenied, TooManyRequests
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context
from pixelwise.services.passwords import verify_password

TOKEN_PREFIX = "pxw_"
LOGIN_FAILED = "auth.login_failed"
LOGIN_OK = "auth.login"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class SignIn:
    """A new browser session: `cookie` goes in the session cookie, `csrf_token` in a header."""

    actor: Actor
    cookie: str
    csrf_token: str
    expires_at: datetime


def _signer(ctx: Context) -> URLSafeSerializer:
    return URLSafeSerializer(ctx.settings.secret(), salt="pixelwise.session")


def _retry_after(ctx: Context, failures: list[datetime], limit: int) -> int | None:
    """Seconds until fewer than `limit` of `failures` lie inside the window, or None if already."""
    if len(failures) < limit:
        return None
    window = timedelta(seconds=ctx.settings.login_window_seconds)
    # failures are newest first; the limit-th newest must age out of the window.
    release = failures[limit - 1] + window
    return max(1, math.ceil((release - ctx.now()).total_seconds()))


def _check_throttle(ctx: Context, email: str, address: str) -> None:
    """TooManyRequests while an account or an address has too many recent failed sign-ins.

    Failures are read from the audit log, so every server process sees the same count;
    an account's count starts again after its last successful sign-in.
    """
    settings = ctx.settings
    since = ctx.now() - timedelta(seconds=settings.login_window_seconds)
    with ctx.database.read() as session:
        last_ok = session.scalar(
            select(func.max(AuditEvent.at)).where(
                AuditEvent.action == LOGIN_OK, AuditEvent.target_id == email
            )
        )
        account_since = max(since, last_ok) if last_ok else since
        by_account = list(
            session.scalars(
                select(AuditEvent.at)
                .where(
                    AuditEvent.action == LOGIN_FAILED,
                    AuditEvent.target_type == "user",
                    AuditEvent.target_id == email,
                    AuditEvent.at > account_since,
                )
                .order_by(AuditEvent.at.desc())
                .limit(settings.login_max_failures_per_account)
            )
        )
        by_address = (
            list(
                session.scalars(
                    select(AuditEvent.at)
                    .where(
                        AuditEvent.action == LOGIN_FAILED,
                        AuditEvent.client_address == address,
                        AuditEvent.at > since,
                    )
                    .order_by(AuditEvent.at.desc())
                    .limit(settings.login_max_failures_per_address)
                )
            )
            if address
            else []
        )
    waits = [
        wait
        for wait in (
            _retry_after(ctx, by_account, settings.login_max_failures_per_account),
            _retry_after(ctx, by_address, settings.login_max_failures_per_address),
        )
        if wait is not None
    ]
    if waits:
        wait = max(waits)
        raise TooManyRequests(
            f"Too many failed sign-ins; try again in {wait} seconds.", retry_after=wait
        )


def login(ctx: Context, email: str, password: str, client_address: str, user_agent: str) -> SignIn:
    """Check the password and open a session; NotAuthenticated on any mismatch."""
    email = normalise_email(email)
    _check_throttle(ctx, email, client_address)
    settings = ctx.settings
    with ctx.database.read() as session:
        user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(
        user.password_hash if user else None,
        password,
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
    )
    anonymous = Actor(user_id=None, email=email, client_address=client_address)
    if user is None or not ok or not user.is_active:
        reason = "unknown email" if user is None else "wrong password" if not ok else "inactive"
        with ctx.database.transaction() as session:
            audit.record(
                session,
                anonymous,
                LOGIN_FAILED,
                target_type="user",
                target_id=email,
                reason=reason,
            )
        raise NotAuthenticated("The email or password is wrong, or the account is deactivated.")
    key = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = ctx.now() + timedelta(hours=settings.session_hours)
    actor = Actor(
        user_id=user.id,
        email=user.email,
        org_role=OrgRole(user.org_role),
        via="session",
        client_address=client_address,
    )
    with ctx.database.transaction() as session:
        row = LoginSession(
            user_id=user.id,
            key_hash=sha256(key),
            csrf_token=csrf,
            client_address=client_address,
            user_agent=user_agent[:400],
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, LOGIN_OK, target_type="user", target_id=email)
    return SignIn(
        actor=replace(actor, session_id=row.id),
        cookie=_signer(ctx).dumps(key),
        csrf_token=csrf,
        expires_at=expires,
    )


def logout(ctx: Context, actor: Actor) -> None:
    """End the caller's browser session (an API token caller has none to end)."""
    if actor.session_id is None:
        return
    with ctx.database.transaction() as session:
        row = session.get(LoginSession, actor.session_id)
        if row is not None:
            session.delete(row)
        audit.record(session, actor, "auth.logout", target_type="user", target_id=actor.email)


def _actor_for(user: User, via: str, client_address: str, session_id: int | None = None) -> Actor:
    if not user.is_active:
        raise NotAuthenticated("This account is deactivated; ask an organisation admin.")
    return Actor(
        user_id=user.id,
        email=user.email,
        org_role=OrgRole(user.org_role),
        via=via,
        client_address=client_address,
        session_id=session_id,
    )


def from_session_cookie(
    ctx: Context, cookie: str, client_address: str, *, csrf_header: str | None, unsafe: bool
) -> Actor:
    """The user of a session cookie; unsafe methods must echo the session's CSRF token."""
    try:
        key = _signer(ctx).loads(cookie)
    except BadSignature:
        raise NotAuthenticated("The session cookie is invalid; sign in again.") from None
    with ctx.database.read() as session:
        row = session.scalar(select(LoginSession).where(LoginSession.key_hash == sha256(str(key))))
        if row is None or row.expires_at <= ctx.now():
            raise NotAuthenticated("Your session has ended; sign in again.")
        user = session.get(User, row.user_id)
    if unsafe and not (csrf_header and hmac.compare_digest(csrf_header, row.csrf_token)):
        raise PermissionDenied(
            "Missing or wrong CSRF token: send the csrf_token from sign-in in the "
            "'X-CSRF-Token' header with every POST, PUT, PATCH and DELETE."
        )
    if user is None:
        raise NotAuthenticated("Your session has ended; sign in again.")
    return _actor_for(user, "session", client_address, row.id)


_TOKEN_QUERY = (
    select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        User.id.label("user_id"),
        User.email,
        User.org_role,
        User.is_active,
    )
    .outerjoin(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)  # built once: every API request runs it


def from_api_token(ctx: Context, token: str, client_address: str) -> Actor:
    """The user of a bearer token; expired, revoked or unknown tokens are refused."""
    actor, stale = token_actor(ctx, token, client_address)
    if stale is not None:
        touch_token(ctx, stale)
    return actor


def token_actor(
    ctx: Context, token: str, client_address: str, connection: Connection | None = None
) -> tuple[Actor, int | None]:
    """`from_api_token` in one read (through `connection` when given), without its write:
    the caller, and the id of the token when its last use is to be recorded with
    `touch_token` (None when it was recently)."""
    now = ctx.now()
    params = {"token_hash": sha256(token)}
    if connection is not None:
        row = connection.execute(_TOKEN_QUERY, params).one_or_none()
    else:
        with ctx.database.read_connection() as own:
            row = own.execute(_TOKEN_QUERY, params).one_or_none()
    if row is None:
        raise NotAuthenticated("The API token is unknown; create one with POST /api/tokens.")
    expires_at, last_used_at = row.expires_at, row.last_used_at
    if row.revoked_at is not None:
        raise NotAuthenticated(f"The API token '{row.name}' was revoked.")
    if expires_at is not None and expires_at <= now:
        raise NotAuthenticated(f"The API token '{row.name}' expired on {expires_at:%Y-%m-%d}.")
    if row.user_id is None:
        raise NotAuthenticated("The API token's user no longer exists.")
    # Coarse, so that reads made with a token do not all become writes.
    stale = row.id if last_used_at is None or (now - last_used_at).total_seconds() > 60 else None
    if not row.is_active:
        if stale is not None:
            touch_token(ctx, stale)
        raise NotAuthenticated("This account is deactivated; ask an organisation admin.")
    actor = Actor(
        user_id=row.user_id,
        email=row.email,
        org_role=OrgRole(row.org_role),
        via="token",
        client_address=client_address,
    )
    return actor, stale


def touch_token(ctx: Context, token_id: int) -> None:
    """Record that the token was used now."""
    with ctx.database.transaction() as session:
        session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=ctx.now())
        )
