"""The Dramatiq job runtime of one process: the broker, the one actor, the worker, the reaper.

The broker only carries job ids; everything else (state, progress, attempts, results)
lives in the Job table and is handled by `pixelwise.services.jobs`. With no broker URL
the broker is Dramatiq's in-memory `StubBroker` (jobs run in this process only); with
`redis://...` it is a `RedisBroker`, shared by every API and worker process.

Each `JobRuntime` owns its broker and declares its actor on it, never on Dramatiq's
global broker, so several runtimes can live in one process (tests do this).
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import TYPE_CHECKING

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import DramatiqError
from dramatiq.middleware import Middleware, Retries

from pixelwise.domain.errors import Unavailable
from pixelwise.services import job_runs
from pixelwise.services.context import Context
from pixelwise.settings import hide_password

if TYPE_CHECKING:
    import redis

log = logging.getLogger("pixelwise.jobs.runtime")

ACTOR_NAME = "pixelwise.run_job"
QUEUE_NAME = "pixelwise"
REDIS_NAMESPACE = "pixelwise"
PING_TIMEOUT_SECONDS = 2.0
# How long idle worker threads and consumers wait before looking again (milliseconds):
# this bounds how long `stop` takes. Waiting on the in-memory queue costs nothing; an idle
# Redis consumer polls Redis at most this often.
IN_PROCESS_POLL_MS = 200
REDIS_POLL_MS = 1000

# Modules whose import registers job kinds (services.job_kinds.register). A module that
# adds a kind is listed here, so every API and worker process knows every kind.
HANDLER_MODULES: tuple[str, ...] = (
    "pixelwise.services.probe",
    "pixelwise.services.imports",
    "pixelwise.services.exports",
)


def load_handlers() -> None:
    """Import every module of HANDLER_MODULES, registering its job kinds."""
    for name in HANDLER_MODULES:
        importlib.import_module(name)


class JobRuntime:
    """Sends jobs to the broker (the `Enqueuer` of `Context`) and, once `start_worker` is
    called, runs them in this process.

    Contract: `send` only ever carries the id of a job already saved as queued; a job may
    be delivered more than once (the Job table's atomic claim keeps one run per attempt).
    Dramatiq's own retries are off: attempts are counted in the Job table.
    """

    def __init__(self, ctx: Context) -> None:
        load_handlers()
        self.ctx = ctx
        self.settings = ctx.settings
        self.broker_url = ctx.settings.broker_url
        middleware: list[Middleware] = [Retries(max_retries=0)]
        self.broker: dramatiq.Broker
        self._ping_client: redis.Redis | None = None
        # Errors that mean "the broker cannot be reached"; the Redis client is imported only
        # when a Redis broker is configured, which keeps the embedded start-up lean.
        self._broker_errors: tuple[type[Exception], ...] = (DramatiqError,)
        if self.broker_url:
            import redis
            from dramatiq.brokers.redis import RedisBroker

            self._broker_errors = (redis.RedisError, DramatiqError)
            client = redis.Redis.from_url(
                self.broker_url, socket_connect_timeout=5, socket_timeout=30,
                health_check_interval=30,
            )  # fmt: skip
            self.broker = RedisBroker(  # type: ignore[no-untyped-call]
                client=client, namespace=REDIS_NAMESPACE, middleware=middleware
            )
            self._ping_client = redis.Redis.from_url(  # connects on first use only
                self.broker_url, socket_connect_timeout=PING_TIMEOUT_SECONDS,
                socket_timeout=PING_TIMEOUT_SECONDS,
            )  # fmt: skip
        else:
            self.broker = StubBroker(middleware=middleware)
        self.actor: dramatiq.Actor[[int], None] = dramatiq.Actor(
            self._run_job, broker=self.broker, actor_name=ACTOR_NAME, queue_name=QUEUE_NAME,
            priority=0, options={"max_retries": 0},
        )  # fmt: skip
        self._worker: dramatiq.Worker | None = None
        self._reaper: threading.Thread | None = None
        self._stopping = threading.Event()
        self._closed = False
        self._lock = threading.Lock()

    @property
    def in_process(self) -> bool:
        """True when jobs can only run in this process (no broker URL: the stub broker)."""
        return not self.broker_url

    @property
    def worker_running(self) -> bool:
        return self._worker is not None and not self._stopping.is_set()

    # --- Enqueuer ------------------------------------------------------------------------

    def send(self, job_id: int) -> None:
        """Hand the id of a queued job to the broker; Unavailable when it cannot take it."""
        if self._closed:
            raise Unavailable("The job runtime of this process has stopped.")
        try:
            self.actor.send(job_id)
        except self._broker_errors as error:
            raise Unavailable(self._unreachable(error)) from None

    def broker_state(self) -> str:
        """'ok', or a one-line reason why the broker cannot be reached (Redis: a PING
        with a short timeout)."""
        if self._ping_client is None:
            return "ok"
        try:
            self._ping_client.ping()
        except self._broker_errors as error:
            return self._unreachable(error)
        return "ok"

    def _unreachable(self, error: BaseException) -> str:
        lines = str(error).strip().splitlines()
        reason = lines[0] if lines else type(error).__name__
        return f"cannot reach the job broker at {hide_password(self.broker_url)}: {reason}"

    # --- the worker ----------------------------------------------------------------------

    def start_worker(self) -> None:
        """Run jobs in this process: a Dramatiq worker with `settings.worker_threads`
        threads, and a reaper thread that every `job_heartbeat_seconds` queues again (or
        fails) running jobs whose worker died. With the stub broker, jobs left queued by
        an earlier process are sent again first. Calling it twice does nothing.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("this job runtime has been stopped; build a new one")
            if self._worker is not None:
                return
            if self.in_process:
                for job_id in job_runs.pending_jobs(self.ctx):
                    self.send(job_id)
            worker = dramatiq.Worker(
                self.broker, worker_threads=self.settings.worker_threads,
                worker_timeout=IN_PROCESS_POLL_MS if self.in_process else REDIS_POLL_MS,
            )  # fmt: skip
            worker.start()
            self._worker = worker
            self._reaper = threading.Thread(
                target=self._reap_loop, name="pixelwise-job-reaper", daemon=True
            )
            self._reaper.start()
        log.info(
            "job worker started (%s threads, broker %s)", self.settings.worker_threads,
            hide_password(self.broker_url) if self.broker_url else "in-process",
        )  # fmt: skip

    def reap(self) -> list[int]:
        """One reaper pass: `services.job_runs.reap_stale`, then send the requeued jobs again."""
        requeued = job_runs.reap_stale(self.ctx)
        for job_id in requeued:
            self.send(job_id)
        return requeued

    def _reap_loop(self) -> None:
        interval = self.settings.job_heartbeat_seconds
        while not self._stopping.wait(interval):
            try:
                self.reap()
            except Exception:
                log.exception("the job reaper failed; trying again in %.1f s", interval)

    def stop(self, timeout_seconds: float = 10.0) -> None:
        """Stop the worker and the reaper and close the broker. Safe to call more than once,
        and on a runtime whose worker never started.

        Running handlers are interrupted at their next progress report and their jobs
        queued again; one that does not report within `timeout_seconds` is left running,
        and `reap_stale` takes it up once its heartbeat is stale.
        """
        with self._lock:
            if self._closed:
                return
            self._stopping.set()
            worker, self._worker = self._worker, None
            reaper, self._reaper = self._reaper, None
        if worker is not None:
            worker.stop(timeout=int(timeout_seconds * 1000))
        if reaper is not None:
            reaper.join(timeout=timeout_seconds)
        with self._lock:
            self._closed = True
        self.broker.close()
        client = getattr(self.broker, "client", None)
        if client is not None:
            client.close()
        if self._ping_client is not None:
            self._ping_client.close()
        if worker is not None:
            log.info("job runtime stopped")

    # --- the actor -----------------------------------------------------------------------

    def _run_job(self, job_id: int) -> None:
        """The one Dramatiq actor: run a delivery of `job_id` (see `services.job_runs.execute`)."""
        if self._stopping.is_set():
            self._send_again(job_id)  # not claimed: leave it to another worker
            return
        try:
            outcome = job_runs.execute(self.ctx, job_id, should_stop=self._stopping.is_set)
        except Exception:
            # Most likely the database is unreachable. If the job was not claimed it is
            # still queued and this delivery would be its last: deliver it again later.
            # If it was claimed, the later delivery is a no-op and the reaper takes over.
            delay_ms = int(self.settings.job_heartbeat_seconds * 1000)
            log.exception(
                "job %s: could not run it; delivering it again in %d ms", job_id, delay_ms
            )
            try:
                self.actor.send_with_options(args=(job_id,), delay=delay_ms)
            except self._broker_errors:
                log.exception("job %s: could not deliver it again", job_id)
            return
        if outcome is job_runs.Outcome.INTERRUPTED:
            self._send_again(job_id)

    def _send_again(self, job_id: int) -> None:
        """Hand a still-queued job back to the broker while this worker stops. With the
        stub broker the message dies with the process and `pending_jobs` revives it."""
        if self.in_process:
            return
        try:
            self.send(job_id)
        except Unavailable as error:
            log.warning("job %s stays queued: %s", job_id, error.detail)
