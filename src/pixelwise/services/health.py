"""Is the server able to work: the state of the database and the job broker."""

from __future__ import annotations

from dataclasses import dataclass

from pixelwise import __version__
from pixelwise.domain.errors import Unavailable
from pixelwise.services.context import Context


@dataclass(frozen=True)
class Health:
    version: str
    database: str
    broker: str

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.broker == "ok"


def check(ctx: Context) -> Health:
    """'ok' or a one-line reason for each dependency."""
    try:
        ctx.database.check()
        database = "ok"
    except Unavailable as error:
        database = error.detail
    broker = ctx.enqueuer.broker_state() if ctx.enqueuer is not None else "no job runtime"
    return Health(version=__version__, database=database, broker=broker)
