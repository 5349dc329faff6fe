"""Benchmark: whole-process time of simple command-line commands (`python -m core quests --json`).

    .venv/bin/python bench/bench_cli.py                          # ~30 s
    .venv/bin/python bench/bench_cli.py --baseline /tmp/before   # and an older checkout, same run
    # options: --runs N (default 9, at least 7), --target S (default 0.4), --db PATH (an existing
    # data file; default: a temporary demo store), --profile (the slowest imports of one run)

Each command runs as a developer runs it: a fresh `python -m core --db FILE ...` process, timed
from start to exit (wall clock, and the CPU time it used). Runs of the checkout and of the
baseline alternate, so both see the same load; each side runs every command once untimed first
(byte-compiling, the file cache). The baseline must print the same bytes, or the row says so.
Reference rows show the floor: an interpreter that does nothing, and one that imports duckdb and
opens the file. Exits 1 when a simple command's median is over the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (label, arguments after `--db FILE`, whether the target applies). The last uses frames (polars
# and pyarrow, on purpose): it shows what the simple ones no longer pay.
COMMANDS = [
    ("quests --json", ["quests", "--json"], True),
    ("quests", ["quests"], True),
    ("rate --json", ["rate", "--json"], True),
    ("batch show 1 --json", ["batch", "show", "1", "--json"], True),
    ("batch list --json (frames)", ["batch", "list", "--json"], False),
]
FLOORS = [
    ("python -c pass", ["-c", "pass"]),
    ("import duckdb + open the file", ["-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"]),
]  # fmt: skip


def child_env() -> dict[str, str]:
    """The environment of every run: no PYTHONPATH, so `-m core` is the checkout's own."""
    drop = ("PYTHONPATH", "BATCH_UNLOCK_DB", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
    return {k: v for k, v in os.environ.items() if k not in drop}


def run_once(cwd: Path, argv: list[str]) -> tuple[float, float, bytes, int]:
    """Run `python ARGV` in `cwd`; return (wall s, CPU s, stdout, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=child_env(), capture_output=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout, done.returncode


def make_demo_store(folder: Path) -> Path:
    """A demo data file made by this checkout's `init --demo` (50,000 users, 52 batches)."""
    path = folder / "bench_cli.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(path), "init", "--demo"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"init --demo failed: {done.stderr.strip()}")
    return path


def measure(sides: dict[str, Path], db: Path, runs: int) -> list[dict]:
    """Median wall and CPU time per row and side, runs of the sides interleaved."""
    rows = []
    plan = [
        (label, ["-m", "core", "--db", str(db), *args], target) for label, args, target in COMMANDS
    ]
    plan += [(label, [*args, str(db)], None) for label, args in FLOORS]  # fmt: skip
    for label, argv, target in plan:
        outputs: dict[str, set[bytes]] = {side: set() for side in sides}
        walls: dict[str, list[float]] = {side: [] for side in sides}
        cpus: dict[str, list[float]] = {side: [] for side in sides}
        codes: dict[str, set[int]] = {side: set() for side in sides}
        for cwd in sides.values():
            run_once(cwd, argv)  # untimed: byte-compiling, the file cache
        for _ in range(runs):
            for side, cwd in sides.items():
                wall, cpu, out, code = run_once(cwd, argv)
                walls[side].append(wall)
                cpus[side].append(cpu)
                outputs[side].add(out)
                codes[side].add(code)
        rows.append(
            {
                "label": label,
                "target": target,
                "wall": {s: statistics.median(v) for s, v in walls.items()},
                "cpu": {s: statistics.median(v) for s, v in cpus.items()},
                "codes": codes,
                "same": len(set().union(*outputs.values())) == 1,
            }
        )
        print(f"  measured {label}", file=sys.stderr, flush=True)
    return rows


def print_table(rows: list[dict], sides: list[str], target: float) -> bool:
    """Print the results; return whether every simple command met the target."""
    head = f"{'command':32} " + " ".join(f"{s + ' wall':>13} {s + ' CPU':>12}" for s in sides)
    if len(sides) == 2:
        head += f" {'speed-up':>9} {'same output':>12}"
    print(head + f" {'target':>8}")
    met = True
    for row in rows:
        line = f"{row['label']:32} " + " ".join(
            f"{row['wall'][s]:12.3f}s {row['cpu'][s]:11.3f}s" for s in sides
        )
        if len(sides) == 2:
            ratio = row["wall"][sides[0]] / row["wall"][sides[1]]
            line += f" {ratio:8.1f}x {'yes' if row['same'] else 'NO':>12}"
        failed = [s for s in sides if row["codes"][s] != {0}]
        if row["target"]:
            ok = row["wall"][sides[-1]] <= target and not failed
            met &= ok
            line += f" {'≤ ' + format(target, 'g') + ' s':>8} {'ok' if ok else 'OVER'}"
        if failed:
            line += "  exit " + ", ".join(f"{s}: {sorted(row['codes'][s])}" for s in failed)
        print(line)
    return met


def profile(sides: dict[str, Path], db: Path, top: int = 12) -> None:
    """Print the slowest imports (cumulative) of one `quests --json` run per side."""
    for side, cwd in sides.items():
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "core", "--db", str(db), "quests", "--json"],
            cwd=cwd,
            env=child_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [ln for ln in done.stderr.splitlines() if ln.startswith("import time:")][1:]
        parsed = [(int(ln.split("|")[1]), ln.split("|")[2].rstrip()) for ln in lines]
        print(f"\n{side}: slowest imports of `quests --json` (cumulative µs, nested by indent)")
        for cumulative, name in sorted(parsed, reverse=True)[:top]:
            print(f"  {cumulative:>9,}  {name}")


def main() -> int:
    """Run the benchmark; exit 1 over the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per row and side (≥ 7)")
    parser.add_argument("--target", type=float, default=0.4, help="seconds (default 0.4)")
    parser.add_argument("--baseline", type=Path, help="an older checkout to time in the same run")
    parser.add_argument("--db", type=Path, help="a data file to use (default: a demo store)")
    parser.add_argument("--profile", action="store_true", help="show the slowest imports too")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # the table and the progress lines in order
    if args.runs < 7:
        parser.error("--runs must be at least 7")
    sides = {"before": args.baseline.resolve()} if args.baseline else {}
    sides["now"] = ROOT
    folder = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        db = args.db.resolve() if args.db else make_demo_store(folder)
        load = os.getloadavg()[0]
        print(
            f"{args.runs} runs per row and side, {os.cpu_count()} cores, load {load:.1f} at start"
            + (f"; baseline {sides['before']}" if args.baseline else "")
        )
        rows = measure(sides, db, args.runs)
        met = print_table(rows, list(sides), args.target)
        print(f"load {os.getloadavg()[0]:.1f} at the end")
        if max(load, os.getloadavg()[0]) > (os.cpu_count() or 1):
            print("The machine was busy: wall times wait for a core; the CPU column is steadier.")
        if args.profile:
            profile(sides, db)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
