"""Export benchmark: time and peak memory of a project export as the number of objects grows.

Method (every figure is printed with its inputs):

1. A fresh SQLite database under a temporary PIXELWISE_HOME is migrated, then filled with
   plain SQL inserts in batches (no ORM objects): one dataset, ITEMS image assets of
   640x480, one project with a three-class instruction, one work item per asset and
   PER_ITEM objects per item (boxes, 8-vertex polygons and 3-point skeletons in turn, with
   attributes).
2. The export runs in a child process, as `pixelwise export` runs it: the job is started
   through the services and executed in that process, then the assembled document is
   streamed to a file. The child reports the wall time of the job, of the download, the
   bytes written, its peak RSS (VmHWM from /proc/self/status, which is what
   `resource.getrusage` reports as ru_maxrss) measured just before the export and at the
   end, so the difference is what the export itself added.
3. Memory stays flat when the added peak does not grow with the number of objects: run it
   at 70,000 and at 1,000,000 objects and compare.

Usage: python bench/export_memory.py [--items 10000] [--per-item 7] [--format json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

INSTRUCTION = {
    "classes": [
        {
            "key": "car",
            "name": "Car",
            "color": "#ff0000",
            "tool": "box",
            "attributes": [{"key": "parked", "name": "Parked", "type": "boolean"}],
        },
        {"key": "road", "name": "Road", "color": "#00ff00", "tool": "polygon"},
        {
            "key": "person",
            "name": "Person",
            "color": "#0000ff",
            "tool": "skeleton",
            "skeleton": "body",
        },
    ],
    "skeletons": [
        {
            "key": "body",
            "name": "Body",
            "keypoints": [
                {"key": "head", "name": "Head"},
                {"key": "hand", "name": "Hand"},
                {"key": "foot", "name": "Foot"},
            ],
            "edges": [["head", "hand"], ["head", "foot"]],
        }
    ],
}


def _geometry(n: int) -> tuple[str, str, dict[str, Any]]:
    x, y = float(n % 600), float(n % 440)
    if n % 3 == 0:
        return "car", "box", {"type": "box", "x": x, "y": y, "w": 30.5, "h": 20.25}
    if n % 3 == 1:
        ring = [
            [x, y],
            [x + 20, y],
            [x + 30, y + 10],
            [x + 30, y + 30],
            [x + 20, y + 38],
            [x, y + 38],
            [x - 5, y + 20],
            [x + 2, y + 8],
        ]
        return "road", "polygon", {"type": "polygon", "parts": [{"outer": ring, "holes": []}]}
    points = [
        {"x": x, "y": y, "visible": 2, "key": "head"},
        {"x": x + 5, "y": y + 9, "visible": 2, "key": "hand"},
        {"x": x + 1, "y": y + 30, "visible": 1, "key": "foot"},
    ]
    return "person", "points", {"type": "points", "points": points}


def fill(home: Path, items: int, per_item: int) -> int:
    """Create the project; returns its id."""
    from sqlalchemy import insert

    from pixelwise.cli.serving import open_context
    from pixelwise.db.models import AnnotationObject, Asset, Dataset, Project, WorkItem
    from pixelwise.services import instructions
    from pixelwise.services.context import Actor
    from pixelwise.settings import load_settings

    ctx = open_context(load_settings(home=str(home)))
    version = instructions.create_instruction(
        ctx, Actor.system("bench"), name="bench", document=INSTRUCTION
    )
    from pixelwise.db.models import InstructionVersion

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
    batch = 5000
    object_id = 0
    for start in range(0, items, batch):
        count = min(batch, items - start)
        with ctx.database.transaction() as session:
            session.execute(
                insert(Asset),
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
                        "width": 640,
                        "height": 480,
                        "meta": {},
                        "created_at": now,
                    }
                    for i in range(count)
                ],
            )
            session.execute(
                insert(WorkItem),
                [
                    {
                        "id": start + i + 1,
                        "project_id": project_id,
                        "asset_id": start + i + 1,
                        "round": 0,
                        "state": "submitted",
                        "revision": 1,
                        "object_count": per_item,
                        "answers": {"weather": "sunny"},
                        "time_spent": 3.5,
                        "updated_at": now,
                    }
                    for i in range(count)
                ],
            )
            rows = []
            for i in range(count):
                for k in range(per_item):
                    object_id += 1
                    class_key, kind, geometry = _geometry(object_id)
                    rows.append(
                        {
                            "id": object_id,
                            "work_item_id": start + i + 1,
                            "uid": f"o{k}",
                            "class_key": class_key,
                            "geometry_type": kind,
                            "geometry": geometry,
                            "attributes": {"parked": k % 2 == 0},
                            "source": "manual",
                            "z_order": k,
                            "flags": [],
                            "time_spent": 1.0,
                            "revision": 1,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            session.execute(insert(AnnotationObject), rows)
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
    started = time.perf_counter()
    job = exports.start_export(ctx, actor, project_id, format_name)
    outcome = job_runs.execute(ctx, job.id)
    job_seconds = time.perf_counter() - started
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
                "download_s": download_seconds,
                "bytes": written,
                "hwm_before_kib": before,
                "hwm_after_kib": _hwm_kib(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--per-item", type=int, default=7)
    parser.add_argument("--format", default="json", choices=["json", "coco", "masks"])
    parser.add_argument("--child", nargs=3, metavar=("HOME", "PROJECT", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.format, args.child[2])
        return
    with tempfile.TemporaryDirectory(prefix="pixelwise-export-bench-") as folder:
        home = Path(folder) / "home"
        os.environ.pop("PIXELWISE_DATABASE_URL", None)
        started = time.perf_counter()
        project_id = fill(home, args.items, args.per_item)
        fill_seconds = time.perf_counter() - started
        out = Path(folder) / "export.out"
        command = [
            sys.executable,
            __file__,
            "--format",
            args.format,
            "--child",
            str(home),
            str(project_id),
            str(out),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        objects = args.items * args.per_item
        print(
            f"export {args.format}: {args.items} items x {args.per_item} objects = {objects} "
            f"objects (SQLite, filled in {fill_seconds:.1f} s)"
        )
        print(
            f"  job (parts written): {figures['job_s']:.2f} s  "
            f"({objects / figures['job_s']:,.0f} objects/s)"
        )
        print(
            f"  download (assembled, streamed to a file): {figures['download_s']:.2f} s, "
            f"{figures['bytes'] / 1e6:.1f} MB"
        )
        added = figures["hwm_after_kib"] - figures["hwm_before_kib"]
        print(
            f"  peak RSS (VmHWM): {figures['hwm_before_kib'] / 1024:.0f} MiB before the "
            f"export, {figures['hwm_after_kib'] / 1024:.0f} MiB after "
            f"(+{added / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
