"""Labeling workload benchmark: saves, listing and exports against the real server over HTTP.

Method (the same workload was measured on Label Studio 1.23.2 on this kind of machine; its
figures are printed beside ours as ratios):

1. Setup, not measured: ITEMS distinct 640x480 JPEGs (one base picture, a small block of
   pixels changed per image, Pillow quality 85) are written to a folder; an admin user, an
   API token and an in-place import of the folder are made with the `pixelwise` CLI on a
   fresh data directory and database (SQLite under the temporary HOME, or a new PostgreSQL
   database created for the run and dropped after it). Then the real `pixelwise serve`
   runs as a subprocess (embedded shape: in-process job threads); an instruction (boxes
   `car` and `person`, polygon `road`, a single-choice image question `weather`) and a
   project pinning its version 1 over the dataset are created through the API, and every
   work item id is read once through the listing (which also warms it).
2. Saves: each save is PATCH /api/projects/{p}/items/{i}/annotation from base revision 0
   with 5 boxes, 2 polygons of 20 vertices (points on an ellipse) and the image-level
   answer; every save goes to a different item. First SAVES saves one after another by
   one client, then SAVES more by CLIENTS threads at once, each with its own keep-alive
   connection and its own items, released together by a barrier. Saves go through the
   standard library's http.client (about 0.3 ms of client CPU a save; httpx took 1.5 ms):
   the client shares the CPUs with the server and must not be what limits the figures.
   Every answer is checked (status 200, revision 1). Other requests use httpx.
3. Listing: every item, 100 per page, following next_cursor from the first page to the end.
4. Exports: POST /api/projects/{p}/exports {"format": "json"} (all ITEMS items), then
   GET /api/jobs/{id} every 50 ms until the job is finished; the figure is from the POST
   to the poll that sees it finished. Then the file is streamed from the download route
   and discarded (timed separately). The same for COCO. Each file is fetched once more,
   untimed, and checked (items, objects).

Latency is the wall time of each HTTP request as the client sees it (keep-alive
connections, request bodies encoded before the clock starts, the response read in full).
The client runs on the same machine as the server and shares its CPUs. Peak RSS is the
server's VmHWM from /proc/<pid>/status (plus that of any child processes), sampled every
0.2 s through the whole run; the server's CPU time per phase comes from /proc/<pid>/stat
and the client's from getrusage (the RSS sampler thread is part of the client); a
PostgreSQL server's own CPU is in neither. Server CPU per save (user + system time of the
server process from /proc/<pid>/stat before and after a phase, divided by its saves) is the
figure to compare between runs on a busy machine: latency depends on what else runs.
Beside the client's figures, the same saves as the server's request log timed them (inside
the app, without the network and client).

Usage: python bench/label_workload.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
       [--items 10000] [--saves 1000] [--clients 8] [--work DIR] [--skip saves,list,export]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480
PEER = "Label Studio 1.23.2"
# The peer's figures for this workload on this kind of machine (seconds, saves/s, MiB).
PEER_SAVE_1_P50, PEER_SAVE_1_P99 = 0.051, 0.073
PEER_SAVE_N_P99, PEER_SAVE_N_RATE = 1.388, 12.8
PEER_PAGE_P50, PEER_PAGE_P99 = 0.142, 0.361
PEER_EXPORT_JSON, PEER_EXPORT_COCO = 19.0, 6.2
PEER_RSS_MIB = 468.0
TARGET_SAVE_1_P99, TARGET_SAVE_N_P99, TARGET_EXPORT_JSON = 0.015, 0.050, 1.0

INSTRUCTION = {
    "classes": [
        {"key": "car", "name": "Car", "color": "#ff0000", "tool": "box"},
        {"key": "person", "name": "Person", "color": "#00ff00", "tool": "box"},
        {"key": "road", "name": "Road", "color": "#0000ff", "tool": "polygon"},
    ],
    "questions": [
        {
            "key": "weather",
            "text": "Weather",
            "type": "single_choice",
            "choices": [{"key": "sunny", "name": "Sunny"}, {"key": "rain", "name": "Rain"}],
        }
    ],
}
FINISHED = {"done", "succeeded", "failed", "cancelled"}


# --- helpers ------------------------------------------------------------------------------


def pixelwise_command() -> list[str]:
    script = Path(sys.executable).with_name("pixelwise")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pixelwise"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted samples."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Stats:
    samples: list[float]

    def __post_init__(self) -> None:
        self.samples = sorted(self.samples)

    @property
    def p50(self) -> float:
        return quantile(self.samples, 0.50)

    @property
    def p95(self) -> float:
        return quantile(self.samples, 0.95)

    @property
    def p99(self) -> float:
        return quantile(self.samples, 0.99)

    @property
    def max(self) -> float:
        return self.samples[-1]

    def line(self) -> str:
        ms = [v * 1000 for v in (self.p50, self.p95, self.p99, self.max)]
        mean = sum(self.samples) / len(self.samples) * 1000
        return (f"p50 {ms[0]:7.1f} ms  p95 {ms[1]:7.1f} ms  p99 {ms[2]:7.1f} ms  "
                f"max {ms[3]:7.1f} ms  mean {mean:6.1f} ms  (n={len(self.samples):,})")  # fmt: skip


def ratio(peer: float, ours: float, higher_is_better: bool = False) -> str:
    """How many times better ours is than the peer's figure."""
    if ours <= 0 or peer <= 0:
        return "n/a"
    times = ours / peer if higher_is_better else peer / ours
    return f"{times:,.1f}x better" if times >= 1 else f"{1 / times:,.1f}x worse"


def verdict(ours: float, target: float) -> str:
    return "met" if ours < target else "NOT met"


# --- images and setup ---------------------------------------------------------------------


def make_images(folder: Path, count: int) -> None:
    """`count` distinct 640x480 JPEGs; kept and reused when the folder already has them."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sum(1 for _ in folder.rglob("*.jpg"))
    if have >= count:
        print(f"  reusing {have:,} images in {folder}")
        return
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x * 255 // WIDTH, y * 255 // HEIGHT, (x + y) * 255 // (WIDTH + HEIGHT)], -1)
    base = (base + rng.integers(0, 24, base.shape)).clip(0, 255).astype(np.uint8)
    start = time.perf_counter()
    for index in range(count):
        path = folder / f"{index // 1000:02d}" / f"img_{index:05d}.jpg"
        if path.exists():
            continue
        path.parent.mkdir(exist_ok=True)
        pixels = base.copy()
        row, column = divmod(index, 80)
        top, left = (row * 4) % (HEIGHT - 16), (column * 8) % (WIDTH - 16)
        pixels[top : top + 16, left : left + 16] = (index % 256, index // 256 % 256, 200)
        Image.fromarray(pixels).save(path, quality=85)
        if index % 500 == 0:
            print(f"\r  writing images {index:,} / {count:,}", end="", flush=True)
    seconds = time.perf_counter() - start
    print(f"\r  wrote {count:,} images 640x480 in {seconds:.1f} s" + " " * 20)


@dataclass
class Database:
    """The database the run uses: SQLite under HOME, or a fresh PostgreSQL database."""

    given: str
    url: str = ""
    engine: str = "sqlite"
    pg_admin_url: str = ""
    pg_name: str = ""

    def create(self) -> None:
        if not self.given:
            return
        if not self.given.startswith("postgresql"):
            raise SystemExit("--database-url must be empty (SQLite) or postgresql://...")
        import psycopg

        self.engine = "postgresql"
        parts = urlsplit(self.given.replace("postgresql+psycopg://", "postgresql://"))
        self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.pg_name = f"bench_label_{os.getpid()}"
        with psycopg.connect(self.pg_admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            connection.execute(f'CREATE DATABASE "{self.pg_name}"')
        self.url = urlunsplit(parts._replace(path=f"/{self.pg_name}"))

    def drop(self) -> None:
        if not self.pg_name:
            return
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def version(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL)"
        import psycopg

        with psycopg.connect(self.url) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'} (psycopg {psycopg.__version__})"


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*pixelwise_command(), *args], env=env, input=stdin, capture_output=True, text=True,
        check=False, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise SystemExit(f"`pixelwise {' '.join(args[:2])}` failed ({done.returncode}):\n{tail}")
    return done.stdout


# --- the server and its memory ------------------------------------------------------------


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                for child in (task / "children").read_text().split():
                    found.append(int(child))
                    todo.append(int(child))
    return found


def client_cpu() -> float:
    """CPU seconds this (client) process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    env: dict[str, str]
    home: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = Path()
    peak_kib: int = 0
    children_seen: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sampler: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 120) -> None:
        self.port = free_port()
        self.log_path = self.home.parent / "server.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*pixelwise_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"pixelwise serve exited with status {self.process.returncode} before "
                    f"answering /api/health; its log ends with:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"pixelwise serve did not answer /api/health within {timeout:.0f} s; "
                    f"its log ends with:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def sample_now(self) -> int:
        """Peak RSS (KiB) of the server plus its live children, kept as the run's maximum."""
        if self.process is None or self.process.poll() is not None:
            return self.peak_kib
        children = _descendants(self.pid)
        self.children_seen.update(children)
        total = _status_kib(self.pid, "VmHWM") + sum(_status_kib(c, "VmHWM") for c in children)
        self.peak_kib = max(self.peak_kib, total)
        return self.peak_kib

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.sample_now()

    def logged_latencies(self, method: str, route_end: str) -> list[float]:
        """The server's own latency (seconds, from its request log) of each request to a
        route ending in `route_end`, in the order they finished."""
        found = []
        with contextlib.suppress(OSError), self.log_path.open(errors="replace") as log:
            for line in log:
                if route_end not in line:
                    continue
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    route = str(entry.get("route", ""))
                    if entry.get("method") == method and route.endswith(route_end):
                        found.append(float(entry["latency_ms"]) / 1000)
        return found

    def rss_now_mib(self) -> float:
        return _status_kib(self.pid, "VmRSS") / 1024

    def stop(self) -> None:
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=2)
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the API client -----------------------------------------------------------------------


class ApiError(SystemExit):
    pass


def check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200,)):
        raise ApiError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:2000]}"
        )
    if not response.content:
        return None
    return response.json()


def client_for(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    )


def wait_job(client: httpx.Client, job_id: int, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = check(client.get(f"/api/jobs/{job_id}"))
        if job["state"] in FINISHED:
            return job
        if time.monotonic() > deadline:
            raise ApiError(f"job {job_id} did not finish in {timeout:.0f} s: {job}")
        time.sleep(0.05)


def list_all(client: httpx.Client, project_id: int, limit: int = 100) -> tuple[list[Any], Stats]:
    """Every work item, page by page; the items and each page's latency."""
    items: list[Any] = []
    times: list[float] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        start = time.perf_counter()
        response = client.get(f"/api/projects/{project_id}/items", params=params)
        times.append(time.perf_counter() - start)
        page = check(response)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items, Stats(times)


# --- the annotation -----------------------------------------------------------------------


def annotation_body(rng: random.Random, item_id: int) -> bytes:
    """5 boxes, 2 polygons of 20 vertices on an ellipse, and the image-level answer."""
    objects: list[dict[str, Any]] = []
    for number in range(5):
        w, h = rng.uniform(20, 160), rng.uniform(20, 160)
        x, y = rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h)
        x, y, w, h = (round(v, 2) for v in (x, y, w, h))
        box = {"type": "box", "x": x, "y": y, "w": w, "h": h}
        objects.append({"id": f"i{item_id}-b{number}", "class": ("car", "person")[number % 2],
                        "geometry": box})  # fmt: skip
    for number in range(2):
        rx, ry = rng.uniform(30, 150), rng.uniform(30, 110)
        cx, cy = rng.uniform(rx, WIDTH - rx), rng.uniform(ry, HEIGHT - ry)
        ring = [
            [round(cx + rx * math.cos(2 * math.pi * k / 20), 2),
             round(cy + ry * math.sin(2 * math.pi * k / 20), 2)]
            for k in range(20)
        ]  # fmt: skip
        polygon = {"type": "polygon", "parts": [{"outer": ring, "holes": []}]}
        objects.append({"id": f"i{item_id}-p{number}", "class": "road", "geometry": polygon})
    body = {
        "request_id": str(uuid.uuid4()),
        "base_revision": 0,
        "put": objects,
        "answers": {"weather": rng.choice(["sunny", "rain"])},
        "time_spent": 12.5,
    }
    return json.dumps(body, separators=(",", ":")).encode()


JSON_HEADERS = {"Content-Type": "application/json"}


class SaveConnection:
    """One keep-alive HTTP/1.1 connection for saves, with the standard library's client."""

    def __init__(self, server: Server, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", **JSON_HEADERS}

    def connect(self) -> None:
        """Open the connection (before the clock starts) with one health request."""
        self.connection.request("GET", "/api/health")
        response = self.connection.getresponse()
        if response.status != 200:
            raise ApiError(f"GET /api/health answered {response.status}: {response.read()!r}")
        response.read()

    def patch(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.connection.request("PATCH", path, body, self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def save(client: SaveConnection, project_id: int, item_id: int, body: bytes) -> float:
    path = f"/api/projects/{project_id}/items/{item_id}/annotation"
    start = time.perf_counter()
    status, content = client.patch(path, body)
    seconds = time.perf_counter() - start
    if status != 200:
        raise ApiError(f"PATCH {path} answered {status}: {content[:2000]!r}")
    revision = json.loads(content).get("revision")
    if revision != 1:
        raise ApiError(f"save of item {item_id} answered revision {revision}")
    return seconds


def saves_one_client(
    client: SaveConnection, project_id: int, jobs: list[tuple[int, bytes]]
) -> tuple[Stats, float]:
    start = time.perf_counter()
    times = [save(client, project_id, item_id, body) for item_id, body in jobs]
    return Stats(times), time.perf_counter() - start


def saves_many_clients(
    connections: list[SaveConnection], project_id: int, jobs: list[tuple[int, bytes]]
) -> tuple[Stats, float]:
    """One thread per client (each already connected), each with its own share of the
    items, released together; the latencies and the wall time."""
    clients = len(connections)
    shares = [jobs[n::clients] for n in range(clients)]
    times: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    ready = threading.Barrier(clients + 1)

    def run(n: int) -> None:
        try:
            ready.wait()
            for item_id, body in shares[n]:
                times[n].append(save(connections[n], project_id, item_id, body))
        except threading.BrokenBarrierError:
            pass
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            ready.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return Stats([t for share in times for t in share]), wall


# --- exports ------------------------------------------------------------------------------


@dataclass
class ExportRun:
    fmt: str
    job_seconds: float
    download_seconds: float
    size: int
    check: str


def export_id_of(job: dict[str, Any], created: dict[str, Any]) -> Any:
    result = job.get("result") or {}
    return result.get("export_id") or created.get("export_id") or created["id"]


def describe_export(fmt: str, data: bytes) -> str:
    document = json.loads(data)
    if fmt == "coco":
        return (f"{len(document.get('images', [])):,} images, "
                f"{len(document.get('annotations', [])):,} annotations, "
                f"{len(document.get('categories', [])):,} categories")  # fmt: skip
    items = document.get("items", document) if isinstance(document, dict) else document
    objects = sum(len(item.get("objects", [])) for item in items if isinstance(item, dict))
    return f"{len(items):,} items, {objects:,} objects"


def run_export(client: httpx.Client, project_id: int, fmt: str) -> ExportRun:
    start = time.perf_counter()
    created = check(client.post(f"/api/projects/{project_id}/exports", json={"format": fmt}), 202)
    job_id = created.get("job_id") or (created.get("job") or {}).get("id") or created["id"]
    job = wait_job(client, job_id)
    job_seconds = time.perf_counter() - start
    if job["state"] not in {"done", "succeeded"}:
        raise ApiError(f"{fmt} export job ended {job['state']}: {job.get('error')}")
    export_id = export_id_of(job, created)
    url = f"/api/projects/{project_id}/exports/{export_id}/download"
    size = 0
    start = time.perf_counter()
    with client.stream("GET", url) as response, open(os.devnull, "wb") as sink:
        if response.status_code != 200:
            response.read()
            check(response)
        for chunk in response.iter_raw():
            sink.write(chunk)
            size += len(chunk)
    download_seconds = time.perf_counter() - start
    content = check_bytes(client.get(url, headers={"Accept-Encoding": "identity"}))
    try:
        summary = describe_export(fmt, content)
    except (ValueError, TypeError, AttributeError) as error:
        summary = f"could not read it as JSON: {error}"
    return ExportRun(fmt, job_seconds, download_seconds, size, summary)


def check_bytes(response: httpx.Response) -> bytes:
    if response.status_code != 200:
        check(response)
    return response.content


# --- the run ------------------------------------------------------------------------------


def machine_line() -> str:
    memory = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    model = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} CPUs ({model}), {memory} RAM, {system}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


@dataclass
class Run:
    """What the measured phases share, and the rows of the final table."""

    server: Server
    client: httpx.Client
    token: str
    project_id: int
    item_ids: list[int]
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def row(self, name: str, ours: str, peer: str, times: str) -> None:
        self.rows.append((name, ours, peer, times))

    def peak_so_far(self, indent: str = "  ") -> None:
        self.server.sample_now()
        print(f"{indent}server peak RSS so far {self.server.peak_kib / 1024:,.0f} MiB")


def compare(figure: str, peer: float, ours: float, target: float | None = None) -> str:
    """`vs peer 73 ms: 9.1x better; target < 15 ms met` for a latency in seconds."""
    text = f"{figure} {PEER} {ms(peer)}: {ratio(peer, ours)}"
    if target is not None:
        text += f", target < {ms(target)} {verdict(ours, target)}"
    return text


def phase_saves(run: Run, saves: int, clients: int) -> None:
    rng = random.Random(11)
    first = [(i, annotation_body(rng, i)) for i in run.item_ids[:saves]]
    second = [(i, annotation_body(rng, i)) for i in run.item_ids[saves : 2 * saves]]
    size = len(first[0][1])
    print(f"\nsaves (each {size:,} bytes of JSON: 5 boxes, 2 polygons of 20 vertices, 1 answer)")

    one = SaveConnection(run.server, run.token)
    one.connect()
    cpu, mine = cpu_seconds(run.server.pid), client_cpu()
    single, wall = saves_one_client(one, run.project_id, first)
    used, mine = cpu_seconds(run.server.pid) - cpu, client_cpu() - mine
    one.close()
    rate = len(first) / wall
    print(f"  1 client : {single.line()}")
    server_single = used / len(first)
    print(f"             {rate:,.0f} saves/s; CPU per save: server {ms(server_single)} "
          f"(/proc/<pid>/stat), client {ms(mine / len(first))} (getrusage)")  # fmt: skip
    print(f"             {compare('p50 vs', PEER_SAVE_1_P50, single.p50)}")
    print(f"             {compare('p99 vs', PEER_SAVE_1_P99, single.p99, TARGET_SAVE_1_P99)}")

    connections = [SaveConnection(run.server, run.token) for _ in range(clients)]
    for connection in connections:
        connection.connect()  # connected before the clock starts
    cpu, mine = cpu_seconds(run.server.pid), client_cpu()
    many, wall = saves_many_clients(connections, run.project_id, second)
    used, mine = cpu_seconds(run.server.pid) - cpu, client_cpu() - mine
    for connection in connections:
        connection.close()
    rate_many = len(second) / wall
    print(f"  {clients} clients: {many.line()}")
    server_many = used / len(second)
    print(f"             {rate_many:,.0f} saves/s; CPU per save: server {ms(server_many)} "
          f"(/proc/<pid>/stat), client {ms(mine / len(second))} (getrusage)")  # fmt: skip
    print(f"             {compare('p99 vs', PEER_SAVE_N_P99, many.p99, TARGET_SAVE_N_P99)}")
    throughput = ratio(PEER_SAVE_N_RATE, rate_many, higher_is_better=True)
    print(f"             throughput vs {PEER} {PEER_SAVE_N_RATE} saves/s: {throughput}")
    logged = run.server.logged_latencies("PATCH", "/annotation")
    if len(logged) >= len(first) + len(second):
        print("  the same saves as the server logged them (time inside the app):")
        print(f"  1 client : {Stats(logged[: len(first)]).line()}")
        print(f"  {clients} clients: {Stats(logged[len(first) :]).line()}")
    run.row("save p50, 1 client", ms(single.p50), ms(PEER_SAVE_1_P50),
            ratio(PEER_SAVE_1_P50, single.p50))  # fmt: skip
    run.row("save p99, 1 client", ms(single.p99), ms(PEER_SAVE_1_P99),
            ratio(PEER_SAVE_1_P99, single.p99))  # fmt: skip
    run.row(f"save p99, {clients} clients", ms(many.p99), ms(PEER_SAVE_N_P99),
            ratio(PEER_SAVE_N_P99, many.p99))  # fmt: skip
    run.row(f"saves/s, {clients} clients", f"{rate_many:,.0f}", f"{PEER_SAVE_N_RATE}", throughput)
    run.row("server CPU/save, 1 client", ms(server_single), "-", "")
    run.row(f"server CPU/save, {clients} clients", ms(server_many), "-", "")
    run.peak_so_far()


def phase_list(run: Run, saved_expected: int) -> None:
    cpu = cpu_seconds(run.server.pid)
    start = time.perf_counter()
    listed, pages = list_all(run.client, run.project_id)
    wall = time.perf_counter() - start
    used = cpu_seconds(run.server.pid) - cpu
    count = len(pages.samples)
    print(f"\nlisting {len(listed):,} items, 100 per page, by cursor ({count} pages in "
          f"{wall:.2f} s; server CPU {ms(used / count)} per page)")  # fmt: skip
    print(f"  page     : {pages.line()}")
    print(f"             {compare('p50 vs', PEER_PAGE_P50, pages.p50)}")
    print(f"             {compare('p99 vs', PEER_PAGE_P99, pages.p99)}")
    saved = [item for item in listed if item.get("revision", 0) >= 1]
    counts = sorted({item.get("object_count") for item in saved}, key=str)
    print(f"  check    : {len(saved):,} items saved (expected {saved_expected:,}), "
          f"object counts {counts}")  # fmt: skip
    run.row("page of 100 p50", ms(pages.p50), ms(PEER_PAGE_P50), ratio(PEER_PAGE_P50, pages.p50))
    run.row("page of 100 p99", ms(pages.p99), ms(PEER_PAGE_P99), ratio(PEER_PAGE_P99, pages.p99))
    run.row("server CPU/page of 100", ms(used / count), "-", "")
    run.peak_so_far()


def phase_export(run: Run) -> None:
    print(f"\nexports of all {len(run.item_ids):,} items")
    for fmt, peer in (("json", PEER_EXPORT_JSON), ("coco", PEER_EXPORT_COCO)):
        cpu = cpu_seconds(run.server.pid)
        done = run_export(run.client, run.project_id, fmt)
        used = cpu_seconds(run.server.pid) - cpu
        both = done.job_seconds + done.download_seconds
        print(f"  {fmt:5}: job {done.job_seconds:6.2f} s (POST to finished), download "
              f"{done.download_seconds:5.2f} s, {done.size / 1e6:,.1f} MB; server CPU "
              f"{used:.2f} s")  # fmt: skip
        line = f"vs {PEER} {peer} s: {ratio(peer, done.job_seconds)} (job + download: "
        line += f"{ratio(peer, both)})"
        if fmt == "json":
            line += f", target < {TARGET_EXPORT_JSON:.0f} s "
            line += verdict(done.job_seconds, TARGET_EXPORT_JSON)
        print(f"         {line}")
        print(f"         check: {done.check}")
        run.row(f"{fmt.upper()} export", f"{done.job_seconds:.2f} s", f"{peer} s",
                ratio(peer, done.job_seconds))  # fmt: skip
        run.row(f"{fmt.upper()} export + download", f"{both:.2f} s", f"{peer} s",
                ratio(peer, both))  # fmt: skip
        run.peak_so_far("         ")


def setup(options: argparse.Namespace, database: Database, images: Path, home: Path) -> Server:
    """Images, user, token and import with the CLI; then the server, started."""
    print("\nsetup (not measured)")
    make_images(images, options.items)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELWISE_")}
    env.update({"PIXELWISE_HOME": str(home), "PIXELWISE_IMPORT_ROOTS": str(images.parent)})
    if database.url:
        env["PIXELWISE_DATABASE_URL"] = database.url
    cli(env, "users", "create", "--email", EMAIL, "--admin", "--password-stdin",
        stdin="bench-password-123\n")  # fmt: skip
    start = time.perf_counter()
    report = cli(env, "datasets", "import", str(images), "--dataset", "bench", "--in-place")
    took = time.perf_counter() - start
    print(f"  import in place: {report.strip().splitlines()[0]} ({took:.1f} s)")
    server = Server(env=env, home=home)
    start = time.perf_counter()
    server.start()
    took = time.perf_counter() - start
    print(f"  server pid {server.pid} answered /api/health after {took:.1f} s; "
          f"RSS {server.rss_now_mib():.0f} MiB")  # fmt: skip
    return server


def make_project(server: Server, token: str, items: int) -> Run:
    client = client_for(server, token)
    datasets = check(client.get("/api/datasets", params={"limit": 500}))["items"]
    dataset = next(d for d in datasets if d["name"] == "bench")
    body = {"name": "bench", "document": INSTRUCTION}
    instruction = check(client.post("/api/instructions", json=body), 201)
    start = time.perf_counter()
    body = {
        "name": "bench",
        "dataset_id": dataset["id"],
        "instruction_id": instruction.get("instruction_id") or instruction["id"],
        "instruction_version": instruction.get("version", 1),
    }
    project_id = int(check(client.post("/api/projects", json=body), 201)["id"])
    listed, _ = list_all(client, project_id)
    deadline = time.monotonic() + 300
    while len(listed) < items and time.monotonic() < deadline:
        time.sleep(0.5)  # in case the work items are made by a job
        listed, _ = list_all(client, project_id)
    took = time.perf_counter() - start
    print(f"  project {project_id}: {len(listed):,} work items ({took:.1f} s from the POST "
          "to a listing of all of them)")  # fmt: skip
    if len(listed) < items:
        raise SystemExit(f"expected {items:,} work items, found {len(listed):,}")
    run = Run(server, client, token, project_id, [int(item["id"]) for item in listed])
    run.peak_so_far()
    return run


def summary(run: Run, engine: str) -> None:
    run.server.sample_now()
    peak = run.server.peak_kib / 1024
    seen = len(run.server.children_seen)
    children = f" (server and {seen} child processes)" if seen else " (one process)"
    print(f"\nserver peak RSS (VmHWM) over the run: {peak:,.0f} MiB{children}; "
          f"vs {PEER} {PEER_RSS_MIB:.0f} MiB: {ratio(PEER_RSS_MIB, peak)}")  # fmt: skip
    run.row("server peak RSS", f"{peak:,.0f} MiB", f"{PEER_RSS_MIB:.0f} MiB",
            ratio(PEER_RSS_MIB, peak))  # fmt: skip
    print(f"\nsummary ({engine}, {os.cpu_count()} CPUs)")
    print(f"  {'figure':<28}{'pixelwise':>12}{PEER:>22}  ratio")
    for name, ours, theirs, times in run.rows:
        print(f"  {name:<28}{ours:>12}{theirs:>22}  {times}")


EMAIL = "bench@example.org"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="",
        help="postgresql://user@host:port/db: a fresh database is created on that server for "
        "the run and dropped after it; default: SQLite in the temporary HOME",
    )
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--work", help="a folder to keep the generated images in between runs, and server logs"
    )
    parser.add_argument("--skip", default="", help="comma-separated: saves,list,export")
    options = parser.parse_args()
    skip = {part.strip() for part in options.skip.split(",") if part.strip()}
    if 2 * options.saves > options.items and "saves" not in skip:
        raise SystemExit("--items must be at least twice --saves (each save takes a new item)")

    print(__doc__.split("Usage:")[0].strip())
    database = Database(options.database_url)
    temp = Path(tempfile.mkdtemp(prefix="pixelwise-bench-label-"))
    images = Path(options.work).resolve() if options.work else temp
    images = images / f"images-{options.items}"
    home = temp / "home"
    home.mkdir()
    server: Server | None = None
    try:
        database.create()
        import pixelwise

        print(f"\nmachine: {machine_line()}")
        python = sys.version.split()[0]
        client = f"client http.client (saves), httpx {httpx.__version__}; HTTP/1.1 keep-alive"
        print(f"software: pixelwise {pixelwise.__version__}, Python {python}, "
              f"{database.version()}; {client}")  # fmt: skip
        print(f"workload: {options.items:,} items; {options.saves:,} saves by 1 client, then "
              f"{options.saves:,} by {options.clients} clients")  # fmt: skip
        server = setup(options, database, images, home)
        token = cli(server.env, "tokens", "create", "--email", EMAIL, "--name", "bench")
        run = make_project(server, token.strip().splitlines()[-1].strip(), options.items)
        if "saves" not in skip:
            phase_saves(run, options.saves, options.clients)
        if "list" not in skip:
            phase_list(run, 0 if "saves" in skip else 2 * options.saves)
        if "export" not in skip:
            phase_export(run)
        run.client.close()
        summary(run, database.engine)
    finally:
        if server is not None:
            server.stop()
            if options.work:
                kept = Path(options.work) / f"server-{database.engine}-{os.getpid()}.log"
                with contextlib.suppress(OSError):
                    shutil.copyfile(server.log_path, kept)
                    print(f"server log kept in {kept}")
        with contextlib.suppress(Exception):
            database.drop()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
