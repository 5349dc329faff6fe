"""Benchmark the Users page (issue 16) at 10,000,000 platform users and 5,000,000 unlocks.

    .venv/bin/python bench/bench_users.py --users 1000000            # quick: about a minute
    .venv/bin/python bench/bench_users.py                            # 10M users, DuckDB
    .venv/bin/python bench/bench_users.py --stores duckdb,postgres   # and PostgreSQL
    # options: --users N (default 10,000,000), --unlocks N (default users / 2), --runs N
    # (default 11), --naive-runs N (default 3), --count-runs N (exact count, default 3),
    # --naive-seconds S (budget of the per-user loop, default 5), --tz ZONE (default
    # Europe/Paris), --keep PATH (build once, reuse), --only-list, --only TEXT (the list cases
    # whose title has TEXT, e.g. --only "quests held"; implies --only-list)

The data is bench/users_data.py's (set-based SQL in a DuckDB file; with postgres, the same rows
copied into a throwaway PostgreSQL server the way bench/store_data.py copies them). Then, on each
store, through the product's own calls:

- count + first page: `uow.users.search(f, tz, 50, 0, count_up_to=100_000)` as the page asks
  (it counts exactly only up to the export's limit; a store without `count_up_to` is asked
  for the exact count) for filter mixes from none to all at once and every sort; target
  ≤ 300 ms median, ≤ 1 s with a text filter. The exact count (`uow.users.count`, what
  `users count` prints) is timed apart, without a target;
- adding the users of a filter matching just under 5,000 to a new draft:
  `core.segments.from_users.add_matching`; target ≤ 1 s;
- exporting those users as the upload template: `core.segments.segment.export_template`;
  target ≤ 200 ms.

Baselines, in the same run, on the DuckDB file: the naive list reads the tables it needs into
polars on each query and filters, counts and sorts there; the naive add selects the users that
way and then checks and inserts them one query per user (timed for --naive-seconds, then
extrapolated); the naive export selects them that way and writes the CSV with Python's csv
module. The naive answers must be the store's (page ids and total; the exported ids), and the
stores must agree with each other, or the script prints MISMATCH. Exit 1 on a mismatch or a
median over its target.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import users_data
from core.access.roles import Account, Role
from core.history.dates import DateFilter
from core.segments.user_filter import UserFilter
from tests.support.store import open_store

ADMIN = Account("bench", Role.ADMIN)
PAGE = 50
LIST_MS, TEXT_MS, ADD_MS, EXPORT_MS = 300.0, 1000.0, 1000.0, 200.0
ADD_LIMIT = 5_000
COUNT_UP_TO = 100_000  # the page's bound on its count: segment.MAX_EXPORT_ROWS
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


# --- the cases -----------------------------------------------------------------------------


def cases(cur, n_users: int) -> list[tuple[str, UserFilter]]:
    """Filter mixes and sorts, from none to all at once (batch ids picked from the data)."""
    # A published batch of a popular quest with some Error users, and a draft.
    batch, quest = cur.execute(
        """SELECT b.id, b.quest_id FROM batches b
           WHERE b.status <> 'draft' AND b.n_error > 0 ORDER BY b.quest_id, b.id LIMIT 1"""
    ).fetchall()[0]
    draft = cur.execute("SELECT min(id) FROM batches WHERE status = 'draft'").fetchall()[0][0]
    recent = users_data.NOW.date() - timedelta(days=30)
    mid = date(2025, 6, 15)
    # A username that exists (the middle user's), cut to a prefix: a text many users contain.
    middle = cur.execute(
        "SELECT username FROM platform_users WHERE id = $i", {"i": n_users // 2}
    ).fetchall()[0][0]
    return [
        ("no filter (by ID)", UserFilter()),
        ("active", UserFilter(active=True)),
        ("deactivated", UserFilter(active=False)),
        ("registered > 2026-06-01", UserFilter(registered=DateFilter(">", date(2026, 6, 1)))),
        ("registered = 2025-06-15", UserFilter(registered=DateFilter("=", mid))),
        ("last active < 2026-01-01 (dormant)",
         UserFilter(last_active=DateFilter("<", date(2026, 1, 1)))),
        (f"last active > {recent}, newest first",
         UserFilter(last_active=DateFilter(">", recent), sort="last_active_at")),
        ("holds quest 1 (popular)", UserFilter(holds=(1,))),
        ("holds quest 40 (rare)", UserFilter(holds=(40,))),
        ("holds 3 or 7, lacks 1", UserFilter(holds=(3, 7), lacks=(1,))),
        ("lacks quest 1", UserFilter(lacks=(1,))),
        (f"in batch {batch}", UserFilter(in_batch=batch)),
        (f"Error in batch {batch}", UserFilter(in_batch=batch, in_batch_status="error")),
        (f"holds {quest}, not in batch {batch}", UserFilter(holds=(quest,), not_in_batch=batch)),
        (f"in draft {draft}, by username", UserFilter(in_batch=draft, sort="username")),
        ("all at once: active, registered, last active, holds 2, lacks 5, not in B, newest",
         UserFilter(active=True, registered=DateFilter(">", date(2024, 6, 1)),
                    last_active=DateFilter(">", date(2026, 9, 1)), holds=(2,), lacks=(5,),
                    not_in_batch=batch, sort="registered_at")),
        ("ids (1,000 pasted)", UserFilter(ids=tuple(range(7, 7 + 1000 * 997, 997)))),
        ("no filter, by username", UserFilter(sort="username")),
        ("no filter, by email desc", UserFilter(sort="email", desc=True)),
        ("no filter, registered newest first", UserFilter(sort="registered_at")),
        ("no filter, by quests held (most first)", UserFilter(sort="quests_held")),
        ("active, page 100 (not the first)", UserFilter(active=True, page=100)),
        (f"text '{middle[:8]}' (many)", UserFilter(text=middle[:8])),
        ("text '@corp.example' (a quarter)", UserFilter(text="@corp.example")),
        ("text 'zzq' (nobody)", UserFilter(text="zzq")),
        (f"text '{middle}' (one)", UserFilter(text=middle)),
        ("text 'smith' + active + holds 2", UserFilter(text="smith", active=True, holds=(2,))),
    ]  # fmt: skip


def add_filter(uow, tz: str) -> UserFilter:
    """Active users who hold quest 2, lack quest 1 and registered after the day that leaves the
    most users not over 5,000 (a day found by bisection with the store's count)."""
    lo, hi = 0, (users_data.NOW - users_data.START).days  # days back from NOW

    def at(days: int) -> UserFilter:
        day = users_data.NOW.date() - timedelta(days=days)
        return UserFilter(active=True, holds=(2,), lacks=(1,), registered=DateFilter(">", day))

    while lo < hi:  # the largest `days` whose count is <= ADD_LIMIT
        mid = (lo + hi + 1) // 2
        if uow.users.count(at(mid), tz) <= ADD_LIMIT:
            lo = mid
        else:
            hi = mid - 1
    return at(lo)


# --- the naive versions (DuckDB file, polars) ----------------------------------------------


def _bounds_expr(column: str, flt: DateFilter | None, tz: str) -> pl.Expr:
    if flt is None:
        return pl.lit(True)
    start, end = (None if b is None else b.astimezone(UTC) for b in flt.bounds(tz))
    expr = pl.col(column).is_not_null()
    if start is not None:
        expr = expr & (pl.col(column) >= start)
    if end is not None:
        expr = expr & (pl.col(column) < end)
    return expr


def naive_select(cur, f: UserFilter, tz: str) -> pl.DataFrame:
    """Every matching user, sorted as f asks, from the tables read into polars."""
    # Names sort by their normal form (the store's rule): read it for those sorts too.
    by_name = f.sort in ("username", "email")
    norms = ", username_norm, email_norm" if f.uses_text or by_name else ""
    users = cur.sql(
        f"SELECT id, username, email, active, registered_at, last_active_at{norms} "
        "FROM platform_users"
    ).pl()
    users = users.with_columns(
        pl.col(c).dt.convert_time_zone("UTC") for c in ("registered_at", "last_active_at")
    )
    keep = pl.lit(True)
    if f.uses_text:
        text = f.text_norm
        keep = keep & (
            pl.col("username_norm").str.contains(text, literal=True)
            | pl.col("email_norm").str.contains(text, literal=True)
        )
    if f.ids:
        keep = keep & pl.col("id").is_in(list(f.ids))
    if f.active is not None:
        keep = keep & (pl.col("active") == f.active)
    keep = keep & _bounds_expr("registered_at", f.registered, tz)
    keep = keep & _bounds_expr("last_active_at", f.last_active, tz)
    rows = users.filter(keep)
    need_unlocks = f.holds or f.lacks or f.sort == "quests_held"
    unlocks = cur.sql("SELECT user_id, quest_id FROM unlocks").pl() if need_unlocks else None

    def holders(quests) -> pl.DataFrame:
        return (
            unlocks.filter(pl.col("quest_id").is_in(list(quests)))
            .select(pl.col("user_id").alias("id"))
            .unique()
        )

    if f.holds:
        rows = rows.join(holders(f.holds), on="id", how="semi")
    if f.lacks:
        rows = rows.join(holders(f.lacks), on="id", how="anti")
    if f.in_batch is not None or f.not_in_batch is not None:
        members = cur.sql("SELECT batch_id, user_id, status, error_reason FROM batch_users").pl()
    if f.not_in_batch is not None:
        rows = rows.join(
            members.filter(pl.col("batch_id") == f.not_in_batch).select(
                pl.col("user_id").alias("id")
            ),
            on="id",
            how="anti",
        )
    if f.in_batch is not None:
        inside = members.filter(pl.col("batch_id") == f.in_batch)
        if f.in_batch_status is not None:
            inside = inside.filter(pl.col("status") == f.in_batch_status)
        rows = rows.join(
            inside.select(
                pl.col("user_id").alias("id"),
                pl.col("status").alias("batch_status"),
                pl.col("error_reason").alias("batch_error"),
            ),
            on="id",
        )
    if f.sort == "quests_held":
        held = unlocks.group_by("user_id").len("quests_held").rename({"user_id": "id"})
        rows = rows.join(held, on="id", how="left").with_columns(pl.col("quests_held").fill_null(0))
    # Never-set dates sort as the oldest; ties by id in the same direction (the store's rule).
    key = {"username": "username_norm", "email": "email_norm"}.get(f.sort, f.sort)
    return rows.sort([key, "id"], descending=[f.desc, f.desc], nulls_last=f.desc)


def naive_page(cur, f: UserFilter, tz: str) -> tuple[list[int], int]:
    """(ids of the page, total), the naive way."""
    rows = naive_select(cur, f, tz)
    return rows["id"].slice(f.offset, f.page_size).to_list(), rows.height


def naive_add(cur, f: UserFilter, tz: str, quest_id: int, budget_s: float) -> tuple[float, int]:
    """Select the users in polars, then check and insert them one query each, in one transaction
    rolled back at the end; return seconds for all of them (extrapolated) and how many it timed."""
    started = time.perf_counter()
    ids = naive_select(cur, f, tz)["id"].to_list()
    select_s = time.perf_counter() - started
    batch = cur.execute(
        "INSERT INTO batches (name, quest_id, created_by) VALUES ('Naive', $q, 'bench') "
        "RETURNING id",
        {"q": quest_id},
    ).fetchall()[0][0]
    cur.execute("BEGIN")
    timed, started = 0, time.perf_counter()
    try:
        for user_id in ids:
            active = cur.execute(
                "SELECT active FROM platform_users WHERE id = ?", [user_id]
            ).fetchall()
            member = cur.execute(
                "SELECT 1 FROM batch_users WHERE batch_id = ? AND user_id = ?", [batch, user_id]
            ).fetchall()
            held = cur.execute(
                "SELECT 1 FROM unlocks WHERE user_id = ? AND quest_id = ?", [user_id, quest_id]
            ).fetchall()
            if active and active[0][0] and not member and not held:
                cur.execute(
                    "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
                    "VALUES (?, ?, 'cli', 'bench')",
                    [batch, user_id],
                )
            timed += 1
            if time.perf_counter() - started > budget_s:
                break
        loop_s = time.perf_counter() - started
    finally:
        cur.execute("ROLLBACK")
        cur.execute("DELETE FROM batches WHERE id = ?", [batch])
    return select_s + loop_s * len(ids) / max(timed, 1), timed


def naive_export(cur, f: UserFilter, tz: str) -> bytes:
    """The template written row by row with the csv module (BOM, semicolons, neutralised)."""
    rows = naive_select(cur, f, tz).head(100_000)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["ID", "Username", "Registered email"])
    for user_id, username, email in rows.select("id", "username", "email").iter_rows():
        writer.writerow(
            [user_id]
            + [("'" + v) if v.startswith(FORMULA_STARTS) else v for v in (username, email)]
        )
    return out.getvalue().encode("utf-8")


def exported_ids(data: bytes) -> list[int]:
    """The User IDs of a template export (first column, after the header)."""
    lines = data.decode("utf-8-sig").splitlines()[1:]
    return [int(line.split(";", 1)[0]) for line in lines if line]


# --- the page's call ------------------------------------------------------------------------


def bounded(uow) -> bool:
    """Whether the store's search takes `count_up_to` (the page counts exactly only so far)."""
    return "count_up_to" in inspect.signature(uow.users.search).parameters


def page_search(uow, f: UserFilter, tz: str) -> tuple[pl.DataFrame, int]:
    """What the page asks: the first page and the count up to MAX_EXPORT_ROWS (LEAD, 00:25)."""
    if bounded(uow):
        return uow.users.search(f, tz, f.page_size, f.offset, count_up_to=COUNT_UP_TO)
    return uow.users.search(f, tz, f.page_size, f.offset)


def same_page(got: tuple[list[int], int], naive: tuple[list[int], int], is_bounded: bool) -> bool:
    """The page's ids are the naive ones, and so is the total (above the bound: 'more than')."""
    if got[0] != naive[0]:
        return False
    if is_bounded and naive[1] > COUNT_UP_TO:
        return got[1] > COUNT_UP_TO
    return got[1] == naive[1]


# --- timing ----------------------------------------------------------------------------------


def median_ms(fn: Callable[[], object], runs: int, warm: bool = True) -> float:
    """The median wall time of fn() in ms (after one warm-up call unless warm is False)."""
    if warm:
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class LoadSampler:
    """The machine's 1-minute load average, sampled every few seconds in a thread."""

    def __init__(self) -> None:
        """Start sampling."""
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(5):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> str:
        """Stop; return the range seen, e.g. '2.1-3.4'."""
        self._stop.set()
        seen = self.samples or [os.getloadavg()[0]]
        return f"{min(seen):.1f}-{max(seen):.1f}"


# --- the stores ----------------------------------------------------------------------------


def run_sql(uow, query: str, params: list) -> list[tuple]:
    """One statement on either store (DuckDB's `?` placeholders); its rows."""
    if hasattr(uow, "raw_cursor"):
        return uow.raw_cursor.execute(query, params).fetchall()

    def work(u) -> list[tuple]:
        with u.connection() as conn:
            cur = conn.execute(query.replace("?", "%s"), params)
            return cur.fetchall() if cur.description is not None else []

    return uow.transaction(work)


def new_quest(uow) -> int:
    """A badge quest nobody holds, for the drafts the add measure fills."""
    found = run_sql(uow, "SELECT id FROM quests WHERE name = 'Bench users 16'", [])
    if found:
        return found[0][0]
    return run_sql(
        uow,
        "INSERT INTO quests (badge_id, name) VALUES (1, 'Bench users 16') RETURNING id",
        [],
    )[0][0]


def measure_add(uow, f: UserFilter, tz: str, quest_id: int, runs: int) -> tuple[float, int]:
    """Median ms of add_matching into a fresh draft (made and deleted outside the timing)."""
    from core.batches import drafts
    from core.segments import from_users

    times, added = [], 0
    for i in range(runs + 1):  # the first one warms up
        batch_id = drafts.create_draft(uow, ADMIN, f"Bench add {i}", quest_id)
        started = time.perf_counter()
        result = from_users.add_matching(uow, ADMIN, batch_id, f, tz)
        if i:
            times.append((time.perf_counter() - started) * 1000)
        added = result.added
        drafts.delete_draft(uow, ADMIN, batch_id)
    return statistics.median(times), added


def open_duck(args: argparse.Namespace, folder: Path) -> tuple[Path, str]:
    """The DuckDB data file (built unless a kept one exists) and a line saying how long it took."""
    path = folder / f"users16_{args.users}_{args.unlocks}.duckdb"
    if path.exists():
        return path, f"DuckDB file reused ({path})"
    started = time.perf_counter()
    steps = users_data.build_file(path, args.users, args.unlocks)
    total = time.perf_counter() - started
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
    return path, f"DuckDB file built in {total:.0f} s ({detail})"


def open_postgres(duck: Path, ws) -> tuple[str, str]:
    """The same rows in a PostgreSQL database (bench/store_data.py's copy); its URL and a line."""
    from bench.store_data import _database_label, copy_into_postgres, schema_label

    name = duck.stem
    if _database_label(ws.pg.url, name) == schema_label():
        return ws.pg.url_for(name), "PostgreSQL database reused"
    from tests.support.postgres import drop_database

    drop_database(ws.pg.url, name)
    started = time.perf_counter()
    steps = copy_into_postgres(duck, ws.pg, name)
    total = time.perf_counter() - started
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items() if v >= 1)
    return ws.pg.url_for(name), f"PostgreSQL copy in {total:.0f} s ({detail})"


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the data, time every measure on each store and its baseline, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000_000, help="platform users")
    parser.add_argument("--unlocks", type=int, help="unlocks (default: users / 2)")
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each measure")
    parser.add_argument("--naive-runs", type=int, default=3, help="timed runs of the naive list")
    parser.add_argument("--count-runs", type=int, default=3, help="timed runs of the exact count")
    parser.add_argument("--naive-seconds", type=float, default=5.0, help="naive add's budget")
    parser.add_argument("--stores", default="duckdb", help="duckdb, or duckdb,postgres")
    parser.add_argument("--tz", default="Europe/Paris", help="the viewer's time zone")
    parser.add_argument("--keep", metavar="PATH", help="build the data in this folder, keep it")
    parser.add_argument("--only-list", action="store_true", help="only count + first page")
    parser.add_argument(
        "--only", metavar="TEXT", help="only the count + first page cases whose title has TEXT"
    )
    args = parser.parse_args(argv)
    args.unlocks = args.unlocks or args.users // 2
    with_pg = "postgres" in args.stores.split(",")
    started_all = time.perf_counter()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_users_"))
    folder.mkdir(parents=True, exist_ok=True)
    ws = None
    stores: dict[str, object] = {}
    try:
        duck_path, built = open_duck(args, folder)
        notes = [built]
        stores["DuckDB"] = open_store(duck_path)
        if with_pg:
            from bench.store_data import Workspace
            from core import store

            ws = Workspace(folder, keep=bool(args.keep))
            ws.start()
            pg_url, line = open_postgres(duck_path, ws)
            notes.append(line)
            stores["PostgreSQL"] = store.connect(pg_url)
        return run(args, stores, notes, started_all)
    finally:
        for uow in stores.values():
            uow.close()
        if ws is not None:
            ws.stop()  # stops the server; without --keep removes the folder
        elif not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def run(args, stores: dict, notes: list[str], started_all: float) -> int:
    """Every measure on every store; print the tables; return the exit code."""
    from core.segments import segment

    duck = stores["DuckDB"]
    tz = args.tz
    facts = users_data.summary(duck)
    print(
        f"{facts['users']:,} platform users ({facts['deactivated']:,} deactivated), "
        f"{facts['unlocks']:,} unlocks, {facts['batches']:,} batches, "
        f"{facts['batch_users']:,} batch users; DuckDB {duckdb.__version__}; tz {tz}; "
        f"medians of {args.runs} (naive list {args.naive_runs})."
    )
    for line in notes:
        print(line)
    load = LoadSampler()
    failures: list[str] = []
    names = list(stores)

    # 1. Count + first page.
    rows = []
    for title, f in cases(duck, facts["users"]):
        if args.only and args.only.lower() not in title.lower():
            continue
        target = TEXT_MS if f.uses_text else LIST_MS
        results, timings, exact = {}, {}, {}
        for name, uow in stores.items():
            frame, total = page_search(uow, f, tz)
            results[name] = (frame["id"].to_list(), total)
            timings[name] = median_ms(lambda u=uow, f=f: page_search(u, f, tz), args.runs)
            exact[name] = median_ms(
                lambda u=uow, f=f: u.users.count(f, tz), args.count_runs, warm=False
            )
        naive_times = []
        for _ in range(max(args.naive_runs, 1)):  # no warm-up: it reads the tables each time
            started = time.perf_counter()
            naive = naive_page(duck, f, tz)
            naive_times.append((time.perf_counter() - started) * 1000)
        naive_ms = statistics.median(naive_times)
        for name, got in results.items():
            if not same_page(got, naive, bounded(stores[name])):
                failures.append(f"MISMATCH {name} vs naive in {title!r}: {got[1]} vs {naive[1]}")
                print(f"  {failures[-1]}; first ids {got[0][:5]} vs {naive[0][:5]}")
        over = [n for n in names if timings[n] > target]
        if over:
            failures.append(f"over {target:.0f} ms: {title} ({', '.join(over)})")
        rows.append((title, naive[1], timings, naive_ms, target, bool(over), exact))
        cells = "  ".join(f"{timings[n]:>9.1f} {exact[n]:>8.1f}" for n in names)
        print(f"  {title[:60]:60} {naive[1]:>11,} {cells} {naive_ms:>9.0f}", flush=True)

    if args.only_list or args.only:
        print(f"\nload average {load.stop()}; whole run {time.perf_counter() - started_all:.0f} s")
        for line in failures:
            print(line)
        return 1 if failures else 0

    # 2 and 3. Adding and exporting ~5,000 users.
    f5 = add_filter(duck, tz)
    n5 = duck.users.count(f5, tz)
    adds, exports = {}, {}
    for name, uow in stores.items():
        quest = new_quest(uow)
        adds[name] = measure_add(uow, f5, tz, quest, args.runs)
        data = segment.export_template(uow, ADMIN, f5, tz)
        exports[name] = (
            median_ms(lambda u=uow: segment.export_template(u, ADMIN, f5, tz), args.runs),
            exported_ids(data),
        )
    naive_rows = naive_export(duck, f5, tz)
    naive_export_ms = median_ms(lambda: naive_export(duck, f5, tz), args.naive_runs, warm=False)
    quest = new_quest(duck)
    naive_add_s, naive_timed = naive_add(duck, f5, tz, quest, args.naive_seconds)
    for name in names:
        if exports[name][1] != exported_ids(naive_rows):
            failures.append(f"MISMATCH {name} export vs naive ({len(exports[name][1])} rows)")
        if adds[name][1] != adds["DuckDB"][1]:
            failures.append(f"MISMATCH {name} added {adds[name][1]} vs DuckDB {adds['DuckDB'][1]}")
        if adds[name][0] > ADD_MS:
            failures.append(f"over {ADD_MS:.0f} ms: add ({name})")
        if exports[name][0] > EXPORT_MS:
            failures.append(f"over {EXPORT_MS:.0f} ms: export ({name})")
    load_range = load.stop()

    # The table.
    print(f"\nload average (1 min) during the measures: {load_range} on {os.cpu_count()} cores")
    head = " | ".join(f"{n + ' ms':>11}" for n in names)
    counts = " | ".join(f"{n + ' exact count':>11}" for n in names)
    print(
        f"\n| {'count + first page (50 rows)':60} | {'matches':>11} | {head} | naive ms | target "
        f"| {counts} |"
    )
    for title, total, timings, naive_ms, target, over, exact in rows:
        cells = " | ".join(f"{timings[n]:>11.1f}" for n in names)
        counted = " | ".join(f"{exact[n]:>11.1f}" for n in names)
        flag = " OVER" if over else ""
        print(
            f"| {title:60} | {total:>11,} | {cells} | {naive_ms:>8,.0f} | ≤ {target:.0f}{flag} "
            f"| {counted} |"
        )
    slow_list = max(t[n] for _, _, t, _, tg, _, _ in rows for n in names if tg == LIST_MS)
    slow_text = max(t[n] for _, _, t, _, tg, _, _ in rows for n in names if tg == TEXT_MS)
    print(f"\nslowest without text {slow_list:.1f} ms (≤ {LIST_MS:.0f}); with text "
          f"{slow_text:.1f} ms (≤ {TEXT_MS:.0f})")  # fmt: skip
    print(f"\n5,000-user measures: {n5:,} users match “{describe(f5)}”")
    print(f"| {'measure':44} | {head} | {'naive':>12} | target |")
    add_cells = " | ".join(f"{adds[n][0]:>11.1f}" for n in names)
    print(
        f"| {'add_matching into a new draft (' + format(adds['DuckDB'][1], ',') + ' added)':44} "
        f"| {add_cells} | {naive_add_s * 1000:>9,.0f} ms | ≤ {ADD_MS:.0f} |"
    )
    exp_cells = " | ".join(f"{exports[n][0]:>11.1f}" for n in names)
    print(
        f"| {'export_template':44} | {exp_cells} | {naive_export_ms:>9,.0f} ms | ≤ {EXPORT_MS:.0f} |"
    )
    print(
        f"(naive add: selection in polars, then {naive_timed:,} of {n5:,} users checked and "
        f"inserted one query each in {args.naive_seconds:.0f} s, extrapolated)"
    )
    print(f"\nwhole run {time.perf_counter() - started_all:.0f} s")
    for line in failures:
        print(line)
    return 1 if failures else 0


def describe(f: UserFilter) -> str:
    """The filter in words (the domain's describe when it is there)."""
    try:
        from core.segments.user_chips import describe as words_of

        return words_of(f)
    except ImportError:  # pragma: no cover - only while the module is being written
        return repr(f)


if __name__ == "__main__":
    sys.exit(main())
