"""Navigation benchmark: a project's progress and the workspace's moves on 100,000 items.

Method: migrate a fresh database (SQLite in a temporary directory, or the one named by
PIXELWISE_DATABASE_URL, whose public schema is dropped first), insert one dataset of ITEMS
image assets in folders of 1,000 (`f042/img_0042123.png`) and one project with a work item
for each (plain bulk inserts; states spread: 60% queued of which a third saved, 5% leased,
20% submitted, 5% skipped, 5% accepted, 5% rejected), then ask the real app (in-process
ASGI client, bearer token, JSON) for what the project page and the workspace read:

- `GET /progress`: the counts by state (one grouped query);
- `GET /item-window?item_id=` around an item near the end of the list (its position is
  counted), and `?position=` near the end (the item at a position), 10 items either side;
- `GET /item-search?name=`: a name that matches one item near the end (the first 10,000
  items are walked, then the asset names scanned once) and one that matches many (the
  first 20 are found at once).

Each figure is the median of REPEAT requests; the first answer of each is checked.

Usage: python bench/navigation.py [--items 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from bench_context import fresh_context
from pixelwise.app import create_app
from pixelwise.db.models import Asset, Dataset, Project, WorkItem

STATES = [("queued", 40), ("queued-saved", 20), ("leased", 5), ("submitted", 20),
          ("skipped", 5), ("accepted", 5), ("rejected", 5)]  # fmt: skip


def state_of(index: int) -> tuple[str, int]:
    """(state, revision) of the index-th item, spread by the shares of STATES."""
    slot = index % 100
    for name, share in STATES:
        if slot < share:
            return ("queued", 1) if name == "queued-saved" else (name, 0 if name == "queued" else 1)
        slot -= share
    raise AssertionError(slot)


def fill(ctx: Any, items: int, batch: int = 20_000) -> tuple[int, float]:
    start = time.perf_counter()
    with ctx.database.transaction() as session:
        dataset = Dataset(name="bench")
        session.add(dataset)
        session.flush()
        project = Project(name="bench", dataset_id=dataset.id)
        session.add(project)
        session.flush()
        dataset_id, project_id = dataset.id, project.id
    done = 0
    while done < items:
        indexes = range(done, min(done + batch, items))
        assets = [
            {"dataset_id": dataset_id, "folder": f"f{n // 1000:03d}", "name": f"img_{n:07d}.png",
             "kind": "image", "media_type": "image/png", "blob_key": f"bench/{n}",
             "size_bytes": 1000, "checksum": f"{n:064d}", "width": 640, "height": 480}
            for n in indexes
        ]  # fmt: skip
        with ctx.database.transaction() as session:
            session.execute(insert(Asset), assets)
            ids = list(
                session.scalars(
                    select(Asset.id)
                    .where(Asset.dataset_id == dataset_id)
                    .order_by(Asset.id.desc())
                    .limit(len(assets))
                )
            )[::-1]
            rows = []
            for n, asset_id in zip(indexes, ids, strict=True):
                state, revision = state_of(n)
                rows.append({"project_id": project_id, "asset_id": asset_id, "state": state,
                             "revision": revision, "object_count": revision})  # fmt: skip
            session.execute(insert(WorkItem), rows)
        done += len(assets)
        print(f"\r  inserted {done:,} / {items:,}", end="", flush=True)
    print()
    if ctx.database.dialect == "postgresql":
        autocommit = ctx.database.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with ctx.database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return project_id, time.perf_counter() - start


def median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    ctx, token = fresh_context()
    print(f"filling {options.items:,} items ({ctx.database.dialect}) ...")
    project_id, seconds = fill(ctx, options.items)
    print(f"  {options.items / seconds:,.0f} items/s")
    with ctx.database.read() as session:
        ids = list(
            session.scalars(
                select(WorkItem.id).where(WorkItem.project_id == project_id).order_by(WorkItem.id)
            )
        )
    near_end = options.items - 50
    last_name = f"img_{near_end:07d}"
    base = f"/api/projects/{project_id}"
    cases: list[tuple[str, str, dict[str, Any], Callable[[Any], None]]] = [
        ("progress", f"{base}/progress", {},
         lambda body: assert_equal(body["total"], options.items)),
        ("item-window by item id, near the end", f"{base}/item-window",
         {"item_id": ids[near_end], "before": 10, "after": 10},
         lambda body: assert_equal(body["anchor_position"], near_end + 1)),
        ("item-window by position, near the end", f"{base}/item-window",
         {"position": near_end + 1, "before": 10, "after": 10},
         lambda body: assert_equal(body["anchor_id"], ids[near_end])),
        ("item-search, one match near the end", f"{base}/item-search", {"name": last_name},
         lambda body: assert_equal([i["position"] for i in body["items"]], [near_end + 1])),
        ("item-search, many matches (first 20)", f"{base}/item-search", {"name": "img_00"},
         lambda body: assert_equal(len(body["items"]), 20)),
    ]  # fmt: skip
    app = create_app(ctx.settings, ctx)
    headers = {"Authorization": f"Bearer {token}"}
    print()
    print(__doc__.split("Usage:")[0].strip())
    print()
    print(f"items: {options.items:,} ({ctx.database.dialect}), repeat: {options.repeat}")
    with TestClient(app) as client:
        for label, url, params, check in cases:
            response = client.get(url, params=params, headers=headers)
            assert response.status_code == 200, response.text
            check(response.json())
            ms = median_ms(lambda u=url, p=params: client.get(u, params=p, headers=headers),
                           options.repeat)  # fmt: skip
            print(f"{label:<42}{ms:>9.1f} ms")


def assert_equal(found: object, expected: object) -> None:
    assert found == expected, (found, expected)


if __name__ == "__main__":
    main()
