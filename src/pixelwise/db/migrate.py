"""Bring a database's schema to the newest revision (Alembic), quickly when it already is.

Revision ids are sequential numbers that prefix the file names in `migrations/versions`
(`0001_initial.py`), so the head is known without loading Alembic; Alembic itself is
imported only when there is something to upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from pixelwise.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the packaged migrations against `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with database.engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    """The newest revision shipped with this version of Pixelwise."""
    ids = [p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")]
    return max(ids) if ids else None


def next_revision_id() -> str:
    head = head_revision()
    return f"{int(head or 0) + 1:04d}"


def migrate(database: Database) -> tuple[str | None, str | None]:
    """Upgrade to head; returns (revision before, revision after)."""
    before = current_revision(database)
    head = head_revision()
    if before != head:
        from alembic import command

        config = alembic_config(database.url)
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return before, head
