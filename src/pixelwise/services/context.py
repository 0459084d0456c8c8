"""What every use case is given: the process's resources and the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pixelwise.db.engine import Database
from pixelwise.domain.permissions import OrgRole
from pixelwise.settings import Settings
from pixelwise.storage.blobs import BlobStore

__all__ = ["Actor", "Context", "Enqueuer"]


class Enqueuer(Protocol):
    """Hands a job (already saved as queued) to the job runtime."""

    def send(self, job_id: int) -> None: ...

    def broker_state(self) -> str:
        """'ok', or a one-line reason why the broker cannot be reached."""
        ...


@dataclass
class Context:
    """Resources of one process, shared by all requests and jobs."""

    settings: Settings
    database: Database
    blobs: BlobStore
    enqueuer: Enqueuer | None = None

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user (by session cookie or API token) or nobody."""

    user_id: int | None
    email: str = ""
    org_role: OrgRole | None = None
    via: str = "anonymous"  # "session" | "token" | "anonymous" | "system"
    client_address: str = ""
    session_id: int | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @classmethod
    def anonymous(cls, client_address: str = "") -> Actor:
        return cls(user_id=None, client_address=client_address)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The server itself (CLI, demo set-up, jobs), with every right."""
        return cls(user_id=None, email=label, org_role=OrgRole.ADMIN, via="system")
