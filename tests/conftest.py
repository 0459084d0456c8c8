"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
PIXELWISE_TEST_DATABASE_URL is set), a real app with its in-process job worker, users."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

# Tests must not pick up the settings of a developer's own server.
for _name in list(os.environ):
    if _name.startswith("PIXELWISE_") and not _name.startswith("PIXELWISE_TEST_"):
        del os.environ[_name]

from pixelwise.app import create_app  # noqa: E402
from pixelwise.db.base import Base  # noqa: E402
from pixelwise.db.engine import Database  # noqa: E402
from pixelwise.db.migrate import migrate  # noqa: E402
from pixelwise.domain.permissions import OrgRole  # noqa: E402
from pixelwise.jobs.runtime import JobRuntime  # noqa: E402
from pixelwise.services import tokens, users  # noqa: E402
from pixelwise.services.context import Actor, Context  # noqa: E402
from pixelwise.settings import Settings  # noqa: E402
from pixelwise.storage.blobs import LocalBlobStore  # noqa: E402

from helpers import PASSWORD  # noqa: E402

TEST_DATABASE_URL = os.environ.get("PIXELWISE_TEST_DATABASE_URL", "")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that never reach the test database: the run on a second database
    engine (`scripts/test`) leaves them out, since they would only repeat themselves."""
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dbless)


def pytest_report_header() -> str:
    return f"pixelwise test database: {TEST_DATABASE_URL or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pixelwise.db'}"


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> Iterator[Database]:
    url = Settings(database_url=database_url).effective_database_url
    database = Database(url)
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate(database)
    yield database
    database.dispose()


def empty_tables(database: Database) -> None:
    """Delete every row of every table (children first)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def database(_migrated: Database) -> Database:
    empty_tables(_migrated)
    return _migrated


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test-secret-key",  # type: ignore[arg-type]
        argon2_time_cost=1,
        argon2_memory_kib=64,
        job_heartbeat_seconds=0.2,
        log_level="warning",
    )


@pytest.fixture
def ctx(settings: Settings, database: Database) -> Context:
    context = Context(
        settings=settings, database=database, blobs=LocalBlobStore(settings.home_dir / "blobs")
    )
    context.enqueuer = JobRuntime(context)
    return context


@pytest.fixture
def app(settings: Settings, ctx: Context) -> FastAPI:
    return create_app(settings, ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


UserFactory = Callable[..., tuple[users.UserInfo, str]]


@pytest.fixture
def make_user(ctx: Context) -> UserFactory:
    """Create a user with a password of PASSWORD and an API token; returns (info, token)."""
    counter = iter(range(1, 1_000_000))

    def factory(org_role: str = "member", email: str | None = None) -> tuple[users.UserInfo, str]:
        address = email or f"user{next(counter)}@example.org"
        info = users.create_user(
            ctx, Actor.system("test"), email=address, password=PASSWORD, org_role=OrgRole(org_role)
        )
        token = tokens.create_token(ctx, Actor.system("test"), "test", for_email=address).token
        return info, token

    return factory


@pytest.fixture
def admin_token(make_user: UserFactory) -> str:
    return make_user("admin", email="admin@example.org")[1]
