"""Export benchmark: time and peak memory of project exports as the number of objects grows.

Method (every figure is printed with its inputs):

1. A fresh database is migrated and filled with plain SQL inserts in batches (no ORM
   objects): SQLite under a temporary PIXELWISE_HOME, or, with `--database-url
   postgresql://...`, a new database `bench_export_<pid>` created through the server's
   `postgres` maintenance database and dropped at the end. It holds one dataset, ITEMS image
   assets of 640x480, one project whose instruction has box classes `car` and `person`, a
   polygon class `road` and a single-choice image question `weather`, and one submitted
   work item per asset with the image-level answer and PER_ITEM objects: of every 7, 5 boxes
   and 2 polygons of 20 vertices (points on an ellipse), each with an attribute (so 7 per
   item is the labeling workload of `bench/label_workload.py`), with the export texts a save
   keeps (`formats.fragments`).
2. Each format runs in a child process of its own, as `pixelwise export` runs it: the job
   is started through the services and executed in that process, then the assembled
   document is streamed to a file. The child reports the wall time of the job, of the
   download, the CPU seconds of the job in this process, the bytes written, and its peak
   RSS (VmHWM from /proc/self/status, which is what `resource.getrusage` reports as
   ru_maxrss) just before the export and at the end,
   so the difference is what the export itself added. On PostgreSQL the server's own
   memory and CPU are not in these figures.
3. Memory stays flat when the added peak does not grow with the number of objects: run it
   at 70,000 and at 1,000,000 objects and compare.

Usage: python bench/export_memory.py [--items 10000] [--per-item 7] [--formats json,coco]
       [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

WIDTH, HEIGHT = 640, 480
FORMATS = ("json", "coco", "masks")

INSTRUCTION = {
    "classes": [
        {
            "key": "car",
            "name": "Car",
            "color": "#ff0000",
            "tool": "box",
            "attributes": [{"key": "parked", "name": "Parked", "type": "boolean"}],
        },
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


def _geometry(n: int, k: int) -> tuple[str, str, dict[str, Any]]:
    """Object `k` of an item (object `n` of the project): of every 7, 5 boxes then 2
    polygons of 20 vertices on an ellipse, spread over the image."""
    if k % 7 < 5:
        w, h = 20.0 + n % 140, 20.0 + n % 97
        x, y = float(n % int(WIDTH - w)), float(n % int(HEIGHT - h))
        box = {"type": "box", "x": x, "y": y, "w": w, "h": h}
        return ("car", "person")[k % 2], "box", box
    rx, ry = 30.0 + n % 120, 30.0 + n % 80
    cx, cy = rx + n % int(WIDTH - 2 * rx), ry + n % int(HEIGHT - 2 * ry)
    ring = [
        [
            round(cx + rx * math.cos(2 * math.pi * v / 20), 2),
            round(cy + ry * math.sin(2 * math.pi * v / 20), 2),
        ]
        for v in range(20)
    ]
    return "road", "polygon", {"type": "polygon", "parts": [{"outer": ring, "holes": []}]}


def _measures(geometry: dict[str, Any]) -> tuple[float, float, float, float, float]:
    """Bounding box and area as a save keeps them (`domain.geometry.bbox_of`, `area_of`)."""
    from pixelwise.domain.geometry import polygon_area

    if geometry["type"] == "box":
        w, h = geometry["w"], geometry["h"]
        return geometry["x"], geometry["y"], w, h, w * h
    ring = geometry["parts"][0]["outer"]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    left, top = min(xs), min(ys)
    return left, top, max(xs) - left, max(ys) - top, polygon_area(ring)


def fill(home: Path, items: int, per_item: int) -> int:
    """Create the project; returns its id."""
    from sqlalchemy import insert

    from pixelwise.cli.serving import open_context
    from pixelwise.db.models import (
        AnnotationObject,
        Asset,
        Dataset,
        InstructionVersion,
        Project,
        WorkItem,
    )
    from pixelwise.formats.fragments import stored_texts
    from pixelwise.services import instructions
    from pixelwise.services.context import Actor
    from pixelwise.settings import load_settings

    ctx = open_context(load_settings(home=str(home)))
    version = instructions.create_instruction(
        ctx, Actor.system("bench"), name="bench", document=INSTRUCTION
    )
    now = ctx.now()
    with ctx.database.transaction() as session:
        dataset = Dataset(name="bench")
        session.add(dataset)
        session.flush()
        version_id = (
            session.query(InstructionVersion.id)
            .filter_by(instruction_id=version.instruction_id)
            .scalar()
        )
        project = Project(name="bench", dataset_id=dataset.id, instruction_version_id=version_id)
        session.add(project)
        session.flush()
        dataset_id, project_id = dataset.id, project.id
    assets, work_items, objects = Asset.__table__, WorkItem.__table__, AnnotationObject.__table__
    batch = 5000
    object_id = 0
    for start in range(0, items, batch):
        count = min(batch, items - start)
        with ctx.database.transaction() as session:
            session.execute(
                insert(assets),
                [
                    {
                        "id": start + i + 1,
                        "dataset_id": dataset_id,
                        "folder": "f",
                        "kind": "image",
                        "name": f"{start + i:07d}.jpg",
                        "media_type": "image/jpeg",
                        "blob_key": "k",
                        "size_bytes": 1,
                        "checksum": "0",
                        "width": WIDTH,
                        "height": HEIGHT,
                        "meta": {},
                        "created_at": now,
                    }
                    for i in range(count)
                ],
            )
            session.execute(
                insert(work_items),
                [
                    {
                        "id": start + i + 1,
                        "project_id": project_id,
                        "asset_id": start + i + 1,
                        "round": 0,
                        "state": "submitted",
                        "revision": 1,
                        "object_count": per_item,
                        "answers": {"weather": ("sunny", "rain")[i % 2]},
                        "time_spent": 12.5,
                        "updated_at": now,
                    }
                    for i in range(count)
                ],
            )
            rows = []
            for i in range(count):
                for k in range(per_item):
                    object_id += 1
                    class_key, kind, geometry = _geometry(object_id, k)
                    x, y, w, h, area = _measures(geometry)
                    row = {
                        "id": object_id,
                        "work_item_id": start + i + 1,
                        "uid": f"i{start + i + 1}-o{k}",
                        "class_key": class_key,
                        "geometry_type": kind,
                        "geometry": geometry,
                        "attributes": {"parked": k % 2 == 0} if class_key == "car" else {},
                        "source": "manual",
                        "z_order": k,
                        "flags": [],
                        "bbox_x": x,
                        "bbox_y": y,
                        "bbox_w": w,
                        "bbox_h": h,
                        "area": area,
                        "time_spent": 1.0,
                        "revision": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    # The export texts a save keeps (formats.fragments).
                    row["native_json"], row["coco_json"] = stored_texts(row)
                    rows.append(row)
            session.execute(insert(objects), rows)
    ctx.database.dispose()
    return project_id


def _hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(home: str, project_id: int, format_name: str, out: str) -> None:
    """Run one export in this process and print its figures as JSON."""
    from pixelwise.cli.serving import open_context
    from pixelwise.jobs.runtime import JobRuntime
    from pixelwise.services import exports, job_runs
    from pixelwise.services.context import Actor
    from pixelwise.settings import load_settings

    ctx = open_context(load_settings(home=home))
    ctx.enqueuer = JobRuntime(ctx)
    actor = Actor.system("bench")
    before = _hwm_kib()
    started, cpu_started = time.perf_counter(), time.process_time()
    job = exports.start_export(ctx, actor, project_id, format_name)
    outcome = job_runs.execute(ctx, job.id)
    job_seconds = time.perf_counter() - started
    job_cpu = time.process_time() - cpu_started
    started = time.perf_counter()
    written = 0
    with open(out, "wb") as handle:
        for chunk in exports.download_export(ctx, actor, project_id, job.id).chunks:
            handle.write(chunk)
            written += len(chunk)
    download_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "outcome": str(outcome),
                "job_s": job_seconds,
                "job_cpu_s": job_cpu,
                "download_s": download_seconds,
                "bytes": written,
                "hwm_before_kib": before,
                "hwm_after_kib": _hwm_kib(),
            }
        )
    )


class FreshDatabase:
    """SQLite under HOME (the default), or a new PostgreSQL database made for the run."""

    def __init__(self, url: str) -> None:
        self.admin_url, self.name, self.url = "", "", ""
        if url:
            if not url.startswith("postgresql"):
                raise SystemExit("--database-url must be a postgresql:// URL")
            parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.name = f"bench_export_{os.getpid()}"
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def __enter__(self) -> FreshDatabase:
        if self.name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                connection.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *_: object) -> None:
        if self.name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def describe(self) -> str:
        if not self.name:
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        import psycopg

        with psycopg.connect(self.url) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'} (database {self.name})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--per-item", type=int, default=7)
    parser.add_argument("--formats", default="json,coco", help="comma-separated: json,coco,masks")
    parser.add_argument("--database-url", default="", help="postgresql://...; default SQLite")
    parser.add_argument("--child", nargs=4, metavar=("HOME", "PROJECT", "FORMAT", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2], args.child[3])
        return
    formats = [name.strip() for name in args.formats.split(",") if name.strip()]
    if not formats or any(name not in FORMATS for name in formats):
        raise SystemExit(f"--formats takes a comma-separated list of {', '.join(FORMATS)}")
    with (
        tempfile.TemporaryDirectory(prefix="pixelwise-export-bench-") as folder,
        FreshDatabase(args.database_url) as database,
    ):
        home = Path(folder) / "home"
        os.environ.pop("PIXELWISE_DATABASE_URL", None)
        if database.url:
            os.environ["PIXELWISE_DATABASE_URL"] = database.url
        started = time.perf_counter()
        project_id = fill(home, args.items, args.per_item)
        fill_seconds = time.perf_counter() - started
        objects = args.items * args.per_item
        print(
            f"{args.items:,} items x {args.per_item} objects = {objects:,} objects "
            f"({database.describe()}, filled in {fill_seconds:.1f} s)"
        )
        for format_name in formats:
            out = Path(folder) / f"export.{format_name}"
            command = [sys.executable, __file__, "--child", str(home), str(project_id)]
            command += [format_name, str(out)]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            out.unlink(missing_ok=True)
            added = figures["hwm_after_kib"] - figures["hwm_before_kib"]
            print(
                f"  {format_name:5}: job {figures['job_s']:6.2f} s "
                f"({objects / figures['job_s']:,.0f} objects/s, this process's CPU "
                f"{figures['job_cpu_s']:.2f} s), download "
                f"{figures['download_s']:.2f} s ({figures['bytes'] / 1e6:,.1f} MB), peak RSS "
                f"{figures['hwm_before_kib'] / 1024:.0f} -> "
                f"{figures['hwm_after_kib'] / 1024:.0f} MiB (+{added / 1024:.0f} MiB)"
            )


if __name__ == "__main__":
    main()
