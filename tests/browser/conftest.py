"""Real-browser fixtures: the app served on a free loopback port over a temporary data dir.

Chromium is Debian's (/usr/bin/chromium); a missing browser fails these tests, never skips them.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DEMO_USERS = "3000"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


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
    """A wide viewport, so tables show their columns; UTC like the server."""
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 1000},
        "timezone_id": "UTC",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running app: its base URL and data file."""

    url: str
    db: Path
    log: Path


def _start(tmp: Path, setup: list[list[str]] | None = None) -> tuple[subprocess.Popen, Server]:
    db = tmp / "data" / "batch_unlock.duckdb"
    env = {**os.environ, "BATCH_UNLOCK_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), "init", "--demo", "--users", DEMO_USERS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    for command in setup or []:
        subprocess.run(
            [sys.executable, "-m", "core", "--db", str(db), *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
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
    return proc, Server(url, db, log)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on demo data, shared by the browser tests that do not need a private store."""
    proc, srv = _start(tmp_path_factory.mktemp("app"))
    yield srv
    proc.terminate()
    proc.wait(timeout=20)


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
