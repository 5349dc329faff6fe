"""The store benchmarks of bench/ still run to their last line on today's code, at a small size.

A benchmark no test runs rots unseen: bench_list stopped at its third case for several issues
once the progress rule read a column its naive list lacked. Each runs here as a user would run
it (a fresh process, its own temporary store), at the smallest size its cases hold at. Only the
figures are not judged: at this size and on a busy CI machine a budget may be missed (exit 1),
so a run passes when it reached its closing line without a traceback or a mismatch.
The browser and load benchmarks start servers and browsers for minutes; the CLI's and the
hostile uploads' have tests of their own rules (tests/unit/test_cli_imports.py,
tests/unit/test_upload_hostile.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(command: str, last_line: str, *marks: pytest.MarkDecorator) -> object:
    """A benchmark's command line (script and arguments) and the line its report ends with."""
    return pytest.param(command, last_line, marks=marks, id=command.split()[0])


# Sizes: bench_list needs 100 pages of 50 batches for its deep-page case; bench_publish ten
# batches of 5,000 distinct users. bench_users also runs on a PostgreSQL server of its own.
RUNS = [
    _run("bench_list.py --batches 6000 --users 30000 --runs 1 --naive-runs 1", "slowest first-page median"),
    _run("bench_publish.py --users 60000 --history 5000 --runs 1 --naive-users 10", "Publisher throughput:"),
    _run("bench_revoke.py --users 20000 --history 5000 --runs 1", "Every run's revoke:"),
    _run("bench_api.py --users 20000 --runs 1", "target: the API's POST"),
    _run("bench_preview.py --sizes 20000 --repeat 1", "setup: users"),
    _run(
        "bench_users.py --users 20000 --runs 1 --naive-runs 1 --count-runs 1 --naive-seconds 0.5"
        " --stores duckdb,postgres",
        "whole run",
        pytest.mark.pg,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("command", "last_line"), RUNS)
def test_a_store_benchmark_runs_to_its_report_at_a_small_size(command: str, last_line: str) -> None:
    """The benchmark exits 0 or 1 (a budget missed), and its report is whole."""
    script, *args = command.split()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert "Traceback" not in said, said[-3000:]
    assert "MISMATCH" not in said, said[-3000:]
    assert done.returncode in (0, 1), said[-3000:]
    assert last_line in said, said[-3000:]
