"""Jobs through the real Redis broker, run by separate worker processes (`run_worker`).

Needs the Redis server on 127.0.0.1:6379 and uses its database 9, flushed before and
after each test (PIXELWISE_TEST_REDIS_URL picks another); skipped when it is not there.
The worker processes share the test database (a SQLite file, or PostgreSQL when
PIXELWISE_TEST_DATABASE_URL is set) with the test process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from pixelwise.db.engine import Database
from pixelwise.jobs.runtime import JobRuntime
from pixelwise.services import jobs, probe
from pixelwise.services.context import Context
from pixelwise.settings import Settings
from pixelwise.storage.blobs import LocalBlobStore

from jobs_helpers import SYSTEM, job, wait_for, wait_state

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("PIXELWISE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")

WORKER_CODE = (
    "from pixelwise.jobs.worker import run_worker; "
    "from pixelwise.settings import load_settings; "
    "run_worker(load_settings())"
)


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = f"these tests need Redis at {REDIS_URL} (start redis-server): {error}"
        if os.environ.get("PIXELWISE_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def redis_ctx(settings: Settings, database: Database, redis_url: str) -> Iterator[Context]:
    """The test process: a Context whose runtime sends to Redis but runs no worker."""
    changed = settings.model_copy(update={"broker_url": redis_url, "job_stale_seconds": 1.0})
    context = Context(changed, database, LocalBlobStore(changed.home_dir / "blobs"))
    runtime = JobRuntime(context)
    context.enqueuer = runtime
    yield context
    runtime.stop()


def worker_of(info: jobs.JobInfo) -> str:
    """The `worker` (host:pid) a probe job's result names."""
    assert info.result is not None, info
    return str(info.result["worker"])


WorkerFactory = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(
    settings: Settings, database_url: str, redis_url: str, tmp_path: Path
) -> Iterator[WorkerFactory]:
    """Start `pixelwise worker`-equivalent processes; each is stopped (or killed) at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELWISE_")}
    env.update(
        PIXELWISE_HOME=str(settings.home_dir),
        PIXELWISE_DATABASE_URL=database_url,
        PIXELWISE_BROKER_URL=redis_url,
        PIXELWISE_WORKER_THREADS="2",
        PIXELWISE_JOB_HEARTBEAT_SECONDS="0.5",
        PIXELWISE_LOG_LEVEL="info",
        PIXELWISE_LOG_FORMAT="text",
    )

    def factory() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        started.append(process)
        return process

    yield factory
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for index, process in enumerate(started):
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            log_text = (tmp_path / f"worker{index}.log").read_text(errors="replace")
            pytest.fail(f"worker {index} did not stop on SIGTERM; its log:\n{log_text}")


def test_broker_state_is_ok_with_redis(redis_ctx: Context) -> None:
    assert redis_ctx.enqueuer is not None
    assert redis_ctx.enqueuer.broker_state() == "ok"


def test_a_separate_worker_runs_a_probe_job(
    redis_ctx: Context, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    worker = start_worker()
    info = probe.start_probe(redis_ctx, SYSTEM, steps=3, delay_seconds=0.05)
    final = wait_state(redis_ctx, info.id, "done", "failed", "cancelled", timeout=15)
    assert final.state == "done", final
    assert worker_of(final) == f"{socket.gethostname()}:{worker.pid}"
    assert final.result == {"steps": 3, "worker": worker_of(final)}
    assert final.attempt == 1

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    log_text = (tmp_path / "worker0.log").read_text()
    assert "worker ready" in log_text
    assert "job runtime stopped" in log_text


def test_a_killed_workers_job_is_finished_by_another_worker(
    redis_ctx: Context, start_worker: WorkerFactory
) -> None:
    first = start_worker()
    info = probe.start_probe(redis_ctx, SYSTEM, steps=20, delay_seconds=0.1)
    running = wait_state(redis_ctx, info.id, "running", "done", "failed", timeout=15)
    assert (running.state, running.attempt) == ("running", 1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=5)

    runtime = redis_ctx.enqueuer
    assert isinstance(runtime, JobRuntime)
    requeued = wait_for(runtime.reap, timeout=5, what="the dead worker's job to be reaped")
    assert requeued == [info.id]
    assert job(redis_ctx, info.id).state == "queued"

    second = start_worker()
    final = wait_state(redis_ctx, info.id, "done", "failed", "cancelled", timeout=15)
    assert final.state == "done", final
    assert final.attempt == 2
    assert worker_of(final).endswith(f":{second.pid}")
    assert final.progress.done == 20


def test_a_stopped_workers_running_job_is_handed_to_another_worker(
    redis_ctx: Context, start_worker: WorkerFactory
) -> None:
    first = start_worker()
    info = probe.start_probe(redis_ctx, SYSTEM, steps=20, delay_seconds=0.1)
    wait_state(redis_ctx, info.id, "running", timeout=15)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=10) == 0  # the handler is interrupted, not waited for
    stopped = job(redis_ctx, info.id)
    assert (stopped.state, stopped.attempt) == ("queued", 1)

    second = start_worker()  # its message went back to Redis: no reaper needed
    final = wait_state(redis_ctx, info.id, "done", "failed", "cancelled", timeout=15)
    assert (final.state, final.attempt) == ("done", 2)
    assert worker_of(final).endswith(f":{second.pid}")
