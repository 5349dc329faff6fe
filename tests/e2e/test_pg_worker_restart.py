"""A command-line worker on PostgreSQL outlives a database restart: it waits and goes on."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.postgres import PostgresServer, create_database

ROOT = Path(__file__).resolve().parents[2]
PENDING = ("Unpublished", "In Progress")


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m core --db URL …` and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pending_batches(url: str) -> list[str]:
    """The names of the batches still queued, from `batch list --json`."""
    done = cli(url, "batch", "list", "--json")
    assert done.returncode == 0, done.stderr
    return [b["name"] for b in json.loads(done.stdout) if b["status"].startswith(PENDING)]


def test_a_worker_keeps_publishing_after_the_database_restarts(tmp_path: Path) -> None:
    server = PostgresServer.start(tmp_path / "pg", use_env=False)  # ours: we restart it
    try:
        create_database(server.url, "shop")
        url = server.url_for("shop")
        filled = cli(url, "init", "--demo", "--users", "2000")
        assert filled.returncode == 0, filled.stderr
        assert pending_batches(url), "the demo queues some batches"
        log = (tmp_path / "worker.log").open("w+")
        worker = subprocess.Popen(
            [sys.executable, "-m", "core", "--db", url, "worker", "--rate", "100"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while "batch " not in Path(log.name).read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "batch " in Path(log.name).read_text(), "the worker published nothing"
            server.restart()
            deadline = time.monotonic() + 90
            while pending_batches(url) and time.monotonic() < deadline:
                assert worker.poll() is None, Path(log.name).read_text()
                time.sleep(0.5)
            assert pending_batches(url) == []
            assert worker.poll() is None, "the worker is still running"
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            log.close()
        printed = Path(log.name).read_text()
        assert "Trying again in" in printed, printed
        assert "Traceback" not in printed, printed
    finally:
        server.stop()
