"""Listing benchmark: cursor pagination over a million-row table stays flat with depth.

Method: migrate a fresh database (SQLite in a temporary directory, or the one named by
PIXELWISE_DATABASE_URL), insert ROWS audit events in bulk (10% of them `auth.login_failed`,
the rest spread over 9 other actions and 1,000 actors), then answer GET /api/audit through
the real app (in-process ASGI client, bearer-token auth, JSON response) at several depths:
the first page, a page reached by a cursor half-way and one near the end, each unfiltered
and filtered by action. Each figure is the median of REPEAT requests of LIMIT items (the
API figure includes authentication and JSON encoding). Beside it, the same page read in
plain SQL by key (what the API runs) and by LIMIT/OFFSET (what a page-number API would
run), to show that only the keyset read stays flat with depth.

Usage: python bench/listing.py [--rows 1000000] [--limit 100] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import TextClause, insert, select, text

from bench_context import fresh_context
from pixelwise.app import create_app
from pixelwise.db.models import AuditEvent
from pixelwise.domain.pagination import encode_cursor

ACTIONS = [
    "user.update",
    "project.create",
    "project.update",
    "member.set",
    "asset.view",
    "asset.download",
    "token.create",
    "job.create",
    "auth.login",
]


def fill(ctx_database: object, rows: int, batch: int = 50_000) -> float:
    start = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    database = ctx_database
    done = 0
    while done < rows:
        chunk = []
        for index in range(done, min(done + batch, rows)):
            action = "auth.login_failed" if index % 10 == 0 else ACTIONS[index % 9]
            chunk.append(
                {
                    "at": base + timedelta(seconds=index),
                    "actor_id": None,
                    "actor_email": f"user{index % 1000}@example.org",
                    "action": action,
                    "target_type": "user",
                    "target_id": str(index % 5000),
                    "client_address": "10.0.0.1",
                    "detail": {},
                }
            )
        with database.transaction() as session:  # type: ignore[attr-defined]
            session.execute(insert(AuditEvent), chunk)
        done += len(chunk)
        print(f"\r  inserted {done:,} / {rows:,}", end="", flush=True)
    print()
    return time.perf_counter() - start


def median_ms(call: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    ctx, token = fresh_context()
    print(f"filling {options.rows:,} audit events ({ctx.database.dialect}) ...")
    seconds = fill(ctx.database, options.rows)
    print(f"  {options.rows / seconds:,.0f} rows/s")
    with ctx.database.read() as session:
        top = int(session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)))
    app = create_app(ctx.settings, ctx)
    headers = {"Authorization": f"Bearer {token}"}
    print()
    print(__doc__.split("Usage:")[0].strip())
    print()
    print(f"rows: {options.rows:,}, limit: {options.limit}, repeat: {options.repeat}")
    print(f"{'page':<28}{'GET /api/audit':>14}{'keyset SQL':>15}{'OFFSET SQL':>15}")
    with TestClient(app) as client:
        for label, depth in (
            ("first", 0),
            ("half-way", options.rows // 2),
            ("near the end", options.rows - 20 * options.limit),
        ):
            for action in (None, "auth.login_failed"):
                params: dict[str, str | int] = {"limit": options.limit}
                share = 10 if action else 1
                if depth:
                    params["cursor"] = encode_cursor(top - depth)
                if action:
                    params["action"] = action
                response = client.get("/api/audit", params=params, headers=headers)
                assert response.status_code == 200, response.text
                assert len(response.json()["items"]) == options.limit
                api = median_ms(
                    lambda p=params: client.get("/api/audit", params=p, headers=headers),
                    options.repeat,
                )
                filters = "action = :action" if action else "1 = 1"
                keyset_sql = text(
                    f"SELECT * FROM audit_events WHERE {filters} AND id < :after "
                    f"ORDER BY id DESC LIMIT {options.limit}"
                )
                offset_sql = text(
                    f"SELECT * FROM audit_events WHERE {filters} ORDER BY id DESC "
                    f"LIMIT {options.limit} OFFSET {depth // share}"
                )
                bind = {"action": action, "after": top - depth + 1}

                def run_sql(sql: TextClause, bind: dict[str, object] = bind) -> None:
                    with ctx.database.read() as session:
                        session.execute(sql, bind).all()

                keyset = median_ms(lambda sql=keyset_sql: run_sql(sql), options.repeat)
                off = median_ms(lambda sql=offset_sql: run_sql(sql), max(3, options.repeat // 4))
                name = f"{label}{' (filtered)' if action else ''}"
                print(f"{name:<28}{api:>11.1f} ms{keyset:>12.1f} ms{off:>12.1f} ms")


if __name__ == "__main__":
    main()
