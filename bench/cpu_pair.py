"""Server CPU per save and per page, old code against new, side by side on a busy machine.

On a shared machine one run's figures move with the load more than a change moves them.
This starts two `pixelwise serve` processes at once, one importing the old source tree
(`--base`, a folder holding the `pixelwise` package, e.g. from `git archive OLD src`) and
one the installed code, each on its own fresh database with the same items (set up as
`label_workload.py` does). Then batches of saves (each to a new item, 5 boxes and 2
polygons, checked for status 200) and of listed pages alternate between the two servers,
so both see the same load; each batch's server CPU comes from /proc/<pid>/stat. It prints
the median per save and per page of each side and the median of the per-round ratios.

Usage: python bench/cpu_pair.py --base /tmp/old/src [--database-url postgresql://...]
       [--items 3000] [--rounds 20] [--batch 50] [--pages 30] [--work /tmp/lwwork]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import label_workload as lw  # the set-up and helpers of the label bench


@dataclass
class Side:
    database: lw.Database
    server: lw.Server
    run: lw.Run
    token: str
    next_item: int = 0
    save_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(3))

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def start_side(options: argparse.Namespace, source: str | None, name: str, temp: Path) -> Side:
    """A fresh database (its own name on PostgreSQL), the items imported, a server on
    `source` (None: the installed code), and a project over the items."""
    if source:
        os.environ["PYTHONPATH"] = source
    else:
        os.environ.pop("PYTHONPATH", None)
    database = lw.Database(options.database_url)
    database.create()
    if database.pg_name:  # both sides run in this process: each gets a name of its own
        import psycopg

        renamed = f"{database.pg_name}_{name}"
        with psycopg.connect(database.pg_admin_url, autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{database.pg_name}" RENAME TO "{renamed}"')
        database.pg_name = renamed
        database.url = database.url.rsplit("/", 1)[0] + f"/{renamed}"
    home = temp / name / "home"
    home.mkdir(parents=True)
    images = Path(options.work).resolve() / f"images-{options.items}"
    with contextlib.redirect_stdout(io.StringIO()):
        server = lw.setup(argparse.Namespace(items=options.items), database, images, home)
        made = lw.cli(server.env, "tokens", "create", "--email", lw.EMAIL, "--name", "pair")
        token = made.strip().splitlines()[-1].strip()
        run = lw.make_project(server, token, options.items)
    return Side(database, server, run, token)


def save_batch(side: Side, connection: http.client.HTTPConnection, size: int) -> None:
    ids = side.run.item_ids[side.next_item : side.next_item + size]
    if len(ids) < size:
        raise SystemExit("out of items: raise --items or lower --rounds or --batch")
    side.next_item += size
    bodies = [(item, lw.annotation_body(side.rng, item)) for item in ids]
    start = lw.cpu_seconds(side.server.pid)
    for item, body in bodies:
        path = f"/api/projects/{side.run.project_id}/items/{item}/annotation"
        connection.request("PATCH", path, body, side.headers)
        response = connection.getresponse()
        content = response.read()
        if response.status != 200:
            raise SystemExit(f"PATCH {path} answered {response.status}: {content[:500]!r}")
    side.save_ms.append((lw.cpu_seconds(side.server.pid) - start) * 1000 / size)


def page_batch(side: Side, connection: http.client.HTTPConnection, pages: int) -> None:
    start = lw.cpu_seconds(side.server.pid)
    cursor = ""
    for _ in range(pages):
        query = f"/api/projects/{side.run.project_id}/items?limit=100"
        query += f"&cursor={cursor}" if cursor else ""
        connection.request("GET", query, None, side.headers)
        response = connection.getresponse()
        page = json.loads(response.read())
        if response.status != 200:
            raise SystemExit(f"GET {query} answered {response.status}: {page}")
        cursor = page.get("next_cursor") or ""
    side.page_ms.append((lw.cpu_seconds(side.server.pid) - start) * 1000 / pages)


def report(what: str, old: list[float], new: list[float]) -> None:
    ratios = [b / a for a, b in zip(old, new, strict=True) if a > 0]
    print(f"server CPU per {what}: old {statistics.median(old):.2f} ms, "
          f"new {statistics.median(new):.2f} ms (medians of {len(old)} batches); "
          f"paired new/old {statistics.median(ratios):.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="folder holding the old `pixelwise`")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--work", default=tempfile.gettempdir())
    options = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="pixelwise-bench-pair-"))
    sides: dict[str, Side] = {}
    try:
        sides["old"] = start_side(options, str(Path(options.base).resolve()), "old", temp)
        sides["new"] = start_side(options, None, "new", temp)
        connections = {name: side.connect() for name, side in sides.items()}
        for number in range(options.rounds):
            order = ("old", "new") if number % 2 == 0 else ("new", "old")
            for name in order:
                save_batch(sides[name], connections[name], options.batch)
            for name in order if options.pages else ():
                page_batch(sides[name], connections[name], options.pages)
        report("save", sides["old"].save_ms, sides["new"].save_ms)
        if options.pages:
            report("page of 100", sides["old"].page_ms, sides["new"].page_ms)
    finally:
        for side in sides.values():
            side.server.stop()
            with contextlib.suppress(Exception):
                side.database.drop()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
