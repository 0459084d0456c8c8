"""Dependencies shared by routers: the service context and the caller, checked against the table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from pixelwise.api.schemas.common import MAX_ID
from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.permissions import Action
from pixelwise.services import access, auth
from pixelwise.services.context import Actor, Context

SESSION_COOKIE = "pixelwise_session"
CSRF_COOKIE = "pixelwise_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_context(request: Request) -> Context:
    """The app's context. Async on purpose: it does no I/O, and a sync dependency would
    cost every request a trip through the thread pool."""
    return _context(request)


def _context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


CtxDep = Annotated[Context, Depends(get_context)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def identify(
    request: Request, ctx: Context, connection: access.Reader | None = None
) -> tuple[Actor, int | None]:
    """The caller, from the bearer token or else the session cookie; anonymous if neither.
    With it, the id of an API token whose last use is to be recorded (`auth.touch_token`).
    A token is looked up through `connection` when given."""
    address = client_address(request)
    stale_token: int | None = None
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidInput(
                "The Authorization header must read 'Bearer <token>'.", field="authorization"
            )
        actor, stale_token = auth.token_actor(ctx, token.strip(), address, connection)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        actor = auth.from_session_cookie(
            ctx,
            cookie,
            address,
            csrf_header=request.headers.get(CSRF_HEADER),
            unsafe=request.method not in SAFE_METHODS,
        )
    else:
        actor = Actor.anonymous(address)
    request.state.actor = actor
    return actor, stale_token


def _project_id(request: Request) -> int | None:
    raw = request.path_params.get("project_id")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise InvalidInput(f"project_id must be a whole number from 1 to {MAX_ID}, not {raw!r}.")
    return value


class Permit:
    """Dependency that identifies the caller and checks `action` in the permission table.

    Every route declares exactly one; the route-walking test finds it as `route_action`.
    It runs on the event loop: the checks are one or two indexed reads of a fraction of a
    millisecond, less than a trip through the thread pool and back on every request. The
    one write, a token's last use (at most once a minute), goes to the pool.
    """

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(self, request: Request) -> Actor:
        ctx = _context(request)
        project_id = _project_id(request)
        with ctx.database.read_connection() as connection:  # one for both reads
            actor, stale_token = identify(request, ctx, connection)
            if stale_token is None:
                access.authorize(ctx, actor, self.action, project_id, connection)
                return actor
        await run_in_threadpool(auth.touch_token, ctx, stale_token)
        access.authorize(ctx, actor, self.action, project_id)
        return actor

    def __repr__(self) -> str:
        return f"Permit({self.action})"


def permit(action: Action) -> Permit:
    return Permit(action)


def route_action(route: object) -> Action | None:
    """The action a route declared through `Permit`, or None (a route that escaped the table)."""
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Permit):
            return dep.call.action
        stack.extend(dep.dependencies)
    return None
