"""The separate job worker process (`pixelwise worker`): runs jobs from Redis until stopped.

The API processes save jobs and send their ids to Redis; any number of these workers,
on any machine that reaches the same database, broker and blob storage, run them.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from pixelwise import logs
from pixelwise.db.engine import Database
from pixelwise.db.migrate import current_revision, head_revision
from pixelwise.domain.errors import Unavailable
from pixelwise.jobs.runtime import JobRuntime
from pixelwise.services.context import Context
from pixelwise.settings import Settings, SettingsError, hide_password
from pixelwise.storage.blobs import open_blob_store

log = logging.getLogger("pixelwise.jobs.worker")


def run_worker(
    settings: Settings, *, stop: threading.Event | None = None, configure_logging: bool = True
) -> None:
    """Run jobs until SIGINT or SIGTERM (or until `stop` is set), then stop cleanly.

    Raises SettingsError when no broker URL is set (an in-process server runs its own
    jobs), and Unavailable (one line) when the database or the broker cannot be reached
    or the database schema is not the one this version expects. Logs go to stderr in the
    configured format unless `configure_logging` is False.
    """
    if not settings.broker_url:
        raise SettingsError(
            "a separate worker needs PIXELWISE_BROKER_URL=redis://host:port/db "
            "(without a broker URL, `pixelwise serve` runs jobs itself)"
        )
    if configure_logging:
        logs.configure(settings.log_level, settings.log_format)
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its schema-check chatter
    stop = stop or threading.Event()
    database = Database(settings.effective_database_url)
    try:
        database.check()
        have, want = current_revision(database), head_revision()
        if have != want:
            found = f"schema revision {have}" if have else "no schema"
            raise Unavailable(
                f"the database at {hide_password(database.url)} has {found}, this worker "
                f"needs revision {want}: run `pixelwise migrate` first"
            )
        blobs = open_blob_store(settings.effective_storage_url)
        blobs.check()
        ctx = Context(settings=settings, database=database, blobs=blobs)
        runtime = JobRuntime(ctx)
        ctx.enqueuer = runtime
        state = runtime.broker_state()
        if state != "ok":
            runtime.stop()
            raise Unavailable(state)
        restore = _on_signals(stop)
        try:
            runtime.start_worker()
            log.info("worker ready; stop it with Ctrl+C or SIGTERM")
            while not stop.wait(1.0):
                pass
            log.info("worker stopping")
        finally:
            runtime.stop()
            restore()
    finally:
        database.dispose()


def _on_signals(stop: threading.Event) -> Callable[[], None]:
    """Set `stop` on SIGINT and SIGTERM (main thread only); returns what undoes it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
