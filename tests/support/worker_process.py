"""A `python -m core worker` process for the crash tests: started unthrottled, killed mid-chunk."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.publish import ROOT, cli_env


def start_worker(db: Path, chunk: int) -> subprocess.Popen:
    """Start `python -m core --db DB worker` unthrottled, in small chunks (many commits to hit)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "--db",
            str(db),
            "worker",
            "--rate",
            "0",
            "--chunk",
            str(chunk),
        ],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_after_first_progress_line(
    proc: subprocess.Popen, rng: random.Random, doing: str
) -> list[str]:
    """Wait for the worker to report progress, then SIGKILL it a random moment later.

    `doing` names the work in the failure message ("publishing", "revoking").
    """
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("batch "):
            break
    else:
        raise AssertionError(f"the worker ended before {doing} anything: {lines}")
    time.sleep(rng.uniform(0, 0.05))  # somewhere inside a later chunk's transaction, or between
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    return lines
