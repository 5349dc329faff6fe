"""Benchmark the batch list: 100,000 batches, 5,000,000 batch users, filters + sort, first page.

    /work/venv/bin/python bench/bench_list.py [--batches N] [--users N] [--runs N] [--keep PATH]

Builds a temporary store with set-based SQL, then times `core.history.listing.list_batches` (count +
first page, read from the counters kept on `batches`) for a representative set of filter and
sort combinations, against a naive version that recomputes every batch's counts and status from
the batch-user rows on each query. Both must return the same rows; the table shows medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.access.roles import Account, Role
from core.batches.visibility import draft_scope
from core.history import charts, export, listing
from core.history.view import BatchFilter
from core.publishing import unlock_counts
from core.store.duckdb import batches_sql
from core.store.duckdb.history_sql import sort_sql, where_sql
from tests.support.store import open_store

TZ = "Europe/Paris"
BUDGET_MS = 50.0
ADMIN = Account("admin", Role.ADMIN)
DEV = Account("dev1", Role.DEV)

# fmt: off
WORDS = ["Spring", "Summer", "Autumn", "Winter", "Hackathon", "Community", "Support", "Beta",
         "Campus", "Partner", "Forum", "Course", "Newsletter", "Mentoring", "Onboarding"]
# fmt: on


def insert_batches(cur: duckdb.DuckDBPyConnection, n_batches: int, status_sql: str) -> None:
    """Insert batches 1..n over three years: hashed names, quests 1-90 and five creators.

    `status_sql` is this module's or big_store's own SQL (never outside text): a CASE on
    `hash(i, 4)` that gives each batch its status, so each benchmark picks its mix.
    """
    cur.execute(
        f"""
        INSERT INTO batches (id, name, quest_id, status, created_by, created_at, updated_at,
                             queued_at)
        SELECT i,
               $words[(1 + hash(i, 1) % len($words))::BIGINT] || ' '
                   || $words[(1 + hash(i, 2) % len($words))::BIGINT] || ' #' || i,
               1 + hash(i, 3) % 90,
               {status_sql},
               ['admin', 'dev1', 'dev2', 'dev3', 'dev4'][(1 + hash(i, 5) % 5)::BIGINT],
               $start + to_seconds(i * 950 + (hash(i, 6) % 600)::BIGINT),
               $start + to_seconds(i * 950 + 3600 + (hash(i, 7) % 9000)::BIGINT),
               $start + to_seconds(i * 950 + 700)
        FROM range(1, $n + 1) r(i)
        """,
        {"words": WORDS, "n": n_batches, "start": datetime(2024, 1, 1, tzinfo=UTC)},
    )


def build(cur: duckdb.DuckDBPyConnection, n_batches: int, n_users: int) -> None:
    """Fill an empty store: catalog, batches over three years, batch users, unlocks, counters."""
    cur.execute("INSERT INTO badges (name) SELECT 'Badge ' || i FROM range(1, 31) r(i) ORDER BY i")
    cur.execute(
        "INSERT INTO quests (badge_id, name) "
        "SELECT b, 'Quest ' || b || '.' || k FROM range(1, 31) r(b), range(1, 4) s(k) ORDER BY b, k"
    )
    # Status mix of a real history: mostly finished, a few running, a few drafts.
    insert_batches(
        cur,
        n_batches,
        """CASE WHEN hash(i, 4) % 100 < 2 THEN 'draft'
                WHEN hash(i, 4) % 100 < 3 THEN 'unpublished'
                WHEN hash(i, 4) % 100 < 4 THEN 'in_progress'
                WHEN hash(i, 4) % 100 < 10 THEN 'partially_published'
                ELSE 'published' END""",
    )
    cur.execute("SELECT setval('batch_id_seq', $n)", {"n": n_batches})
    # Each user row k belongs to a hashed batch: exact total, sizes around the mean.
    cur.execute(
        """
        INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by, added_at,
                                 processed_at)
        SELECT b.id, u.k,
               CASE WHEN b.status IN ('draft', 'unpublished') THEN 'unpublished'
                    WHEN b.status = 'in_progress' THEN
                        CASE WHEN hash(u.k, 8) % 5 < 2 THEN 'published' ELSE 'unpublished' END
                    WHEN b.status = 'partially_published' AND hash(u.k, 9) % 25 = 0 THEN 'error'
                    ELSE 'published' END,
               'csv', b.created_by, b.created_at, b.queued_at
        FROM range(1, $u + 1) u(k) JOIN batches b ON b.id = 1 + hash(u.k, 10) % $n
        """,
        {"u": n_users, "n": n_batches},
    )
    cur.execute(
        """INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
           SELECT u.user_id, b.quest_id, b.id, u.processed_at
           FROM batch_users u JOIN batches b ON b.id = u.batch_id WHERE u.status = 'published'"""
    )
    unlock_counts.rebuild(cur)
    # The product's own counter upkeep, once for all batches; then restore the history's dates.
    cur.execute("CREATE TEMP TABLE kept AS SELECT id, updated_at FROM batches")
    cur.batches.refresh_counts(list(range(1, n_batches + 1)))
    cur.execute("UPDATE batches b SET updated_at = k.updated_at FROM kept k WHERE k.id = b.id")
    cur.execute("DROP TABLE kept")
    cur.execute("CHECKPOINT")


# The naive list: same filters and sort, but counts and status recomputed from batch_users.
NAIVE_FROM = """FROM (
        SELECT bb.id, bb.name, bb.quest_id, bb.created_by, bb.created_at, bb.updated_at,
               coalesce(c.n_users, 0) AS n_users, coalesce(c.n_unpublished, 0) AS n_unpublished,
               coalesce(c.n_in_progress, 0) AS n_in_progress,
               coalesce(c.n_published, 0) AS n_published, coalesce(c.n_error, 0) AS n_error,
               coalesce(c.n_revoking, 0) AS n_revoking, coalesce(c.n_revoked, 0) AS n_revoked,
               bb.paused_at, bb.revoked_before,
               CASE WHEN bb.status = 'draft' THEN 'draft' ELSE {derived} END AS status
        FROM batches bb LEFT JOIN (
            SELECT batch_id, count(*)::INTEGER AS n_users,
                   count(*) FILTER (WHERE status = 'unpublished')::INTEGER AS n_unpublished,
                   count(*) FILTER (WHERE status = 'in_progress')::INTEGER AS n_in_progress,
                   count(*) FILTER (WHERE status = 'published')::INTEGER AS n_published,
                   count(*) FILTER (WHERE status = 'error')::INTEGER AS n_error,
                   count(*) FILTER (WHERE status = 'revoking')::INTEGER AS n_revoking,
                   count(*) FILTER (WHERE status = 'revoked')::INTEGER AS n_revoked
            FROM batch_users GROUP BY batch_id) c ON c.batch_id = bb.id
    ) b
    LEFT JOIN quests q ON q.id = b.quest_id
    LEFT JOIN badges g ON g.id = q.badge_id""".format(
    derived=batches_sql.DERIVED_STATUS_SQL.format(
        n_users="coalesce(c.n_users, 0)",
        n_published="coalesce(c.n_published, 0)",
        n_error="coalesce(c.n_error, 0)",
        n_in_progress="coalesce(c.n_in_progress, 0)",
        n_revoking="coalesce(c.n_revoking, 0)",
        n_revoked="coalesce(c.n_revoked, 0)",
    )
)


def naive_list(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> tuple[list[int], int]:
    """Return (ids of the first page, total) computed from the batch-user rows."""
    where, params = where_sql(flt, draft_scope(viewer), tz)
    total = cur.sql(f"SELECT count(*) {NAIVE_FROM} {where}", params=params).fetchall()[0][0]
    params = {**params, "limit": flt.page_size, "offset": (flt.page - 1) * flt.page_size}
    key_columns, order = sort_sql(flt)
    rows = cur.sql(
        f"SELECT b.id FROM (SELECT b.*, {key_columns} {NAIVE_FROM} {where}) b "
        f"ORDER BY {order} LIMIT $limit OFFSET $offset",
        params=params,
    ).fetchall()
    return [r[0] for r in rows], total


def cases(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, Account, BatchFilter]]:
    """A representative set of filter + sort combinations, from none to all at once."""
    mid = date(2025, 6, 15)
    return [
        ("no filter, newest first", ADMIN, BatchFilter()),
        ("no filter, as a dev (own drafts)", DEV, BatchFilter()),
        ("status Published, by Title", ADMIN, BatchFilter(statuses=["published"], sort="name")),
        ("status 2 running, by Status", ADMIN,
         BatchFilter(statuses=["unpublished", "in_progress"], sort="status")),
        ("status Draft, by Users desc", DEV,
         BatchFilter(statuses=["draft"], sort="users", desc=True)),
        ("name 'spring', by Users desc", ADMIN,
         BatchFilter(name="spring", sort="users", desc=True)),
        ("name '#4242' (rare), by Quest", ADMIN, BatchFilter(name="#4242", sort="quest")),
        ("badge 7 (all quests), by Created at", ADMIN,
         BatchFilter(badge_ids=[7], sort="created_at", desc=False)),
        ("quests 3+50 + Published, by Badge", ADMIN,
         BatchFilter(quest_ids=[3, 50], statuses=["published"], sort="badge")),
        ("created > day, by Last updated", ADMIN,
         BatchFilter(created=(">", mid), sort="updated_at")),
        ("created = day, newest first", ADMIN, BatchFilter(created=("=", mid))),
        ("updated < day + Partially, by Title desc", ADMIN,
         BatchFilter(updated=("<", mid), statuses=["partially_published"], sort="name",
                     desc=True)),
        ("every filter at once, by Status", DEV,
         BatchFilter(statuses=["published", "partially_published"], name="on",
                     badge_ids=[1, 2, 3], quest_ids=[40], created=(">", date(2024, 3, 1)),
                     updated=("<", date(2026, 1, 1)), sort="status")),
        ("no filter, by Title desc", ADMIN, BatchFilter(sort="name", desc=True)),
        ("no filter, by Badge", ADMIN, BatchFilter(sort="badge")),
        ("no filter, by Quest desc", ADMIN, BatchFilter(sort="quest", desc=True)),
        ("no filter, by Status desc", ADMIN, BatchFilter(sort="status", desc=True)),
        ("no filter, by Last updated (newest)", ADMIN, BatchFilter(sort="updated_at")),
        ("no filter, by Created by", ADMIN, BatchFilter(sort="created_by")),
        ("no filter, by Users, page 100 (not first)", ADMIN, BatchFilter(sort="users", page=100)),
    ]  # fmt: skip


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Return the median wall time of fn() in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Build the store, time every case fast and naive, print a table; exit 1 over budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--naive-runs", type=int, default=5)
    parser.add_argument("--keep", metavar="PATH", help="build (or reuse) this data file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.duckdb"
        con = open_store(path)
        cur = con.cursor()
        if cur.sql("SELECT count(*) FROM batches").fetchall()[0][0] == 0:
            start = time.perf_counter()
            build(cur, args.batches, args.users)
            print(f"built in {time.perf_counter() - start:.1f} s")
        n_b, n_u, n_x = cur.sql(
            "SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM batch_users), "
            "(SELECT count(*) FROM unlocks)"
        ).fetchall()[0]
        print(
            f"{n_b:,} batches, {n_u:,} batch users, {n_x:,} unlocks; duckdb {duckdb.__version__};"
            f" tz {TZ}; medians of {args.runs} runs (naive {args.naive_runs})\n"
        )

        header = f"{'case':44} {'matches':>8} {'list ms':>8} {'naive ms':>9} {'x':>6}"
        print(header)
        print("-" * len(header))
        worst = 0.0
        for title, viewer, flt in cases(cur):
            page = listing.list_batches(cur, viewer, flt, TZ)
            ids, total = naive_list(cur, viewer, flt, TZ)
            if page.rows["id"].to_list() != ids or page.total != total:
                print(f"MISMATCH in {title!r}: counters and batch users disagree")
                return 1
            fast = median_ms(lambda v=viewer, f=flt: listing.list_batches(cur, v, f, TZ),
                             args.runs)  # fmt: skip
            slow = median_ms(lambda v=viewer, f=flt: naive_list(cur, v, f, TZ), args.naive_runs)
            worst = max(worst, fast)
            print(f"{title:44} {page.total:>8,} {fast:>8.1f} {slow:>9.1f} {slow / fast:>5.0f}x")

        print("\ncharts and export (not part of the 50 ms budget; medians of 5):")
        every = BatchFilter()
        published = BatchFilter(statuses=["published"])
        badge = BatchFilter(badge_ids=[7])
        for title, fn in (
            ("batches_by_status, no filter",
             lambda: charts.batches_by_status(cur, ADMIN, every, TZ)),
            ("unlocks_by_week, no filter", lambda: charts.unlocks_by_week(cur, ADMIN, every, TZ)),
            ("unlocks_by_week, status Published (90%)",
             lambda: charts.unlocks_by_week(cur, ADMIN, published, TZ)),
            ("unlocks_by_week, badge 7 (3%)",
             lambda: charts.unlocks_by_week(cur, ADMIN, badge, TZ)),
            # What the list draws: the weeks, then the months when they span over a year.
            ("unlocks_over_time, no filter",
             lambda: charts.unlocks_over_time(cur, ADMIN, every, TZ)),
            ("unlocks_over_time, badge 7 (3%)",
             lambda: charts.unlocks_over_time(cur, ADMIN, badge, TZ)),
            ("export_batches, no filter (CSV, all rows)",
             lambda: export.export_batches(cur, ADMIN, every, TZ)),
        ):  # fmt: skip
            print(f"{title:44} {median_ms(fn, 5):>8.1f} ms")
        con.close()

    # Other work on the machine slows every query alike: say how busy it was.
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    verdict = "within" if worst <= BUDGET_MS else "OVER"
    print(f"\nslowest first-page median {worst:.1f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
