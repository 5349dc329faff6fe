"""Benchmark the publisher: 1,000,000 platform users, 5,000-user batches, against a per-user loop.

    /work/venv/bin/python bench/bench_publish.py [--users N] [--history N] [--runs N] [--chunk N]
                                                 [--naive-users N] [--keep PATH]

Builds a temporary store (platform users, a history of finished batches with their unlocks), then
times the worker (`core.publishing.worker.run_until_empty`, unthrottled) on (a) one 5,000-user batch, counting
the progress updates it commits on the way, and (b) ten 5,000-user batches published together.
It compares, in the same run, a naive publisher that handles one user per transaction: it times a
few hundred users and extrapolates to 5,000 and 50,000 users (labelled as such). Medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.access.roles import Account, Role
from core.publishing import actions, batch_report, throttle, unlocking, worker
from tests.support.store import open_store

ADMIN = Account("bench", Role.ADMIN)
BATCH = 5_000
BUDGET_ONE = 1.0  # seconds of worker time for one 5,000-user batch
BUDGET_TEN = 10.0  # seconds for ten of them published together
HISTORY_QUESTS = 40  # quests 1-40 hold the history; the benchmark batches use the others
QUESTS = 200


def build(cur: duckdb.DuckDBPyConnection, n_users: int, n_history: int) -> None:
    """Fill an empty store: one badge with quests, users (2% deactivated), finished batches."""
    cur.execute("INSERT INTO badges (name) VALUES ('Bench badge')")
    cur.execute(
        "INSERT INTO quests (badge_id, name) SELECT 1, 'Quest ' || q FROM range(1, ?) r(q)",
        [QUESTS + 1],
    )
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
           SELECT i, 'user' || i, 'user' || i || '@bench.example', 'user' || i,
                  'user' || i || '@bench.example', hash(i) % 50 <> 0
           FROM range(1, ?) r(i)""",
        [n_users + 1],
    )
    if not n_history:
        return
    # Finished batches of 5,000 users each, every user in one of them, with their unlocks: the
    # worker's queries scan batch_users and probe unlocks, so both should be of a realistic size.
    n_batches = max(1, n_history // BATCH)
    cur.execute(
        """INSERT INTO batches (id, name, quest_id, status, created_by, queued_at)
           SELECT b, 'History ' || b, 1 + (b - 1) % ?, 'published', 'bench',
                  now() - INTERVAL 30 DAY
           FROM range(1, ?) r(b)""",
        [HISTORY_QUESTS, n_batches + 1],
    )
    cur.execute(
        """INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by, processed_at)
           SELECT 1 + i % $batches, 1 + i % $users, 'published', 'cli', 'bench', now()
           FROM range(0, $n) r(i)""",
        {"batches": n_batches, "users": n_users, "n": n_history},
    )
    cur.execute(
        """INSERT INTO unlocks (user_id, quest_id, batch_id)
           SELECT DISTINCT ON (u.user_id, b.quest_id) u.user_id, b.quest_id, u.batch_id
           FROM batch_users u JOIN batches b ON b.id = u.batch_id"""
    )
    cur.execute("SELECT setval('batch_id_seq', ?)", [n_batches])
    cur.batches.refresh_counts(list(range(1, n_batches + 1)))


class Batches:
    """Makes queued 5,000-user batches, each for a fresh quest and a fresh random set of users."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, n_users: int) -> None:
        self.cur = cur
        self.n_users = n_users
        self.made = 0

    def draft(self, size: int = BATCH) -> int:
        """Insert a draft with `size` random users; return its id."""
        self.made += 1
        quest = HISTORY_QUESTS + 1 + (self.made - 1) % (QUESTS - HISTORY_QUESTS)
        batch_id = self.cur.execute(
            "INSERT INTO batches (name, quest_id, created_by) VALUES (?, ?, 'bench') RETURNING id",
            [f"Bench {self.made}", quest],
        ).fetchall()[0][0]
        self.cur.execute(
            """INSERT INTO batch_users (batch_id, user_id, added_via, added_by)
               SELECT $batch, i, 'cli', 'bench' FROM range(1, $n + 1) r(i)
               ORDER BY hash(i, $batch) LIMIT $size""",
            {"batch": batch_id, "n": self.n_users, "size": size},
        )
        self.cur.batches.refresh_counts([batch_id])
        return batch_id

    def queued(self, count: int = 1, size: int = BATCH) -> list[int]:
        """Make `count` drafts, then publish them one after the other (as admins would)."""
        ids = [self.draft(size) for _ in range(count)]
        for batch_id in ids:
            actions.publish(self.cur, ADMIN, batch_id)
        return ids


def time_one(cur: duckdb.DuckDBPyConnection, batches: Batches, sizing: dict) -> tuple[float, list]:
    """Publish one batch; return the worker's seconds and the progress seen after each commit."""
    (batch_id,) = batches.queued()
    seen: list[int] = []

    def watch(report: unlocking.ChunkReport) -> None:
        # What a page polling the store would read after this commit.
        seen.append(batch_report.batch_summary(cur, batch_id)["progress"])

    started = time.perf_counter()
    worker.run_until_empty(cur, on_chunk=watch, **sizing)
    seconds = time.perf_counter() - started
    summary = batch_report.batch_summary(cur, batch_id)
    assert summary["status"] == "Partially published"  # 2% of the users are inactive
    return seconds, seen


def time_ten(cur: duckdb.DuckDBPyConnection, batches: Batches, sizing: dict) -> float:
    """Publish ten batches together; return the worker's seconds until all are finished."""
    ids = batches.queued(10)
    started = time.perf_counter()
    report = worker.run_until_empty(cur, **sizing)
    seconds = time.perf_counter() - started
    assert report.processed == 10 * BATCH and sorted(report.finished) == ids
    return seconds


def naive_per_user(cur: duckdb.DuckDBPyConnection, batch_id: int, limit: int) -> float:
    """Process `limit` users one transaction each, as a simple loop would; return seconds per user."""
    quest_id = cur.execute("SELECT quest_id FROM batches WHERE id = ?", [batch_id]).fetchall()[0][0]
    users = [
        r[0]
        for r in cur.execute(
            "SELECT user_id FROM batch_users WHERE batch_id = ? AND status = 'unpublished' "
            "ORDER BY user_id LIMIT ?",
            [batch_id, limit],
        ).fetchall()
    ]

    def one(c: duckdb.DuckDBPyConnection, user_id: int) -> None:
        active = c.execute("SELECT active FROM platform_users WHERE id = ?", [user_id]).fetchall()
        archived = c.execute(
            "SELECT q.archived OR b.archived FROM quests q JOIN badges b ON b.id = q.badge_id "
            "WHERE q.id = ?",
            [quest_id],
        ).fetchall()[0][0]
        if not active or not active[0][0] or archived:
            c.execute(
                "UPDATE batch_users SET status = 'error', error_reason = 'failed', "
                "processed_at = now() WHERE batch_id = ? AND user_id = ?",
                [batch_id, user_id],
            )
        else:
            c.execute(
                "INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [user_id, quest_id, batch_id],
            )
            c.execute(
                "UPDATE batch_users SET status = 'published', processed_at = now() "
                "WHERE batch_id = ? AND user_id = ?",
                [batch_id, user_id],
            )
        c.batches.refresh_counts([batch_id])  # so the page shows progress, as ours does

    started = time.perf_counter()
    for user_id in users:
        cur.transaction(lambda c, u=user_id: one(c, u))
    return (time.perf_counter() - started) / len(users)


def main(argv: list[str] | None = None) -> int:
    """Build the store, run every measure, print the medians; exit 1 if a budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="platform users")
    parser.add_argument("--history", type=int, default=1_000_000, help="finished batch users")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measure")
    parser.add_argument(
        "--chunk", type=int, default=throttle.DEFAULT_CHUNK, help="users in the first chunk"
    )
    parser.add_argument(
        "--max-chunk", type=int, default=throttle.MAX_CHUNK, help="largest chunk (= --chunk: fixed)"
    )
    parser.add_argument("--naive-users", type=int, default=300, help="users the naive loop times")
    parser.add_argument("--keep", metavar="PATH", help="build the store here and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.duckdb"
        con = open_store(path)
        cur = con.cursor()
        started = time.perf_counter()
        cur.transaction(lambda c: build(c, args.users, args.history))
        cur.execute("CHECKPOINT")
        print(
            f"Store: {args.users:,} platform users, {args.history:,} finished batch users and "
            f"their unlocks (built in {time.perf_counter() - started:.1f} s). Chunks: {args.chunk:,} "
            f"users, growing up to {args.max_chunk:,} while quick. DuckDB {duckdb.__version__}. Medians of {args.runs} runs.\n"
        )
        batches = Batches(cur, args.users)

        sizing = {"chunk_size": args.chunk, "max_chunk": args.max_chunk}
        time_one(cur, batches, sizing)  # warm-up: first touches of the tables' pages
        ones = [time_one(cur, batches, sizing) for _ in range(args.runs)]
        one_s = statistics.median(s for s, _ in ones)
        updates = [len(seen) for _, seen in ones]
        tens = [time_ten(cur, batches, sizing) for _ in range(args.runs)]
        ten_s = statistics.median(tens)

        naive = []
        for _ in range(args.runs):
            (batch_id,) = batches.queued()
            naive.append(naive_per_user(cur, batch_id, args.naive_users))
            worker.run_until_empty(cur)  # finish it so the next measures start from an empty queue
        per_user = statistics.median(naive)
        con.close()

    rows = [
        ("one 5,000-user batch, Unpublished → finished", one_s, BUDGET_ONE, "measured"),
        ("ten 5,000-user batches published together", ten_s, BUDGET_TEN, "measured"),
        (
            f"naive loop, one 5,000-user batch ({args.naive_users} users timed)",
            per_user * BATCH,
            BUDGET_ONE,
            "extrapolated",
        ),
        (
            f"naive loop, ten 5,000-user batches ({args.naive_users} users timed)",
            per_user * 10 * BATCH,
            BUDGET_TEN,
            "extrapolated",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'median':>9}  {'budget':>7}  how")
    for label, seconds, budget, how in rows:
        flag = "" if seconds < budget else "  OVER BUDGET"
        print(f"{label.ljust(width)}  {seconds:>8.2f}s  {budget:>6.0f}s  {how}{flag}")
    print(
        f"\nProgress updates committed while one 5,000-user batch ran: {statistics.median(updates):g}"
        f" (percentages seen in the first run: {', '.join(map(str, ones[0][1]))})."
    )
    print(
        f"Publisher throughput: {BATCH / one_s:,.0f} users/s (one batch), "
        f"{10 * BATCH / ten_s:,.0f} users/s (ten together); "
        f"naive loop: {1 / per_user:,.0f} users/s ({per_user * 1000:.1f} ms per user)."
    )
    return 0 if one_s < BUDGET_ONE and ten_s < BUDGET_TEN else 1


if __name__ == "__main__":
    sys.exit(main())
