"""The registry of background job kinds: which handler runs a job of each kind.

A use case that needs background work registers its kind once, at import time:

    job_kinds.register("dataset.import", run_import, check_params=check_import_params)

`services.jobs.start_job` refuses kinds that are not registered, and the job runtime
looks the handler up here when a worker takes the job. The registry is per process and
shared by every `Context` in it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from pixelwise.services.job_runs import JobContext

Params: TypeAlias = dict[str, Any]
# Runs one attempt of a job. It reports progress through the JobContext (at least once
# every `job_stale_seconds`, or the job is taken to be dead) and returns the JSON result.
Handler: TypeAlias = "Callable[[JobContext, Params], Params | None]"
# Validates and normalises the parameters before the job is saved; raises InvalidInput.
ParamsCheck: TypeAlias = Callable[[Params], Params]


@dataclass(frozen=True)
class JobKind:
    """A registered kind: its handler and the check applied to its parameters."""

    name: str
    handler: Handler
    check_params: ParamsCheck | None = None


_KINDS: dict[str, JobKind] = {}
_LOCK = threading.Lock()


def register(kind: str, handler: Handler, *, check_params: ParamsCheck | None = None) -> None:
    """Make `kind` runnable by `handler`.

    Registering the same handler again is a no-op (modules may be imported twice);
    registering a different handler for a known kind raises ValueError.
    """
    if not kind or len(kind) > 100:
        raise ValueError(f"a job kind is 1 to 100 characters, not {kind!r}")
    entry = JobKind(kind, handler, check_params)
    with _LOCK:
        known = _KINDS.get(kind)
        if known is not None and known.handler is not handler:
            raise ValueError(f"job kind {kind!r} is already registered to {known.handler!r}")
        _KINDS[kind] = entry


def unregister(kind: str) -> None:
    """Forget `kind` (tests use it to remove handlers they registered)."""
    with _LOCK:
        _KINDS.pop(kind, None)


def get(kind: str) -> JobKind | None:
    """The registered kind, or None when no handler runs it in this process."""
    with _LOCK:
        return _KINDS.get(kind)


def handler_for(kind: str) -> Handler | None:
    """The handler of `kind`, or None when it is not registered."""
    entry = get(kind)
    return entry.handler if entry is not None else None


def known_kinds() -> frozenset[str]:
    """Every registered kind."""
    with _LOCK:
        return frozenset(_KINDS)
