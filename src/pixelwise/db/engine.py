"""Connections: one `Database` per process, tuned per engine (SQLite WAL or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pixelwise.db.write_queue import WriteQueue
from pixelwise.domain.errors import Unavailable
from pixelwise.settings import hide_password

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _tune_sqlite(engine: Engine, *, immediate: bool) -> None:
    """WAL, foreign keys, durable commits and a busy timeout on every connection;
    BEGIN IMMEDIATE for writers.

    Python's sqlite3 module opens transactions lazily and can deadlock two writers that
    both started as readers; taking the write lock at BEGIN makes the second one wait.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a commit is on disk before it is acknowledged, even across a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Sessions for use cases: `transaction()` to write, `read()` to only read."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                from pathlib import Path

                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            args: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
            self.engine = create_engine(url, echo=echo, **args)
            self._read_engine = create_engine(url, echo=echo, **args)
            _tune_sqlite(self.engine, immediate=True)
            _tune_sqlite(self._read_engine, immediate=False)
        else:
            args = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
            if self.dialect == "postgresql":
                args["connect_args"] = {"connect_timeout": 5}
            self.engine = create_engine(url, echo=echo, **args)
            self._read_engine = self.engine
        self._queue = (
            WriteQueue(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) if self.dialect == "sqlite" else None
        )
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any exception. On SQLite the
        process's writers take turns in arrival order (see `write_queue`)."""
        if self._queue is None:
            with self._writer() as session, session.begin():
                yield session
            return
        with self._queue, self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only; it is closed (never committed) at the end, and the
        objects it loaded stay readable."""
        with self._reader() as session:
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A plain connection for a few Core queries on a hot path (no ORM session)."""
        with self._read_engine.connect() as connection:
            yield connection

    def check(self) -> None:
        """Raise `Unavailable` with a one-line reason when the database cannot be reached."""
        try:
            with self._read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise Unavailable(
                f"cannot reach the database at {hide_password(self.url)}: {reason}"
            ) from None

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()
