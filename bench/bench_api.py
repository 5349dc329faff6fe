"""Benchmark (issue 17): `POST /batches/{id}/users` with 5,000 rows at 1M users, over HTTP, against
the UI's own preview and add in the same run.

    flock /tmp/p17/bench.lock .venv/bin/python bench/bench_api.py                # DuckDB, ~1 min
    flock /tmp/p17/bench.lock .venv/bin/python bench/bench_api.py --store both --dir /tmp/bench_api
    # options: --users N (default 1,000,000), --runs N (timed runs of each, default 7),
    # --store duckdb|postgres|both, --dir PATH (keep and reuse the data), --json

The data and its 5,000-row CSV are bench/bench_preview.py's (1M users named like
`maria.chen123`, 2% deactivated, 1% holding the quest; the CSV mixes good rows by ID, username,
email and all three with duplicates, not found, mismatches, invalid IDs, users already unlocked
and deactivated), on PostgreSQL copied from the DuckDB file by bench/store_data.py (the same
rows, timed on a scratch copy of the database). Every timed add goes into a fresh empty draft,
so each run adds the same ~3,300 users and the runs are alike. In this order, on each store:

1. the UI (in this process, the store open as the app opens it): what the upload dialog does for
   a dropped file, then its "Upload" button (`pages/ui/add_users.py`): `intake.read_upload`,
   `matching.preview`, then `add_file.add_upload` (which matches again in its transaction);
2. the API, end to end: the real app (`streamlit run app.py`, publisher off) on the same store,
   and from this process over loopback HTTP `POST /api/v1/batches/{id}/users` with the CSV as a
   `text/csv` body, then with the same rows as a JSON list, each with a Bearer token: the time
   from the first byte sent to the last byte of the answer (the preview and what was added).

Medians (and min/max) of `--runs` runs after one warm-up each. Target: the API's POST ≤ 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_preview import generate  # noqa: E402
from core.access import accounts, api_tokens  # noqa: E402
from core.access.roles import Account, Role, command_line_account  # noqa: E402
from core.batches import add_file, drafts, matching  # noqa: E402
from core.store import connect  # noqa: E402
from core.store.ports import UnitOfWork  # noqa: E402
from core.upload import intake  # noqa: E402
from tests.support.browser import _stop, serve_app  # noqa: E402
from tests.support.store import open_store  # noqa: E402

QUEST = 1  # bench_preview's quest
ADMIN = ("api-bench", "bench-api-admin-1")  # a throwaway account of a benchmark file
TARGET_S = 1.0


Location = Path | str  # a DuckDB file, or a PostgreSQL database's URL


def open_uow(location: Location) -> UnitOfWork:
    """The store as the app opens it (DuckDB: the test helper's unit of work on the file)."""
    return connect(location) if isinstance(location, str) else open_store(location)


def prepare(location: Location, drafts_needed: int) -> tuple[str, list[int]]:
    """Bring the matching index in step, make the account and a token, and the empty drafts."""
    con = open_uow(location)
    cur = con.cursor()
    matching.sync_user_index(cur)  # the first preview on a new file would build it
    cli = command_line_account()
    if ADMIN[0] not in accounts.list_accounts(cur)["username"].to_list():
        accounts.add_account(cur, cli, ADMIN[0], Role.ADMIN, ADMIN[1])
    secret, _ = api_tokens.create_token(cur, cli, ADMIN[0], f"bench {time.time_ns()}")
    actor = Account(ADMIN[0], Role.ADMIN)
    made = [drafts.create_draft(cur, actor, f"API bench {k}", QUEST) for k in range(drafts_needed)]
    con.close()
    return secret, made


def measure_ui(location: Location, data: bytes, batch_ids: list[int]) -> dict:
    """The upload dialog's read and preview, then its Upload button's add, per fresh draft."""
    con = open_uow(location)
    cur = con.cursor()
    actor = Account(ADMIN[0], Role.ADMIN)
    read_s, preview_s, add_s, total_s, added = [], [], [], [], None
    for batch_id in batch_ids:
        started = time.perf_counter()
        upload = intake.read_upload(data, "bench.csv")
        read_done = time.perf_counter()
        preview = matching.preview(cur, upload, QUEST, batch_id)
        preview_done = time.perf_counter()
        result = add_file.add_upload(cur, actor, batch_id, upload, expected=None)
        done = time.perf_counter()
        read_s.append(read_done - started)
        preview_s.append(preview_done - read_done)
        add_s.append(done - preview_done)
        total_s.append(done - started)
        added = result.added
        assert preview.users_to_add == result.added, "the add differs from its preview"
    con.close()
    # The first run warms DuckDB's caches and the planner: the dialog's second file is the norm.
    return {
        "ui_read": summary(read_s[1:]),
        "ui_preview": summary(preview_s[1:]),
        "ui_add": summary(add_s[1:]),
        "ui_total": summary(total_s[1:]),
        "ui_added": added,
    }


def post(base: str, path: str, secret: str, body: bytes, content_type: str) -> tuple[float, dict]:
    """POST a body on a new connection and read the whole answer; return the seconds and it."""
    parsed = urlsplit(base)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type},
        )
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    if response.status != 200:
        sys.exit(f"POST {path} answered {response.status}: {raw[:500]!r}")
    return seconds, json.loads(raw)


def measure_api(
    location: Location,
    log: Path,
    data: bytes,
    rows: list[dict],
    secret: str,
    csv_ids: list[int],
    json_ids: list[int],
) -> dict:
    """The real app on the store; POST the CSV and the JSON rows to fresh drafts over loopback."""
    saved = os.environ.get("BATCH_UNLOCK_WORKER")
    os.environ["BATCH_UNLOCK_WORKER"] = "0"  # nothing is queued: keep the publisher's polls out
    try:
        proc, base = serve_app(ROOT, location, log, timeout=120)  # type: ignore[arg-type]
    finally:
        if saved is None:
            os.environ.pop("BATCH_UNLOCK_WORKER", None)
        else:
            os.environ["BATCH_UNLOCK_WORKER"] = saved
    body = json.dumps(rows).encode()
    try:
        csv_s, json_s, answer = [], [], {}
        for batch_id in csv_ids:
            target = f"/api/v1/batches/{batch_id}/users?filename=bench.csv"
            seconds, answer = post(base, target, secret, data, "text/csv")
            csv_s.append(seconds)
        csv_added = answer["added"]
        for batch_id in json_ids:
            target = f"/api/v1/batches/{batch_id}/users"
            seconds, answer = post(base, target, secret, body, "application/json")
            json_s.append(seconds)
    finally:
        _stop(proc)
    return {
        "api_csv": summary(csv_s[1:]),
        "api_json": summary(json_s[1:]),
        "api_csv_added": csv_added,
        "api_json_added": answer["added"],
        "api_counts": {k: answer[k] for k in ("rows", "ok", "not_found", "mismatch", "duplicate",
                                               "already_in_batch", "already_unlocked", "inactive")},
        "request_bytes": {"csv": len(data), "json": len(body)},
    }  # fmt: skip


def summary(seconds: list[float]) -> dict:
    """Median, min and max in milliseconds."""
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "runs": len(seconds),
    }


def json_rows(data: bytes) -> list[dict]:
    """The CSV's rows as the API's JSON rows (the same values, the same fields per row)."""
    upload = intake.read_upload(data, "bench.csv")
    return [
        {key: row[key] for key in ("id", "username", "email") if row[key] is not None}
        for row in upload.rows.iter_rows(named=True)
    ]


def measure(location: Location, log: Path, data: bytes, runs: int) -> dict:
    """The UI's path, then the API's, on one store holding the users."""
    secret, made = prepare(location, 3 * runs)
    result = {"load_average": round(os.getloadavg()[0], 1)}
    result.update(measure_ui(location, data, made[:runs]))
    result.update(measure_api(location, log, data, json_rows(data), secret,
                              made[runs : 2 * runs], made[2 * runs :]))  # fmt: skip
    result["holds"] = result["api_csv"]["median_ms"] <= TARGET_S * 1000
    return result


def on_duckdb(folder: Path, n_users: int, runs: int) -> dict:
    """bench_preview's data file (made once per folder) and its CSV."""
    path = folder / f"api_{n_users}.duckdb"
    if not path.exists():
        print(f"generating {n_users:,} users…", file=sys.stderr)
        generate(path, n_users)
    data = path.with_suffix(".csv").read_bytes()
    return measure(path, path.with_suffix(".server.log"), data, runs)


def on_postgres(folder: Path, n_users: int, runs: int, keep: bool) -> dict:
    """The same data copied into PostgreSQL (bench/store_data.py), timed on a scratch copy."""
    from bench.store_data import Workspace

    with Workspace(folder / "pg", keep=keep) as ws:
        print(f"building {n_users:,} users on both stores…", file=sys.stderr)
        built = ws.users(n_users)
        with ws.scratch(built, "api_bench") as (_duck, url):
            return measure(url, folder / "pg_server.log", ws.upload(n_users), runs)


def main() -> None:
    """Build (or reuse) the data, then time the UI's path and the API's on each store."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="platform users")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (after a warm-up)")
    parser.add_argument(
        "--store", choices=("duckdb", "postgres", "both"), default="duckdb", help="which store"
    )
    parser.add_argument("--dir", help="keep the data here and reuse it (default: temporary)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_api_"))
    folder.mkdir(parents=True, exist_ok=True)
    runs = args.runs + 1  # one warm-up each
    results: dict[str, dict] = {}
    try:
        if args.store in ("duckdb", "both"):
            results["duckdb"] = on_duckdb(folder, args.users, runs)
        if args.store in ("postgres", "both"):
            results["postgres"] = on_postgres(folder, args.users, runs, keep=bool(args.dir))
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps({"users": args.users, "target_ms": TARGET_S * 1000, **results}, indent=2))
        return
    for store, result in results.items():
        report(store, args.users, result)


def report(store: str, n_users: int, result: dict) -> None:
    """Print one store's figures for people."""
    print(f"\n{store}: {n_users:,} users, a 5,000-row upload ({result['api_counts']})")
    print(f"  users added per run: UI {result['ui_added']:,}, API {result['api_csv_added']:,}")
    for key, label in (
        ("ui_read", "UI: read the file"),
        ("ui_preview", "UI: preview"),
        ("ui_add", "UI: Upload (add)"),
        ("ui_total", "UI: read + preview + add"),
        ("api_csv", "API: POST text/csv, over HTTP"),
        ("api_json", "API: POST JSON rows, over HTTP"),
    ):
        s = result[key]
        print(
            f"  {label:<32} {s['median_ms']:8.1f} ms median "
            f"({s['min_ms']}-{s['max_ms']} ms, {s['runs']} runs)"
        )
    verdict = "holds" if result["holds"] else "MISSED"
    print(f"  target: the API's POST ≤ {TARGET_S * 1000:.0f} ms median: {verdict}")
    print(f"  load average at start {result['load_average']}")


if __name__ == "__main__":
    main()
