"""Benchmark revoking (issue 15): 5,000 users' unlocks taken back at 1,000,000 platform users.

    .venv/bin/python bench/bench_revoke.py [--users N] [--history N] [--runs N] [--chunk N]
                                           [--max-chunk N] [--keep PATH]

Builds the store of bench/bench_publish.py (its builders: platform users, a history of finished
batches with their unlocks). Each run makes a fresh 5,000-user batch and publishes it with the
worker (`core.publishing.worker.run_until_empty`, unthrottled): the baseline, timed in the same
run; then one in ten of its users is also published by a second batch of the same quest (they
keep the quest), the whole batch is asked to be revoked (`core.publishing.revoking.revoke`, the
request, timed apart) and the worker runs again until nothing is left to revoke: the revoke's
worker time, in the same chunks as publishing. Medians of --runs (after one warm-up run). The
target is the issue's: revoking 5,000 users in at most 1 s of worker time; exit 1 over it.
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

from bench.bench_publish import ADMIN, BATCH, Batches, build
from core.batches import rules
from core.publishing import actions, revoking, throttle, worker
from core.publishing.revoke_target import RevokeTarget
from tests.support.store import open_store

BUDGET = 1.0  # seconds of worker time to revoke one 5,000-user batch
KEPT_SHARE = 10  # one user in this many is also published by another batch (it keeps the quest)


def run_sql(uow, query: str, params: list) -> list[tuple]:
    """Run one statement on either store (DuckDB's `?` placeholders) and return its rows."""
    if hasattr(uow, "raw_cursor"):  # DuckDB
        return uow.raw_cursor.execute(query, params).fetchall()

    def work(u) -> list[tuple]:
        with u.connection() as conn:
            cur = conn.execute(query.replace("%", "%%").replace("?", "%s"), params)
            return cur.fetchall() if cur.description is not None else []

    return uow.transaction(work)


def one_run(cur, batches, sizing: dict) -> dict[str, float]:
    """Publish a fresh batch, revoke all of it; return the seconds of each step."""
    (batch_id,) = batches.queued()
    started = time.perf_counter()
    worker.run_until_empty(cur, **sizing)
    publish_s = time.perf_counter() - started
    assert cur.batches.read(batch_id)["status"] == rules.PARTIALLY_PUBLISHED  # 2% inactive

    # A second batch of the same quest publishes one user in ten of the first: they keep it.
    quest = cur.batches.read(batch_id)["quest_id"]
    keeper = run_sql(
        cur,
        "INSERT INTO batches (name, quest_id, created_by) VALUES ('Keeper', ?, 'bench') "
        "RETURNING id",
        [quest],
    )[0][0]
    run_sql(
        cur,
        """INSERT INTO batch_users (batch_id, user_id, added_via, added_by)
           SELECT ?, user_id, 'cli', 'bench' FROM batch_users
           WHERE batch_id = ? AND status = 'published' AND user_id % ? = 0""",
        [keeper, batch_id, KEPT_SHARE],
    )
    cur.transaction(lambda u: u.batches.refresh_counts([keeper]))
    actions.publish(cur, ADMIN, keeper)
    worker.run_until_empty(cur, **sizing)

    started = time.perf_counter()
    asked = revoking.revoke(cur, ADMIN, batch_id, RevokeTarget(all_users=True), "Bench revoke")
    request_s = time.perf_counter() - started
    started = time.perf_counter()
    report = worker.run_until_empty(cur, **sizing)
    revoke_s = time.perf_counter() - started

    after = cur.batches.read(batch_id)
    assert after["status"] == rules.REVOKED, after["status"]
    assert after["n_revoked"] == asked.requested == report.processed
    kept = run_sql(
        cur,
        "SELECT count(*) FROM batch_users WHERE batch_id = ? AND kept_by_batch = ?",
        [batch_id, keeper],
    )[0][0]
    held = run_sql(
        cur, "SELECT count(*) FROM unlocks WHERE quest_id = ? AND batch_id = ?", [quest, batch_id]
    )[0][0]
    assert kept == asked.kept and held == 0
    return {
        "publish": publish_s,
        "request": request_s,
        "revoke": revoke_s,
        "users": asked.requested,
        "kept": kept,
    }


def measure(stores: dict, args: argparse.Namespace) -> dict[str, list[dict]]:
    """One warm-up run per store, then --runs runs, the stores alternating run by run."""
    sizing = {"chunk_size": args.chunk, "max_chunk": args.max_chunk}
    for uow, made in stores.values():
        one_run(uow, made, sizing)  # warm-up: first touches of the tables' pages
    runs: dict[str, list[dict]] = {name: [] for name in stores}
    order = list(stores.items())
    for i in range(args.runs):
        for name, (uow, made) in order if i % 2 == 0 else order[::-1]:
            runs[name].append(one_run(uow, made, sizing))
    return runs


def duckdb_only(args: argparse.Namespace) -> tuple[dict[str, list[dict]], str]:
    """Build bench_publish's store in a DuckDB file and measure it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.duckdb"
        con = open_store(path)
        cur = con.cursor()
        started = time.perf_counter()
        cur.transaction(lambda c: build(c, args.users, args.history))
        cur.execute("CHECKPOINT")
        built = f"built in {time.perf_counter() - started:.1f} s"
        try:
            return measure({"DuckDB": (cur, Batches(cur, args.users))}, args), built
        finally:
            con.close()


def both_stores(args: argparse.Namespace) -> tuple[dict[str, list[dict]], str]:
    """bench_stores' way: the same data on DuckDB and in a throwaway PostgreSQL server."""
    from bench.store_data import PgBatches, Workspace, describe
    from core import store

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_revoke_"))
    with Workspace(folder, keep=bool(args.keep)) as ws:
        built = ws.publishing(args.users, args.history)
        with ws.scratch(built, "revoke_work") as (duck_path, pg_url):
            duck, pg = open_store(duck_path), store.connect(pg_url)
            try:
                stores = {
                    "DuckDB": (duck, Batches(duck, args.users)),
                    "PostgreSQL": (pg, PgBatches(pg, args.users)),
                }
                return measure(stores, args), describe(built)
            finally:
                duck.close()
                pg.close()


def main(argv: list[str] | None = None) -> int:
    """Build the store(s), run the measures, print the medians; exit 1 if a target is missed."""
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
    parser.add_argument(
        "--stores", default="duckdb", help="duckdb, or duckdb,postgres (a throwaway server)"
    )
    parser.add_argument("--keep", metavar="PATH", help="build the data here and keep it")
    args = parser.parse_args(argv)

    with_pg = "postgres" in args.stores.split(",")
    runs, built = both_stores(args) if with_pg else duckdb_only(args)
    print(
        f"Store: {args.users:,} platform users, {args.history:,} finished batch users and their "
        f"unlocks ({built}). Chunks: {args.chunk:,} users, growing up to {args.max_chunk:,} while "
        f"quick. DuckDB {duckdb.__version__}. Medians of {args.runs} runs (after one warm-up).\n"
    )
    medians = {
        name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
        for name, rs in runs.items()
    }
    names = list(medians)
    rows = [
        (f"revoke one {BATCH:,}-user batch (worker time)", "revoke", BUDGET),
        (f"publish the same {BATCH:,} users (worker time, baseline)", "publish", None),
        ("the revoke request (one transaction, not worker time)", "request", None),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  " + "  ".join(f"{n:>10}" for n in names) + "   target")
    over = False
    for label, key, budget in rows:
        cells = "  ".join(f"{medians[n][key]:>9.3f}s" for n in names)
        missed = budget is not None and any(medians[n][key] > budget for n in names)
        over = over or missed
        target = f"{budget:>6.1f}s" if budget else f"{'-':>7}"
        print(f"{label.ljust(width)}  {cells}  {target}{'  OVER TARGET' if missed else ''}")
    for name in names:
        m = medians[name]
        each = ", ".join(f"{r['revoke']:.3f}" for r in runs[name])
        print(
            f"\n{name}: {m['users']:,.0f} users revoked per run (2% of the batch are inactive: "
            f"Error, not revoked), {m['kept']:,.0f} of them kept the quest from another batch "
            f"(unlock handed over). Revoke {m['users'] / m['revoke']:,.0f} users/s, publish "
            f"{BATCH / m['publish']:,.0f} users/s. Every run's revoke: {each} s."
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
