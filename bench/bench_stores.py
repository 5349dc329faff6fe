"""Benchmark DuckDB and PostgreSQL side by side: preview, suggestions, publishing, batch list (issue 14).

    .venv/bin/python bench/bench_stores.py --keep /tmp/bench_stores     # full size (build once)
    .venv/bin/python bench/bench_stores.py --users 100000 --batches 5000 --batch-users 250000 \\
        --publish-users 100000 --history 100000                          # small: ~1-2 minutes
    # --markdown prints the table for bench/README.md; --only preview,list,publish; --json FILE

The data is built once per size by bench/store_data.py (the existing benchmarks' builders on
DuckDB, the same rows copied into a throwaway PostgreSQL server by COPY, indexes built after
loading, then VACUUM ANALYZE). Every figure times the product's own functions, the calls the
DuckDB benchmarks time, on both stores, the two stores' calls alternating run by run so load
from elsewhere weighs on both alike; the two stores' answers must agree ("MISMATCH" otherwise):

- preview of a 5,000-row upload (`core.batches.matching.preview`, bench_preview's upload), and
  the username suggestions for every prefix typed on the way to 12 usernames
  (`core.batches.suggestions.suggest_usernames`), at each `--users` size;
- publishing (`core.publishing.worker.run_until_empty`, what `python -m core worker --once`
  runs): one 5,000-user batch, ten together with one worker; on PostgreSQL also ten with one and
  with two worker processes (each its own process and connection pool, started beforehand and
  set off together; the time runs until both have found the queue empty);
- the batch list's first page + count (`core.history.listing.list_batches`, bench_list's cases).

Medians of --fast-runs (default 21) for the preview and the list, of --runs (default 5) for the
publishing measures; the suggestions' median is over every keystroke (one call each). The
targets are the issue's, for PostgreSQL; the script exits 1 if one is missed or the stores
disagree. DuckDB's column is shown for reference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import psycopg  # noqa: E402

from bench import bench_list, bench_preview, bench_publish  # noqa: E402
from bench.store_data import Built, PgBatches, Workspace, describe  # noqa: E402
from core import store  # noqa: E402
from core.batches import matching  # noqa: E402
from core.batches.suggestions import suggest_usernames  # noqa: E402
from core.history import listing  # noqa: E402
from core.publishing import batch_report, worker  # noqa: E402
from core.upload import intake  # noqa: E402
from tests.support.store import open_store  # noqa: E402

# The targets for PostgreSQL (ms unless said).
PREVIEW_MS = {1_000_000: 100.0, 10_000_000: 200.0}  # a size up to 1M: 100 ms; above: 200 ms
SUGGEST_MS = 30.0
LIST_MS = 50.0
ONE_BATCH_S = 1.0
TEN_TWO_WORKERS_S = 5.0
TWO_WORKER_SPEEDUP = 1.6
TZ = bench_list.TZ
RUN_TIMEOUT_S = 300  # a publishing run taking longer is stuck: stop rather than hang
FAST_SAMPLES = 21  # the fewest calls a fast figure's median is taken over


@dataclass
class Row:
    """One line of the table: a measure on both stores, and the target PostgreSQL must meet."""

    section: str
    measure: str
    duckdb: float | None
    postgres: float | None
    unit: str  # "ms", "s", "x", "" (a count)
    target: float | None = None  # PostgreSQL's; None: shown for information
    at_least: bool = False  # the target is a minimum (a speed-up), not a maximum

    @property
    def verdict(self) -> str:
        """The verdict: ok, OVER (UNDER for a minimum), or empty when there is no target."""
        if self.target is None or self.postgres is None:
            return ""
        if self.at_least:
            return "ok" if self.postgres >= self.target else "UNDER"
        return "ok" if self.postgres <= self.target else "OVER"


class LoadSampler:
    """The machine's load average and CPU use, sampled every second while the benchmark runs."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float, float]] = []  # (section, load 1 min, busy % of all)
        self.section = "build"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = _cpu_times()
        while not self._stop.wait(1.0):
            now = _cpu_times()
            busy, total = now[0] - last[0], now[1] - last[1]
            last = now
            self.samples.append(
                (self.section, os.getloadavg()[0], 100.0 * busy / total if total else 0.0)
            )

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=2)

    def summary(self, section: str) -> str:
        """Load average range and mean CPU use (of all cores) while `section` ran."""
        mine = [s for s in self.samples if s[0] == section]
        if not mine:
            return "no sample"
        loads = [s[1] for s in mine]
        busy = statistics.mean(s[2] for s in mine)
        cores = os.cpu_count() or 1
        return (
            f"load average {min(loads):.1f}-{max(loads):.1f}, CPU {busy * cores:.0f} % of "
            f"{cores * 100} % busy ({len(mine)} s)"
        )


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def paired(
    run_duck: Callable[[], object], run_pg: Callable[[], object], runs: int
) -> tuple[float, float, object, object]:
    """Median ms of each call over `runs`, the two alternating (after one warm-up each)."""
    duck_result, pg_result = run_duck(), run_pg()
    duck_ms, pg_ms = [], []
    for i in range(runs):
        # ABBA: neither store always runs first, right after the other's work.
        order = ((duck_ms, run_duck), (pg_ms, run_pg))
        for times, fn in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(duck_ms), statistics.median(pg_ms), duck_result, pg_result


def preview_target(n_users: int) -> float:
    """The issue's preview target at this size (100 ms up to 1M users, 200 ms up to 10M)."""
    return PREVIEW_MS[1_000_000] if n_users <= 1_000_000 else PREVIEW_MS[10_000_000]


def measuring(built: Built, sampler: LoadSampler, section: str) -> None:
    """Say what was built; the load samples from here on are the measurement's."""
    print(describe(built), file=sys.stderr)
    sampler.section = section


def bench_users(ws: Workspace, n_users: int, args: argparse.Namespace, problems: list[str],
                sampler: LoadSampler) -> list[Row]:  # fmt: skip
    """Preview of the 5,000-row upload and the username suggestions at one size, both stores."""
    built = ws.users(n_users)
    measuring(built, sampler, f"users {n_users:,}")
    upload = intake.read_upload(ws.upload(n_users), "bench.csv")
    duck, pg = open_store(built.duck), store.connect(built.pg_url)
    try:
        section = f"users {n_users:,}"
        duck_ms, pg_ms, duck_preview, pg_preview = paired(
            lambda: matching.preview(duck, upload, bench_preview.QUEST, 1),
            lambda: matching.preview(pg, upload, bench_preview.QUEST, 1),
            args.fast_runs,
        )
        if duck_preview.counts != pg_preview.counts or not duck_preview.rows.equals(
            pg_preview.rows
        ):
            problems.append(
                f"MISMATCH: the previews at {n_users:,} users differ: DuckDB {duck_preview.counts}"
                f", PostgreSQL {pg_preview.counts}"
            )
        rows = [
            Row(section, f"preview of a 5,000-row upload, median of {args.fast_runs}",
                duck_ms, pg_ms, "ms", preview_target(n_users)),
        ]  # fmt: skip
        rows += suggestions(section, duck, pg, n_users, problems)
        return rows
    finally:
        duck.close()
        pg.close()


def suggestions(section: str, duck, pg, n_users: int, problems: list[str]) -> list[Row]:
    """bench_preview's keystrokes (every prefix of 12 usernames) and its "inside only" texts."""
    ids = random.Random(11).sample(range(1, n_users + 1), 12)
    found = dict(duck.matching.usernames(pl.Series(ids, dtype=pl.Int64)).iter_rows())
    names = [found[i] for i in ids]
    typed = [name[:k] for name in names for k in range(1, len(name) + 1)]
    inside = [name.split(".")[1][:-2] for name in names[:4]] + ["mith12", "ller99"]
    suggest_usernames(duck, "warm"), suggest_usernames(pg, "warm")
    rows = []
    for label, once in (("while typing", typed), ("text only inside usernames", inside)):
        # Each text at least twice, and at least 21 calls in all (the 6 "inside" texts: 4 passes).
        texts = once * max(2, -(-FAST_SAMPLES // len(once)))
        times: dict[str, list[float]] = {"duck": [], "pg": []}
        differ = 0
        for k, text in enumerate(texts):
            answers = {}
            order = (("duck", duck), ("pg", pg)) if k % 2 == 0 else (("pg", pg), ("duck", duck))
            for name, uow in order:
                started = time.perf_counter()
                answers[name] = suggest_usernames(uow, text)
                times[name].append((time.perf_counter() - started) * 1000)
            differ += answers["duck"] != answers["pg"]
        if differ:
            problems.append(
                f"MISMATCH: {differ} of {len(texts)} suggestion lists ({label}) differ at "
                f"{n_users:,} users"
            )
        rows.append(
            Row(section, f"username suggestions {label}, median of {len(texts)} "
                f"({len(once)} texts)",
                statistics.median(times["duck"]), statistics.median(times["pg"]), "ms",
                SUGGEST_MS if label == "while typing" else None)
        )  # fmt: skip
        if label == "while typing":
            p90 = {k: sorted(v)[int(len(v) * 0.9)] for k, v in times.items()}
            rows.append(Row(section, "username suggestions while typing, p90", p90["duck"],
                            p90["pg"], "ms"))  # fmt: skip
    return rows


def bench_list_page(ws: Workspace, args: argparse.Namespace, problems: list[str],
                    sampler: LoadSampler) -> list[Row]:  # fmt: skip
    """The list's first page + count for bench_list's cases, both stores."""
    built = ws.batch_list(args.batches, args.batch_users)
    measuring(built, sampler, "list")
    duck, pg = open_store(built.duck), store.connect(built.pg_url)
    section = f"list {args.batches:,} batches / {args.batch_users:,} batch users"
    rows = []
    try:
        for title, viewer, flt in bench_list.cases(duck):
            duck_ms, pg_ms, a, b = paired(
                lambda v=viewer, f=flt: listing.list_batches(duck, v, f, TZ),
                lambda v=viewer, f=flt: listing.list_batches(pg, v, f, TZ),
                args.fast_runs,
            )
            if a.total != b.total or a.rows["id"].to_list() != b.rows["id"].to_list():
                problems.append(f"MISMATCH: the list pages differ for {title!r}")
            rows.append(Row(section, f"{title} ({a.total:,})", duck_ms, pg_ms, "ms", LIST_MS))
    finally:
        duck.close()
        pg.close()
    slowest = max(rows, key=lambda r: r.postgres or 0)
    rows.append(
        Row(section, f"slowest first page + count (of {len(rows)} cases, median of "
            f"{args.fast_runs})", max(r.duckdb or 0 for r in rows), slowest.postgres, "ms",
            LIST_MS)
    )  # fmt: skip
    return rows


class WorkerProcess:
    """A publisher in a process of its own: connected beforehand, set off by a line on stdin."""

    def __init__(self, url: str, args: argparse.Namespace) -> None:
        """Start the process and wait until it has opened the store."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker-process",
                url,
                "--chunk",
                str(args.chunk),
                "--max-chunk",
                str(args.max_chunk),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        ready = self.proc.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"worker process did not start: {ready!r}")

    def go(self) -> None:
        """Set it off: it runs the worker until the queue is empty."""
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self) -> dict:
        """Wait for its report of the run (a run stuck for RUN_TIMEOUT_S stops the benchmark)."""
        ready, _, _ = select.select([self.proc.stdout], [], [], RUN_TIMEOUT_S)
        if not ready:
            raise RuntimeError(f"a worker process gave no answer in {RUN_TIMEOUT_S} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker process ended (exit {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        """Ask it to stop, and wait."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def worker_process(url: str, args: argparse.Namespace) -> int:
    """The child's side of WorkerProcess: `worker.run_until_empty` on each "go"."""
    uow = store.connect(url)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        report = worker.run_until_empty(uow, chunk_size=args.chunk, max_chunk=args.max_chunk)
        print(json.dumps({"processed": report.processed, "chunks": report.chunks,
                          "seconds": report.seconds, "finished": report.finished}),
              flush=True)  # fmt: skip
    uow.close()
    return 0


def ten_with_processes(
    pg, batches: PgBatches, workers: list[WorkerProcess]
) -> tuple[float, list[dict]]:
    """Queue ten batches, set the workers off together; seconds until all of them are done."""
    ids = batches.queued(10)
    started = time.perf_counter()
    for w in workers:
        w.go()
    reports = [w.result() for w in workers]
    seconds = time.perf_counter() - started
    processed = sum(r["processed"] for r in reports)
    finished = sorted(b for r in reports for b in r["finished"])
    assert processed == 10 * bench_publish.BATCH and finished == ids, (processed, finished, ids)
    return seconds, reports


SPLITS: list[str] = []  # per run of the worker processes: who did what (printed after the table)


def _split(measured: tuple[float, list[dict]]) -> float:
    """Note how the users of one run were shared between the processes; return its seconds."""
    seconds, reports = measured
    shares = " + ".join(f"{r['processed']:,} users in {r['chunks']} chunks" for r in reports)
    SPLITS.append(f"{len(reports)} process(es), {seconds:.2f} s: {shares}")
    return seconds


def ten_with_cli(pg, url: str, batches: PgBatches, count: int) -> float:
    """Queue ten batches, start `count` real `python -m core worker --once`; seconds until all exit.

    Includes what a new worker process pays before its first chunk (Python, imports, connecting),
    so it is shown beside the pre-started processes' figure, not instead of it.
    """
    ids = batches.queued(10)
    command = [sys.executable, "-m", "core", "--db", url, "worker", "--once", "--rate", "0"]
    started = time.perf_counter()
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL) for _ in range(count)]
    try:
        codes = [p.wait(timeout=RUN_TIMEOUT_S) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    seconds = time.perf_counter() - started
    statuses = {batch_report.batch_summary(pg, i)["status"] for i in ids}
    assert codes == [0] * count and statuses == {"Partially published"}, (codes, statuses)
    return seconds


def bench_publishing(ws: Workspace, args: argparse.Namespace, problems: list[str],
                     sampler: LoadSampler) -> list[Row]:  # fmt: skip
    """One batch, ten batches with one worker (both stores), ten with 1 and 2 processes (PG)."""
    built = ws.publishing(args.publish_users, args.history)
    measuring(built, sampler, "publish")
    section = f"publishing ({args.publish_users:,} users, {args.history:,} finished batch users)"
    runs = args.runs
    sizing = {"chunk_size": args.chunk, "max_chunk": args.max_chunk}
    with ws.scratch(built, "publish_work") as (duck_path, pg_url):
        duck, pg = open_store(duck_path), store.connect(pg_url)
        duck_batches = bench_publish.Batches(duck, args.publish_users)
        pg_batches = PgBatches(pg, args.publish_users)
        processes: list[WorkerProcess] = []
        try:
            for uow, made in ((duck, duck_batches), (pg, pg_batches)):
                bench_publish.time_one(uow, made, sizing)  # warm-up: first touches of the pages
            ones: dict[str, list] = {"duck": [], "pg": []}
            for i in range(runs):
                order = [("duck", duck, duck_batches), ("pg", pg, pg_batches)]
                for name, uow, made in order if i % 2 == 0 else order[::-1]:
                    ones[name].append(bench_publish.time_one(uow, made, sizing))
            tens: dict[str, list[float]] = {
                k: [] for k in ("duck", "pg", "pg1", "pg2", "cli1", "cli2")
            }
            processes = [WorkerProcess(pg_url, args) for _ in range(2)]
            ten_with_processes(pg, pg_batches, processes)  # warm-up of the processes
            for i in range(runs):
                steps = [
                    ("duck", lambda: bench_publish.time_ten(duck, duck_batches, sizing)),
                    ("pg", lambda: bench_publish.time_ten(pg, pg_batches, sizing)),
                    ("pg1", lambda: _split(ten_with_processes(pg, pg_batches, processes[:1]))),
                    ("pg2", lambda: _split(ten_with_processes(pg, pg_batches, processes))),
                ]
                if args.cli_workers:
                    steps += [
                        ("cli1", lambda: ten_with_cli(pg, pg_url, pg_batches, 1)),
                        ("cli2", lambda: ten_with_cli(pg, pg_url, pg_batches, 2)),
                    ]
                for name, fn in steps if i % 2 == 0 else steps[::-1]:
                    tens[name].append(fn())
        finally:
            for w in processes:
                w.close()
            duck.close()
            pg.close()
    one = {k: statistics.median(s for s, _ in v) for k, v in ones.items()}
    updates = {k: statistics.median(len(seen) for _, seen in v) for k, v in ones.items()}
    ten = {k: statistics.median(v) for k, v in tens.items() if v}
    # Throughput ratio of the medians; per run too, each pair run back to back, as a check.
    speedup = ten["pg1"] / ten["pg2"]
    n = bench_publish.BATCH
    rows = [
        Row(section, f"one 5,000-user batch, Unpublished → finished, median of {runs}",
            one["duck"], one["pg"], "s", ONE_BATCH_S),
        Row(section, "progress updates committed during that batch", updates["duck"],
            updates["pg"], ""),
        Row(section, f"ten 5,000-user batches, one worker in this process, median of {runs}",
            ten["duck"], ten["pg"], "s"),
        Row(section, "ten 5,000-user batches, one worker process", None, ten["pg1"], "s"),
        Row(section, "ten 5,000-user batches, two worker processes", None, ten["pg2"], "s",
            TEN_TWO_WORKERS_S),
        Row(section, "throughput, one worker (users/s; DuckDB: in process)",
            10 * n / ten["duck"], 10 * n / ten["pg1"], "/s"),
        Row(section, "throughput, two worker processes (users/s)", None, 10 * n / ten["pg2"],
            "/s"),
        Row(section, "two workers' throughput ÷ one worker's", None, speedup, "x",
            TWO_WORKER_SPEEDUP, at_least=True),
    ]  # fmt: skip
    if args.cli_workers:
        rows += [
            Row(section, "ten batches, one `python -m core worker --once`, start to exit",
                None, ten["cli1"], "s"),
            Row(section, "ten batches, two `python -m core worker --once`, start to exit",
                None, ten["cli2"], "s"),
        ]  # fmt: skip
    return rows


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "/s":
        return f"{value:,.0f}"
    return f"{value:g}"


def _target(row: Row) -> str:
    if row.target is None:
        return ""
    return ("≥ " if row.at_least else "≤ ") + _fmt(row.target, row.unit)


def print_table(rows: list[Row], markdown: bool, file=None) -> None:
    """The figures, one line per measure, DuckDB and PostgreSQL side by side."""
    if file is not None:  # a part's figures as soon as it is done (a long run shows progress)
        with contextlib.redirect_stdout(file):
            print_table(rows, markdown)
        file.flush()
        return
    header = ("measure", "DuckDB", "PostgreSQL", "target (PG)", "")
    cells = [(r.measure, _fmt(r.duckdb, r.unit), _fmt(r.postgres, r.unit), _target(r), r.verdict)
             for r in rows]  # fmt: skip
    sections = [r.section for r in rows]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|---:|---:|---:|---|")
        last = None
        for section, line in zip(sections, cells, strict=True):
            if section != last:
                print(f"| **{section}** | | | | |")
                last = section
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    last = None
    for section, line in zip(sections, cells, strict=True):
        if section != last:
            print(f"\n{section}")
            print(
                "  "
                + "  ".join(
                    h.ljust(w) if i == 0 else h.rjust(w)
                    for i, (h, w) in enumerate(zip(header, widths, strict=True))
                )
            )
            last = section
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths, strict=True))))  # fmt: skip


def server_version(url: str) -> str:
    """The PostgreSQL server's version number."""
    with psycopg.connect(url) as con:
        return con.execute("SHOW server_version").fetchone()[0]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--users",
        default="1000000,10000000",
        help="platform users of the preview and suggestion stores, comma-separated",
    )
    p.add_argument("--batches", type=int, default=100_000, help="batches of the list store")
    p.add_argument(
        "--batch-users", type=int, default=5_000_000, help="batch users of the list store"
    )
    p.add_argument(
        "--publish-users",
        type=int,
        default=1_000_000,
        help="platform users of the publishing store",
    )
    p.add_argument(
        "--history",
        type=int,
        default=1_000_000,
        help="finished batch users (with unlocks) of the publishing store",
    )
    p.add_argument("--runs", type=int, default=5, help="runs of each publishing measure")
    p.add_argument("--fast-runs", type=int, default=21, help="runs of the preview and list")
    p.add_argument(
        "--chunk",
        type=int,
        default=bench_publish.throttle.DEFAULT_CHUNK,
        help="users in the worker's first chunk",
    )
    p.add_argument(
        "--max-chunk",
        type=int,
        default=bench_publish.throttle.MAX_CHUNK,
        help="largest chunk (= --chunk: fixed)",
    )
    p.add_argument(
        "--only",
        default="preview,list,publish",
        help="which parts to run, comma-separated: preview, list, publish",
    )
    p.add_argument(
        "--keep",
        metavar="DIR",
        help="build the DuckDB files and the PostgreSQL data directory here, keep "
        "them, and reuse them in later runs",
    )
    p.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL server setting for this run (repeatable)",
    )
    p.add_argument(
        "--no-cli-workers",
        dest="cli_workers",
        action="store_false",
        help="skip the runs of real `python -m core worker --once` processes (start to exit)",
    )
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--json", metavar="FILE", help="write every figure to FILE as JSON")
    p.add_argument("--worker-process", metavar="URL", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the data, measure both stores, print the table; exit 1 over a target."""
    args = parse_args(argv)
    if args.worker_process:
        return worker_process(args.worker_process, args)
    if args.runs < 5 or args.fast_runs < 21:
        print("note: fewer runs than the issue asks (--runs ≥ 5, --fast-runs ≥ 21)",
              file=sys.stderr)  # fmt: skip
    parts = set(args.only.split(","))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_stores_"))
    settings = dict(s.split("=", 1) for s in args.pg_setting)
    sampler = LoadSampler()
    sampler.start()
    rows: list[Row] = []
    problems: list[str] = []
    started = time.perf_counter()
    with Workspace(folder, keep=bool(args.keep), settings=settings) as ws:
        versions = f"DuckDB {duckdb.__version__}, PostgreSQL {server_version(ws.pg.url)}"
        print(f"{versions}; data in {folder}"
              f"{' (server reused)' if ws.reused_server else ''}", file=sys.stderr)  # fmt: skip
        sections: list[tuple[str, Callable[[], list[Row]]]] = []
        if "preview" in parts:
            for n in (int(s) for s in args.users.split(",")):
                sections.append((f"users {n:,}", lambda n=n: bench_users(ws, n, args, problems,
                                                                           sampler)))  # fmt: skip
        if "list" in parts:
            sections.append(("list", lambda: bench_list_page(ws, args, problems, sampler)))
        if "publish" in parts:
            sections.append(("publish", lambda: bench_publishing(ws, args, problems, sampler)))
        loads = []
        for name, run in sections:
            sampler.section = f"build {name}"  # until `measuring` says the data is ready
            part = run()
            rows += part
            loads.append((name, sampler.summary(name)))
            print_table(part, False, file=sys.stderr)
            print(f"machine while measuring {name}: {loads[-1][1]}", file=sys.stderr, flush=True)
    sampler.stop()
    print_table(rows, args.markdown)
    print()
    print(f"{versions}; {os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s")
    for name, summary in loads:
        print(f"machine while measuring {name}: {summary}")
    for line in SPLITS:
        print(f"PostgreSQL worker run: {line}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": [asdict(r) | {"verdict": r.verdict} for r in rows],
                    "loads": dict(loads),
                    "problems": problems,
                    "versions": versions,
                },
                indent=2,
            )
        )
    missed = [r for r in rows if r.verdict in ("OVER", "UNDER")]
    for problem in problems:
        print(problem)
    for r in missed:
        print(f"PostgreSQL {r.verdict} target: {r.section}: {r.measure}: "
              f"{_fmt(r.postgres, r.unit)} (target {_target(r)})")  # fmt: skip
    if not missed and not problems:
        print("every PostgreSQL figure within its target; both stores gave the same answers")
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
