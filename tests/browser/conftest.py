"""Real-browser fixtures: the app served on a free loopback port over a temporary data dir.

Chromium is Debian's (/usr/bin/chromium); a missing browser fails these tests, never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    CHROMIUM,
    DATA,
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    cli,
    log_in,
)
from tests.support.pg_fixtures import PgStores

SERVER_LOG_LINES = 60  # of a failed test's server log, shown with its failure
# How long an `expect` waits unless told: Playwright's 5 s default is tight for a run that
# follows a click on this 2-core machine while the other test process loads it (CI once saw a
# token's creation take longer); a passing check returns as soon as it holds.
EXPECT_TIMEOUT_MS = 10_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """Show the end of each server's log with a failed test: a CI failure then says what the
    app and its publisher were doing (a stall, an error), not only what the page showed."""
    report = yield
    if report.failed and call.when == "call":
        # A fixture may hand its server over with what it made (undo_server: (server, ids)).
        values = getattr(item, "funcargs", {}).values()
        found = [w for v in values for w in (v if isinstance(v, tuple) else (v,))]
        servers = {id(v): v for v in found if isinstance(v, Server)}
        for server in servers.values():
            if server.log.exists():
                lines = server.log.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
                report.sections.append((f"server log {server.url}", "\n".join(lines)))
    return report


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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on demo data, shared by the browser tests that do not need a private store."""
    tmp = tmp_path_factory.mktemp("app")
    proc, srv = _start(tmp, *_prepare(tmp))
    yield srv
    _stop(proc)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory, pg_stores: PgStores) -> Iterator[Server]:
    """The app on demo data in a PostgreSQL database (the session's throwaway server)."""
    tmp = tmp_path_factory.mktemp("pg_app")
    proc, srv = _start(tmp, *_prepare(tmp, pg_stores.url("empty")))
    yield srv
    _stop(proc)


@pytest.fixture(scope="module")
def duckdb_throttled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An app whose publisher unlocks 1 user a second, with a draft whose user has left.

    The draft "Has a leaver" holds lea.leaver (deactivated after being added) and max.stayer.
    """
    yield from _throttled(tmp_path_factory.mktemp("throttled"))


@pytest.fixture(scope="module")
def pg_throttled_server(
    tmp_path_factory: pytest.TempPathFactory, pg_stores: PgStores
) -> Iterator[Server]:
    """`duckdb_throttled_server` over a PostgreSQL database."""
    yield from _throttled(tmp_path_factory.mktemp("pg_throttled"), pg_stores.url("empty"))


@pytest.fixture(scope="module")
def throttled_server(duckdb_throttled_server: Server) -> Server:
    """The throttled app over DuckDB (a module may run its tests on PostgreSQL too)."""
    return duckdb_throttled_server


def _throttled(tmp: Path, db: str | None = None) -> Iterator[Server]:
    db, quests = _prepare(tmp, db)
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
    cli(db, "rate", "1")
    proc, srv = _start(tmp, db, quests)
    yield srv
    _stop(proc)


@pytest.fixture
def as_admin(page: Page, server: Server) -> Page:
    """A page logged in as the demo admin, on the default screen."""
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    return page
