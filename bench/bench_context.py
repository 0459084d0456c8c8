"""A fresh, migrated Pixelwise context for the in-process benches, with an admin and its
API token: a temporary home, and the database of `PIXELWISE_DATABASE_URL` (emptied first
on PostgreSQL) or else an embedded SQLite one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import text

from pixelwise.app import build_context
from pixelwise.db.migrate import migrate
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import tokens, users
from pixelwise.services.context import Actor, Context
from pixelwise.settings import Settings


def fresh_context() -> tuple[Context, str]:
    """The context and an organisation admin's bearer token."""
    settings = Settings(
        home=Path(tempfile.mkdtemp(prefix="pixelwise-bench-")),
        database_url=os.environ.get("PIXELWISE_DATABASE_URL", ""),
        secret_key="bench",
        embedded_worker=False,
        log_level="warning",  # type: ignore[arg-type]
    )
    ctx = build_context(settings)
    if ctx.database.dialect == "postgresql":
        with ctx.database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(ctx.database)
    system = Actor.system("bench")
    users.create_user(
        ctx, system, email="bench@example.org", password="bench-password", org_role=OrgRole.ADMIN
    )
    token = tokens.create_token(ctx, system, "bench", for_email="bench@example.org").token
    return ctx, token
