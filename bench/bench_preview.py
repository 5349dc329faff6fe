"""Benchmark: the preview of a 5,000-row upload, and the username suggestions, at 1M and 10M users.

    /work/venv/bin/python bench/bench_preview.py                 # 1M and 10M users (~3 min)
    /work/venv/bin/python bench/bench_preview.py --sizes 1000000 # one size
    /work/venv/bin/python bench/bench_preview.py --json          # machine-readable summary

Each size gets a temporary data file (deleted afterwards unless --keep) filled by a set-based
INSERT ... SELECT FROM range(...) in one subprocess; the measurements run in a second subprocess,
so its peak memory (getrusage max RSS) is the preview's own, data file open and warm.

Measured per size:
- read: core.upload.intake.read_upload of the 5,000-row CSV (bytes → frame);
- preview: core.batches.matching.preview against the users (a realistic mix: good rows by ID, username,
  email and all three, duplicates across columns, not found, mismatches, invalid IDs, users
  already in the batch, already unlocked and deactivated);
- baseline: the same rows looked up naively, one parameterised query per row, timed on the first
  rows only and extrapolated to 5,000 (labelled as such);
- suggestions: core.batches.suggestions.suggest_usernames for every prefix a person types on the way to a
  username (the "typing" median), and for text found only inside usernames ("contains").
Targets (2-core machine): preview ≤ 60 ms at 1M and ≤ 300 ms at 10M, ≥ 20× the baseline,
< 1 GB peak at 10M; suggestions < 50 ms median at 10M.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["alex", "sam", "maria", "li", "noah", "emma", "omar", "sofia", "yuki", "ivan",
         "chloe", "mateo", "amara", "lucas", "zoe", "ravi", "nina", "hugo", "lea", "felix"]  # fmt: skip
LAST = ["smith", "garcia", "chen", "muller", "rossi", "dubois", "kowalski", "silva", "kim",
        "nguyen", "okafor", "johansson", "novak", "haddad", "tanaka", "moreau", "lopez", "ali"]  # fmt: skip
DOMAINS = ["example.com", "mail.example", "corp.example", "school.example"]
QUEST = 1
BATCH_USERS = 1000  # users already in the benchmark's draft


def generate(path: Path, n_users: int) -> dict:
    """Fill a new data file with n_users users, a quest with 1% unlocked, and a draft batch."""
    from tests.support.store import open_store

    started = time.perf_counter()
    con = open_store(path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        """
        INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
        SELECT i, u, e, lower(u), lower(e), hash(i, 4) % 50 <> 0 FROM (
            SELECT i,
                   $first[(1 + hash(i, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, 2) % len($last))::BIGINT] || i::VARCHAR AS u,
                   $first[(1 + hash(i, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, 2) % len($last))::BIGINT] || i::VARCHAR || '@'
                     || $domains[(1 + hash(i, 3) % len($domains))::BIGINT] AS e
            FROM range(1, $n + 1) r(i))
        """,
        {"first": FIRST, "last": LAST, "domains": DOMAINS, "n": n_users},
    )
    cur.execute(
        "INSERT INTO unlocks (user_id, quest_id) SELECT id, 1 FROM platform_users WHERE id % 100 = 0"
    )
    cur.execute("INSERT INTO batches (name, quest_id, created_by) VALUES ('Bench', 1, 'bench')")
    cur.execute(
        "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
        "SELECT 1, id, 'cli', 'bench' FROM platform_users WHERE id % 100 = 1 LIMIT ?",
        [BATCH_USERS],
    )
    cur.execute("CHECKPOINT")
    users_s = time.perf_counter() - started
    path.with_suffix(".csv").write_bytes(make_upload(cur, n_users))
    con.close()
    return {
        "generate_s": round(users_s, 1),
        "generate_peak_mb": round(_peak_mb()),
    }


def build_index(path: Path) -> dict:
    """Build the matching index (user_lookup) from scratch (what the first preview would do)."""
    from core.batches import matching
    from tests.support.store import open_store

    con = open_store(path)
    cur = con.cursor()
    started = time.perf_counter()
    matching.sync_user_index(cur, rebuild=True)
    cur.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    con.close()
    return {
        "index_build_s": round(seconds, 1),
        "index_build_peak_mb": round(_peak_mb()),
        "file_mb": round(path.stat().st_size / 1e6),
    }


def make_upload(cur, n_users: int, rows: int = 5000, seed: int = 7) -> bytes:
    """Build a realistic 5,000-row CSV: mostly good rows, and every kind of error."""
    rnd = random.Random(seed)
    ids = rnd.sample(range(2, n_users + 1), rows)
    known = {
        row[0]: row[1:]
        for row in cur.execute(
            "SELECT id, username, email FROM platform_users WHERE id IN (SELECT unnest(?))", [ids]
        ).fetchall()
    }
    in_batch = [r[0] for r in cur.execute("SELECT user_id FROM batch_users LIMIT 200").fetchall()]
    lines, earlier = ["ID;Username;Registered email"], []
    for k, user_id in enumerate(ids):
        username, email = known[user_id]
        kind = k % 25
        if kind < 15:  # good rows, spread over the three columns (and all three)
            row = [
                (str(user_id), "", ""),
                ("", username.upper() if k % 2 else username, ""),
                ("", "", email),
                (str(user_id), username, email),
            ][k % 4]
            earlier.append((user_id, username, email))
        elif kind < 17 and earlier:  # duplicates of earlier rows, through another column
            other_id, other_name, other_email = rnd.choice(earlier)
            row = [("", "", other_email.upper()), (str(other_id), "", ""), ("", other_name, "")][
                k % 3
            ]
        elif kind < 19:  # not found, in each column
            row = [
                (str(n_users + k + 10), "", ""),
                ("", f"ghost{k}", ""),
                ("", "", f"no{k}@x.org"),
            ][k % 3]
        elif kind < 20:  # mismatch: one user's ID with another's username
            row = (str(user_id), known[ids[k - 1]][0], "")
        elif kind < 21:  # invalid IDs
            row = (["12a", "1e3", "-5", "3.0"][k % 4], "", "")
        elif kind < 22:  # already in the batch
            row = (str(in_batch[k % len(in_batch)]), "", "")
        elif kind < 23:  # already unlocked (every 100th user holds the quest)
            row = (str((user_id // 100 + 1) * 100 if user_id + 100 <= n_users else 100), "", "")
        else:  # plain good rows again; some users are deactivated (about 2%)
            row = ("", username, "")
        lines.append(";".join(row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median_ms(fn, repeat: int) -> tuple[float, float, object]:
    """Return the median wall time, the median CPU time (all threads) in ms, and fn's result."""
    fn()  # warm: first-query planning and page loads are not what a user waits for twice
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000, result


def baseline_row_ms(cur, upload, budget_s: float, max_rows: int) -> tuple[float, int]:
    """Look rows up one query each (the naive way); return ms per row and how many were timed."""
    import re

    from core.platform_users.ids import ID_PATTERN

    digits = re.compile(ID_PATTERN)
    rows = upload.rows.head(max_rows).iter_rows(named=True)
    timed, started = 0, time.perf_counter()
    for row in rows:
        user_id = int(row["id"]) if row["id"] and digits.match(row["id"]) else None
        cur.execute(
            """SELECT p.id, p.active,
                      EXISTS (SELECT 1 FROM batch_users b WHERE b.batch_id = 1 AND b.user_id = p.id),
                      EXISTS (SELECT 1 FROM unlocks x WHERE x.quest_id = 1 AND x.user_id = p.id)
               FROM platform_users p
               WHERE p.id = ? OR p.username_norm = lower(?) OR p.email_norm = lower(?)""",
            [user_id, row["username"], row["email"]],
        ).fetchall()
        timed += 1
        if time.perf_counter() - started > budget_s:
            break
    return (time.perf_counter() - started) * 1000 / timed, timed


def measure_preview(path: Path, n_users: int, repeat: int) -> dict:
    """Time reading and previewing the upload; this process's peak memory is the preview's."""
    from core.batches import matching
    from core.upload import intake
    from tests.support.store import open_store

    con = open_store(path)
    cur = con.cursor()
    data = path.with_suffix(".csv").read_bytes()
    read_ms, _, upload = _median_ms(lambda: intake.read_upload(data, "bench.csv"), repeat)
    preview_ms, preview_cpu_ms, result = _median_ms(
        lambda: matching.preview(cur, upload, QUEST, 1), repeat
    )
    con.close()
    return {
        "users": n_users,
        "upload_rows": upload.n_rows,
        "counts": result.counts,
        "read_ms": round(read_ms, 1),
        "preview_ms": round(preview_ms, 1),
        "preview_cpu_ms": round(preview_cpu_ms, 1),
        "preview_peak_mb": round(_peak_mb()),
    }


def measure_baseline(path: Path, n_users: int, budget_s: float) -> dict:
    """Time the naive per-row lookups on the same upload."""
    from core.upload import intake
    from tests.support.store import open_store

    con = open_store(path)
    cur = con.cursor()
    upload = intake.read_upload(path.with_suffix(".csv").read_bytes(), "bench.csv")
    per_row_ms, timed = baseline_row_ms(cur, upload, budget_s, 300)
    con.close()
    return {
        "baseline_ms_per_row": round(per_row_ms, 2),
        "baseline_rows_timed": timed,
        "baseline_5000_rows_ms_extrapolated": round(per_row_ms * 5000),
    }


def measure_suggestions(path: Path, n_users: int) -> dict:
    """Time the suggestions for every prefix typed on the way to 12 usernames, and inside text."""
    from core.batches.suggestions import suggest_usernames
    from tests.support.store import open_store

    con = open_store(path)
    cur = con.cursor()
    rnd = random.Random(11)
    names = [
        r[0]
        for r in cur.execute(
            "SELECT username FROM platform_users WHERE id IN (SELECT unnest(?))",
            [rnd.sample(range(1, n_users + 1), 12)],
        ).fetchall()
    ]
    suggest_usernames(cur, "warm")

    def timed(texts: list[str]) -> list[float]:
        out = []
        for text in texts:
            started = time.perf_counter()
            suggest_usernames(cur, text)
            out.append((time.perf_counter() - started) * 1000)
        return sorted(out)

    typed = timed([name[:k] for name in names for k in range(1, len(name) + 1)])
    # Text found only inside usernames: fewer than 10 prefix matches, so every name is read.
    inside = timed([name.split(".")[1][:-2] for name in names[:4]] + ["mith12", "ller99"])
    con.close()
    return {
        "suggest_typing_median_ms": round(statistics.median(typed), 1),
        "suggest_typing_p90_ms": round(typed[int(len(typed) * 0.9)], 1),
        "suggest_typing_max_ms": round(typed[-1], 1),
        "suggest_typing_queries": len(typed),
        "suggest_contains_median_ms": round(statistics.median(inside), 1),
        "suggest_peak_mb": round(_peak_mb()),
    }


def _worker(args: argparse.Namespace) -> None:
    path = Path(args.worker_path)
    if args.worker == "generate":
        result = generate(path, args.worker_users)
    elif args.worker == "index":
        result = build_index(path)
    elif args.worker == "preview":
        result = measure_preview(path, args.worker_users, args.repeat)
    elif args.worker == "suggest":
        result = measure_suggestions(path, args.worker_users)
    else:
        result = measure_baseline(path, args.worker_users, args.baseline_seconds)
    print(json.dumps(result))


def _run(kind: str, path: Path, n_users: int, args: argparse.Namespace) -> dict:
    command = [
        sys.executable, __file__, "--worker", kind, "--worker-path", str(path),
        "--worker-users", str(n_users), "--repeat", str(args.repeat),
        "--baseline-seconds", str(args.baseline_seconds),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{kind} at {n_users:,} users failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run every size and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated user counts")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per measurement")
    parser.add_argument(
        "--baseline-seconds", type=float, default=20, help="time budget of the per-row baseline"
    )
    parser.add_argument("--dir", help="where to put the data files (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--worker",
        choices=["generate", "index", "preview", "suggest", "baseline"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--worker-path", help=argparse.SUPPRESS)
    parser.add_argument("--worker-users", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_preview_"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for n_users in (int(s) for s in args.sizes.split(",")):
            path = folder / f"users_{n_users}.duckdb"
            if not path.exists():
                print(f"generating {n_users:,} users…", file=sys.stderr)
                built = _run("generate", path, n_users, args)
                print(f"building the lookup table for {n_users:,} users…", file=sys.stderr)
                built.update(_run("index", path, n_users, args))
            else:
                built = {}
            print(f"measuring at {n_users:,} users…", file=sys.stderr)
            result = {"load_average": round(os.getloadavg()[0], 1), **built}
            for kind in ("preview", "suggest", "baseline"):
                result.update(_run(kind, path, n_users, args))
            result["speedup"] = round(
                result["baseline_5000_rows_ms_extrapolated"] / result["preview_ms"], 1
            )
            results.append(result)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"\n{r['users']:,} users, {r['upload_rows']:,}-row upload {r['counts']}")
        print(f"  read the CSV             {r['read_ms']:8.1f} ms median")
        print(
            f"  preview                  {r['preview_ms']:8.1f} ms median of {args.repeat} "
            f"(CPU {r['preview_cpu_ms']} ms over both cores), peak memory {r['preview_peak_mb']:,} MB"
        )
        print(
            f"  per-row baseline         {r['baseline_5000_rows_ms_extrapolated']:8,} ms for 5,000 "
            f"rows (EXTRAPOLATED from {r['baseline_rows_timed']} rows at "
            f"{r['baseline_ms_per_row']} ms/row) → preview is {r['speedup']}× faster"
        )
        print(
            f"  suggestions while typing {r['suggest_typing_median_ms']:8.1f} ms median, "
            f"p90 {r['suggest_typing_p90_ms']} ms, max {r['suggest_typing_max_ms']} ms "
            f"({r['suggest_typing_queries']} keystrokes)"
        )
        print(f"  suggestions, inside only {r['suggest_contains_median_ms']:8.1f} ms median")
        print(f"  suggestions peak memory  {r['suggest_peak_mb']:8,} MB")
        print(f"  load average at start    {r['load_average']:8}")
        if "generate_s" in r:
            print(
                f"  setup: users {r['generate_s']} s; lookup table built in {r['index_build_s']} s "
                f"with a peak of {r['index_build_peak_mb']:,} MB; data file {r['file_mb']:,} MB"
            )


if __name__ == "__main__":
    main()
