"""Migrations: they build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pixelwise.db.base import Base
from pixelwise.db.engine import Database
from pixelwise.db.migrate import alembic_config, current_revision, head_revision, migrate


def test_migrated_database_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models changed without a migration: run scripts/new-migration"
    assert current_revision(database) == head_revision()


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'scratch.db'}")
    migrate(database)
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(database) is None
    before, after = migrate(database)
    assert (before, after) == (None, head_revision())
    database.dispose()


def test_head_revision_is_the_one_alembic_finds() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()


def test_sqlite_connections_are_tuned(tmp_path: Path) -> None:
    from sqlalchemy import text

    database = Database(f"sqlite:///{tmp_path / 'tuned.db'}")
    with database.transaction() as session:
        pragmas = {
            name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000,
                       "synchronous": 2}  # fmt: skip
    database.dispose()
