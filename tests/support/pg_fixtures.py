"""The PostgreSQL the tests run on: one throwaway server per session, one database per test.

The server is started from Debian's `postgresql` binaries (tests/support/postgres.py), or
$BATCH_UNLOCK_TEST_PG names one to use; a server that cannot start fails the tests that need it,
it is never skipped. Each world (empty, small_world, batch_world) is migrated and filled once into
a template database; a test's database is a copy of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.batches import make_batch_world
from tests.support.pg_store import PgSqlUnitOfWork, next_database_name, open_pg_store
from tests.support.postgres import PostgresServer, create_database, drop_database
from tests.support.world import SMALL_WORLD

WORLD_STEPS = {
    "empty": (),
    "small_world": ("small_world",),
    "batch_world": ("small_world", "batch_world"),
}


class PgStores:
    """Template databases made on first use, and each test's copy of one."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._templates: dict[str, str] = {}

    def template(self, world: str) -> str:
        """The name of the migrated template database holding `world`."""
        if world not in self._templates:
            name = next_database_name(f"template_{world}")
            create_database(self.server.url, name)
            uow = open_pg_store(self.server.url_for(name), size=1)
            try:
                for step in WORLD_STEPS[world]:
                    if step == "small_world":
                        for statement in SMALL_WORLD:
                            uow.execute(statement)
                    else:
                        make_batch_world(uow)
            finally:
                uow.close()
            self._templates[world] = name
        return self._templates[world]

    def url(self, world: str = "empty") -> str:
        """A new database copied from the world's template, by URL (the caller drops it)."""
        name = next_database_name()
        create_database(self.server.url, name, template=self.template(world))
        return self.server.url_for(name)

    def open(self, world: str) -> Iterator[PgSqlUnitOfWork]:
        """Yield a unit of work on a new copy of the world's template; drop it afterwards."""
        url = self.url(world)
        uow = open_pg_store(url)
        uow.world, uow.database = world, url.rsplit("/", 1)[1]
        try:
            yield uow
        finally:
            with contextlib.suppress(Exception):
                uow.close()
            drop_database(self.server.url, uow.database)


PROBLEMS_DIR = "pg-server-problems"  # in pytest's cache folder, shared with xdist's workers


@pytest.fixture(scope="session")
def postgres_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started here unless $BATCH_UNLOCK_TEST_PG names one)."""
    server = PostgresServer.start(Path(tmp_path_factory.mktemp("postgres")))
    try:
        yield server
    finally:
        # The server's folder goes with it: when a test failed, keep what its log says went
        # wrong (a deadlock, a lock wait) for the run's summary to print.
        cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
        if cache is not None and request.session.testsfailed and (found := server.log_problems()):
            worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
            (cache.mkdir(PROBLEMS_DIR) / f"{worker}.log").write_text("\n".join(found) + "\n")
        server.stop()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Forget the problems an earlier run kept (once, in the process that reports)."""
    cache = getattr(session.config, "cache", None)
    if not hasattr(session.config, "workerinput") and cache is not None:
        for old in cache.mkdir(PROBLEMS_DIR).glob("*.log"):
            old.unlink()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """After a failed run, the PostgreSQL server logs' errors and lock waits, per process."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return
    for kept in sorted(cache.mkdir(PROBLEMS_DIR).glob("*.log")):
        terminalreporter.write_sep(
            "-", f"PostgreSQL server log, {kept.stem}: errors and lock waits"
        )
        terminalreporter.write(kept.read_text())


@pytest.fixture(scope="session")
def pg_stores(postgres_server: PostgresServer) -> PgStores:
    """Template databases and per-test copies on the session's server."""
    return PgStores(postgres_server)


@pytest.fixture
def bare_url(pg_stores: PgStores) -> Iterator[str]:
    """A database with no table at all, not even migrated (dropped afterwards): for upgrades."""
    name = next_database_name("bare")
    create_database(pg_stores.server.url, name)
    yield pg_stores.server.url_for(name)
    drop_database(pg_stores.server.url, name)


@pytest.fixture
def pg_url(pg_stores: PgStores) -> Iterator[str]:
    """The URL of a new, migrated, empty database of this test's own (dropped afterwards)."""
    url = pg_stores.url("empty")
    yield url
    drop_database(pg_stores.server.url, url.rsplit("/", 1)[1])
