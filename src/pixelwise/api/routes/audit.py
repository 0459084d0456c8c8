"""The audit log for organisation admins: search it, or download it as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdQuery, Limit, PageOut, ResponseBody, page_out
from pixelwise.domain.permissions import Action
from pixelwise.services import audit
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/audit", tags=["audit"])
Admin = Annotated[Actor, Depends(permit(Action.AUDIT_READ))]


class AuditEventOut(ResponseBody):
    id: int
    at: datetime
    actor_id: int | None
    actor_email: str
    action: str
    target_type: str
    target_id: str
    project_id: int | None
    client_address: str
    detail: dict[str, Any]


def audit_filter(
    actor_id: IdQuery = None,
    actor_email: Annotated[str | None, Query(max_length=320)] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="Exact, or a prefix ending in '.'.")
    ] = None,
    target_type: Annotated[str | None, Query(max_length=50)] = None,
    target_id: Annotated[str | None, Query(max_length=320)] = None,
    project_id: IdQuery = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive.")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive.")] = None,
) -> audit.AuditFilter:
    return audit.AuditFilter(
        actor_id=actor_id,
        actor_email=actor_email,
        action=action,
        target_type=target_type,
        target_id=target_id,
        project_id=project_id,
        since=_utc(since),
        until=_utc(until),
    )


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


Filter = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("", response_model=PageOut[AuditEventOut])
def list_events(
    ctx: CtxDep, _: Admin, filters: Filter, cursor: Cursor = None, limit: Limit = 100
) -> PageOut[AuditEventOut]:
    """Events newest first, narrowed by any of the filters."""
    page = audit.list_events(ctx, filters, cursor=cursor, limit=limit)
    return page_out(AuditEventOut, page)


@router.get("/export.csv", response_class=StreamingResponse)
def export_events(ctx: CtxDep, actor: Admin, filters: Filter) -> StreamingResponse:
    """Every matching event as CSV, oldest first, streamed."""
    return StreamingResponse(
        audit.export_csv(ctx, actor, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pixelwise-audit.csv"'},
    )
