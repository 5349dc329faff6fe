"""Real-browser fixtures: the app served on a free loopback port over a temporary data dir.

Chromium is Debian's (/usr/bin/chromium); a missing browser fails these tests, never skips them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core import store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DEMO_USERS = "3000"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test, and run them after all the others.

    Playwright's sync API leaves its event loop (on a greenlet) in the main thread: tests that
    run after it in the same process see "a running event loop", and CPython 3.11's compiler
    can fail in AppTest ("AST constructor recursion depth mismatch").
    """
    browser = [item for item in items if "tests/browser" in str(item.fspath)]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    others = [item for item in items if "tests/browser" not in str(item.fspath)]
    items[:] = others + browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium, with the flags this closed network needs."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Browser tests need Debian's chromium at /usr/bin/chromium: apt-get install chromium"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A wide, tall viewport: tables show their columns, and the list grid all its rows (the
    grid keeps readable copies of the cells on screen only); UTC like the server."""
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 2000},
        "timezone_id": "UTC",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DATA = Path(__file__).parent / "data"


@dataclass
class Server:
    """A running app: its base URL, data file, and the ids of the test quests."""

    url: str
    db: Path
    log: Path
    quests: dict[str, int]


def cli(db: Path, *args: str) -> str:
    """Run `python -m core` on a data file (only while no server holds it); return stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _prepare(tmp: Path) -> tuple[Path, dict[str, int]]:
    """A demo store plus known test users (900001-900010) and a "Browser tests" badge."""
    db = tmp / "data" / "batch_unlock.duckdb"
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


def _start(tmp: Path, db: Path, quests: dict[str, int]) -> tuple[subprocess.Popen, Server]:
    env = {**os.environ, "BATCH_UNLOCK_DB": str(db)}
    port = _free_port()
    log = tmp / "server.log"
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
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"The app exited at start:\n{log.read_text()}")
    else:
        proc.kill()
        raise RuntimeError(f"The app did not answer within 60 s:\n{log.read_text()}")
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
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on demo data, shared by the browser tests that do not need a private store."""
    tmp = tmp_path_factory.mktemp("app")
    proc, srv = _start(tmp, *_prepare(tmp))
    yield srv
    _stop(proc)


@pytest.fixture(scope="module")
def throttled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An app whose publisher unlocks 1 user a second, with a draft whose user has left.

    The draft "Has a leaver" holds lea.leaver (deactivated after being added) and max.stayer.
    """
    tmp = tmp_path_factory.mktemp("throttled")
    db, quests = _prepare(tmp)
    cli(
        db,
        "batch",
        "create",
        "--name",
        "Has a leaver",
        "--quest",
        str(quests["Third quest"]),
        "--user",
        "900005",
        "--user",
        "900006",
    )
    cli(db, "import-users", str(DATA / "leaver.csv"))
    con = store.connect(db)
    con.settings.put("publish_rate", "1")
    con.close()
    proc, srv = _start(tmp, db, quests)
    yield srv
    _stop(proc)


def wait_idle(page: Page) -> None:
    """Wait until the app's script has finished its current run."""
    page.wait_for_selector(
        "[data-testid=stApp][data-test-script-state=notRunning]", state="attached", timeout=30_000
    )


def log_in(page: Page, url: str, username: str, password: str) -> None:
    """Fill the login form that `url` leads to, and wait for the app to settle."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-testid=stApp]", timeout=30_000)
    wait_idle(page)


PASSWORDS = {"admin": "admin-demo", "dev": "dev-demo-1", "analyst": "analyst-demo"}


@pytest.fixture
def as_admin(page: Page, server: Server) -> Page:
    """A page logged in as the demo admin, on the default screen."""
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    return page
