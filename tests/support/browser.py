"""Helpers of the browser tests: the app served on a free port, its CLI, logging in.

The fixtures that use them are in tests/browser/conftest.py; bench/ uses them too.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from core import words

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DEMO_USERS = "3000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DATA = Path(__file__).resolve().parents[1] / "browser" / "data"


@dataclass
class Server:
    """A running app: its base URL, data file, and the ids of the test quests."""

    url: str
    db: Path
    log: Path
    quests: dict[str, int]


def cli(db: Path | str, *args: str) -> str:
    """Run `python -m core` on a store (a data file only while no server holds it); return stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _prepare(tmp: Path, db: Path | str | None = None) -> tuple[Path | str, dict[str, int]]:
    """A demo store plus known test users (900001-900010) and a "Browser tests" badge.

    In a new data file under `tmp`, or in `db` (an empty PostgreSQL database's URL).
    """
    db = db or tmp / "data" / "batch_unlock.duckdb"
    cli(db, "init", "--demo", "--users", DEMO_USERS)
    cli(db, "import-users", str(DATA / "users.csv"))
    cli(db, "import-badges", str(DATA / "badges.csv"))
    # Finish the demo's running batches now, so a test's batch is not queued behind them.
    cli(db, "worker", "--once", "--rate", "0")
    quests = {
        q["quest"]: q["id"]
        for q in json.loads(cli(db, "quests", "--json"))
        if q["badge"] == "Browser tests"
    }
    return db, quests


def serve_app(
    app_dir: Path, db: Path, log: Path, timeout: float = 60
) -> tuple[subprocess.Popen, str]:
    """Serve `app_dir`'s app.py on a free loopback port on a data file; return it and its URL.

    Its output goes to `log` (a file, not a pipe that could fill); it is answered once
    /_stcore/health says ok. The folder comes first on sys.path, so an older checkout (the
    benchmarks' `--baseline`) runs its own code with this venv.
    """
    env = {**os.environ, "BATCH_UNLOCK_DB": str(db), "PYTHONPATH": str(app_dir)}
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"The app in {app_dir} exited at start:\n{log.read_text()}")
    proc.kill()
    raise RuntimeError(
        f"The app in {app_dir} did not answer within {timeout:.0f} s:\n{log.read_text()}"
    )


def _start(tmp: Path, db: Path | str, quests: dict[str, int]) -> tuple[subprocess.Popen, Server]:
    log = tmp / "server.log"
    proc, url = serve_app(ROOT, db, log)
    return proc, Server(url, db, log, quests)


def published_batch(db: Path, name: str, quest_id: int, *user_ids: str) -> int:
    """Create a batch of these users through the CLI, publish it and run it to its end."""
    users = [arg for user in user_ids for arg in ("--user", user)]
    made = cli(db, "batch", "create", "--name", name, "--quest", str(quest_id), *users, "--json")
    batch_id = json.loads(made)["id"]
    cli(db, "batch", "publish", str(batch_id))
    cli(db, "worker", "--once", "--rate", "0")
    return batch_id


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server `serve_app` started (terminate, then kill if it lingers)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# How long the app must stay idle for a run to count as finished. A click reaches the server
# and comes back as "running" some milliseconds later: on a loaded machine (CI runs the suite in
# two processes) "not running" right after a click is often the state from before it, and a test
# that acts then types into a field the coming run is about to clear.
QUIET_MS = 300
SETTLE_MS = 3000

_QUIET_JS = """([quiet, settle, token]) => {
  const app = document.querySelector("[data-testid=stApp]");
  const now = performance.now();
  if (window.__batchUnlockWait !== token) {  // this wait's first look (or a new document)
    window.__batchUnlockWait = token;
    window.__batchUnlockWaitFrom = now;
    window.__batchUnlockIdleFrom = now;
  }
  if (!app || app.dataset.testScriptState !== "notRunning") {
    window.__batchUnlockIdleFrom = now;
    return false;
  }
  // Quiet for `quiet` ms; or, on a page whose fragments poll every second and may never leave
  // that long a gap, idle now once `settle` ms have passed since the wait began.
  return now - window.__batchUnlockIdleFrom >= quiet || now - window.__batchUnlockWaitFrom >= settle;
}"""
_waits = itertools.count()


def wait_idle(page: Page, quiet_ms: int = QUIET_MS) -> None:
    """Wait until the app's script has finished its current run and stayed idle `quiet_ms`."""
    token = next(_waits)
    page.wait_for_function(_QUIET_JS, arg=[quiet_ms, SETTLE_MS, token], polling=50, timeout=30_000)


def choose_upload_type(page: Page, label: str) -> None:
    """Pick `label` ("Single" or "Multiple") in the batch page's "Upload type" and wait."""
    # Scoped to the radio group: a bare text match of "Single" once named 3 elements of a demo
    # batch's page in CI (strict mode refused the click).
    group = page.get_by_role("radiogroup", name=words.UPLOAD_TYPE)
    group.get_by_text(label, exact=True).click()
    wait_idle(page)


def log_in(page: Page, url: str, username: str, password: str) -> None:
    """Fill the login form that `url` leads to, and wait for the app to settle."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-testid=stApp]", timeout=30_000)
    wait_idle(page)


PASSWORDS = {"admin": "admin-demo", "dev": "dev-demo-1", "analyst": "analyst-demo"}
