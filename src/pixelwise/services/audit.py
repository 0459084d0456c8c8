"""The audit log: record every sign-in, change and read of original data; search and export it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pixelwise.db.models import AuditEvent
from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.services.context import Actor, Context

CSV_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "project_id",
    "client_address",
    "detail",
)


@dataclass(frozen=True)
class AuditEntry:
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


@dataclass(frozen=True)
class AuditFilter:
    """Each given field narrows the search; `action` ending in '.' matches a prefix."""

    actor_id: int | None = None
    actor_email: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    project_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: str | int = "",
    project_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one event to the caller's transaction, so it is kept exactly when the change is."""
    session.add(
        AuditEvent(
            actor_id=actor.user_id,
            actor_email=actor.email,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            project_id=project_id,
            client_address=actor.client_address,
            detail=detail,
        )
    )


def _query(filters: AuditFilter) -> Select[AuditEvent]:
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("'since' is after 'until': no event can match.", field="since")
    query = select(AuditEvent)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.actor_email:
        query = query.where(AuditEvent.actor_email == filters.actor_email.strip().lower())
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.project_id is not None:
        query = query.where(AuditEvent.project_id == filters.project_id)
    if filters.since:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.at < filters.until)
    return query


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        actor_email=row.actor_email,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        project_id=row.project_id,
        client_address=row.client_address,
        detail=dict(row.detail or {}),
    )


def list_events(
    ctx: Context, filters: AuditFilter, *, cursor: str | None, limit: int
) -> Page[AuditEntry]:
    """Newest first, `limit` at a time."""
    after = decode_cursor(cursor)
    query = _query(filters)
    if after is not None:
        query = query.where(AuditEvent.id < int(after))
    query = query.order_by(AuditEvent.id.desc()).limit(limit + 1)
    with ctx.database.read() as session:
        rows = list(session.scalars(query))
    return page_from([_entry(row) for row in rows], limit, key=lambda event: event.id)


def export_csv(
    ctx: Context, actor: Actor, filters: AuditFilter, batch: int = 1000
) -> Iterator[str]:
    """The matching events as CSV text, oldest first, in batches of `batch` rows.

    The filters are checked and the export recorded before this returns, so that bad
    input is an error response rather than a broken stream.
    """
    base = _query(filters)
    with ctx.database.transaction() as session:
        record(session, actor, "audit.export", target_type="audit")
    return _csv_batches(ctx, base, batch)


def _csv_batches(ctx: Context, base: Select[AuditEvent], batch: int) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield out.getvalue()
    last = 0
    while True:
        with ctx.database.read() as session:
            rows = list(
                session.scalars(
                    base.where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
                )
            )
        if not rows:
            return
        out.seek(0)
        out.truncate()
        for row in rows:
            entry = _entry(row)
            writer.writerow(
                [
                    entry.id,
                    entry.at.isoformat(),
                    entry.actor_id or "",
                    entry.actor_email,
                    entry.action,
                    entry.target_type,
                    entry.target_id,
                    entry.project_id or "",
                    entry.client_address,
                    _json(entry.detail),
                ]
            )
        last = rows[-1].id
        yield out.getvalue()


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str) if value else ""
