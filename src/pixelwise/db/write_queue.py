"""A first-come, first-served lock for the writers of one SQLite database in a process.

SQLite admits one writer at a time; a writer that finds the database locked sleeps and
retries (the busy handler), and under load some wait much longer than others — with eight
clients saving at once, a few saves waited seconds while most took milliseconds. Queueing
the process's writers here hands the database to each in arrival order; the busy timeout
still covers writers in other processes (a separate worker).
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

from pixelwise.domain.errors import Unavailable


class WriteQueue:
    """A lock granted in the order it was asked for; `timeout` seconds at most."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._guard = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(self._timeout):
            return  # the lock was handed over to us by `release`
        with self._guard:
            if turn.is_set():
                return
            self._waiters.remove(turn)
        raise Unavailable(
            f"The database stayed busy with other writes for {self._timeout:g} s; try again."
        )

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()  # still held: ownership passes on
            else:
                self._held = False

    def __enter__(self) -> WriteQueue:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
