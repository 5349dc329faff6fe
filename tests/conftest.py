"""Shared fixtures and the shape of the suite.

The folders say what a test needs and so how fast it runs: `unit` (no store), `store` (a real
store, per `store_kind`), `app` (AppTest, ASGI and websocket tests of the pages), `e2e` (the CLI
in a subprocess, a killed worker, the README's demo) and `browser` (a real Chromium). Tests in
`app` and `e2e` are marked `slow`, in `browser` `browser`: `pytest -m "not browser and not slow"`
is the inner loop; `bash .ci/test` runs everything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression
from argon2 import PasswordHasher

from core.access.roles import Account
from core.webhooks.targets import ALLOW_PRIVATE_ENV
from tests.support.batches import make_batch_world, make_draft
from tests.support.store import (
    STORE_KINDS,
    SharedDuckDB,
    SqlUnitOfWork,
    make_template,
    open_copy,
    open_store,
)
from tests.support.world import SMALL_WORLD, admin, analyst, dev

# Fixtures shared by test modules in several folders (the damaged-file ones).
pytest_plugins = ["tests.support.faults", "tests.support.pg_fixtures"]

TESTS = Path(__file__).resolve().parent
# Set (to anything) to give every test's store a file of its own, as before the shared instance.
FILE_STORES_ENV = "BATCH_UNLOCK_TEST_FILE_STORES"
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
QUICK_DUMMY_HASH = QUICK_HASHER.hash("not-a-real-password")
# The marker each folder gives its tests.
FOLDER_MARKS = {"app": "slow", "e2e": "slow", "browser": "browser"}


def _folder(path: Path) -> str | None:
    """The first folder under tests/ that holds `path` (None for tests/ itself or outside)."""
    try:
        parts = Path(path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing a folder whose every test `-m` deselects (the inner loop starts faster)."""
    mark = FOLDER_MARKS.get(collection_path.name)
    markexpr = config.option.markexpr
    if not mark or not markexpr or collection_path.parent != TESTS:
        return None
    expr = Expression.compile(markexpr)  # pytest's own -m parser (it has no public name)
    # Deselected whatever other markers a test may carry: with none of them, and with all.
    alone = expr.evaluate(lambda name, **_: name == mark)
    with_all = expr.evaluate(lambda name, **_: True)
    return True if not alone and not with_all else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, and run the browser tests after all the others.

    Playwright's sync API leaves its event loop (on a greenlet) in the main thread: tests that
    run after it in the same process see "a running event loop", and CPython 3.11's compiler
    can fail in AppTest ("AST constructor recursion depth mismatch").
    """
    browser, others = [], []
    for item in items:
        mark = FOLDER_MARKS.get(_folder(item.path) or "")
        if mark:
            item.add_marker(getattr(pytest.mark, mark))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("store_kind") == "postgres":
            item.add_marker(pytest.mark.pg)
        (browser if mark == "browser" else others).append(item)
    items[:] = others + browser


@pytest.fixture(scope="session", autouse=True)
def webhooks_may_post_to_loopback() -> Iterator[None]:
    """The suite's webhook receivers listen on 127.0.0.1, which a server refuses by default: allow
    private targets for the whole session, set before any server process starts so each inherits
    it. The tests of that refusal unset it (tests/unit/test_webhook_targets.py,
    tests/store/test_webhook_ssrf.py)."""
    before = os.environ.get(ALLOW_PRIVATE_ENV)
    os.environ[ALLOW_PRIVATE_ENV] = "1"
    yield
    if before is None:
        os.environ.pop(ALLOW_PRIVATE_ENV, None)
    else:
        os.environ[ALLOW_PRIVATE_ENV] = before


@pytest.fixture(autouse=True)
def quick_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its smallest cost in the fast tests: the real one (19 MiB, ~0.03 s a hash) would
    take most of the inner loop. Tests marked slow (timing, concurrency) keep the real cost."""
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("browser"):
        return
    from core.access import passwords

    if not hasattr(passwords, "_hasher"):
        return
    monkeypatch.setattr(passwords, "_hasher", QUICK_HASHER)
    if hasattr(passwords, "DUMMY_HASH"):
        monkeypatch.setattr(passwords, "DUMMY_HASH", QUICK_DUMMY_HASH)


def _store_kinds(metafunc: pytest.Metafunc) -> tuple[str, ...]:
    """The stores a test runs on: every kind for the contract tests (tests/store), else DuckDB.

    The modules tests/store/test_pg_*.py are about the PostgreSQL adapter: they run on it alone.
    A contract test that needs the DuckDB file itself (it asks for `db_path`) or whose own SQL
    only DuckDB speaks (marked `duckdb_only`, with the reason) runs on DuckDB alone; a test
    anywhere marked `postgres` also runs on PostgreSQL.
    """
    marks = {mark.name for mark in metafunc.definition.iter_markers()}
    if "postgres" in marks:
        return STORE_KINDS
    if metafunc.definition.path.name.startswith("test_pg_"):
        return ("postgres",)  # about the PostgreSQL adapter itself
    if _folder(metafunc.definition.path) != "store" or "duckdb_only" in marks:
        return ("duckdb",)
    if "db_path" in metafunc.fixturenames:
        return ("duckdb",)
    return STORE_KINDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes a store once per store kind it is for (see `_store_kinds`)."""
    if "store_kind" in metafunc.fixturenames:
        metafunc.parametrize("store_kind", _store_kinds(metafunc), indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_kind(request: pytest.FixtureRequest) -> str:
    """The store a test of the port runs on ("duckdb" or "postgres")."""
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Migrated DuckDB files made once, each test's store is a copy: empty, and holding a world.

    Made on first use; a world's template holds exactly what its fixture's SQL writes.
    """
    folder = tmp_path_factory.mktemp("templates")
    made: dict[str, Path] = {}

    def world(name: str) -> list[str]:
        return {
            "empty": [],
            "small_world": ["small_world"],
            "batch_world": ["small_world", "batch_world"],
        }[name]

    class Templates(dict):
        def __missing__(self, name: str) -> Path:
            path = make_template(folder / f"{name}.duckdb")
            uow = open_store(path)
            for step in world(name):
                if step == "small_world":
                    for statement in SMALL_WORLD:
                        uow.execute(statement)
                else:
                    make_batch_world(uow)
            uow.close()
            self[name] = path
            return path

    return Templates(made)


@pytest.fixture(scope="session")
def shared_duckdb() -> Iterator[SharedDuckDB]:
    """The DuckDB instance the stores of tests that need no file of their own live in."""
    shared = SharedDuckDB()
    yield shared
    shared.shut()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh data file (a test that asks for it gets `con` on that file)."""
    return tmp_path / "test.duckdb"


def _world(request: pytest.FixtureRequest) -> str:
    """The world a test builds on (its store starts as a copy of that world's template)."""
    names = request.fixturenames
    return (
        "batch_world"
        if "batch_world" in names
        else "small_world"
        if "small_world" in names
        else "empty"
    )


@pytest.fixture
def con(
    store_kind: str, store_templates: dict[str, Path], request: pytest.FixtureRequest
) -> Iterator[SqlUnitOfWork]:
    """A migrated, empty store (its unit of work also takes raw SQL).

    On the file `db_path` when the test asks for that path (to reopen it, run the CLI on it, break
    it); otherwise an in-memory copy in the session's shared instance, several times faster.
    When the test builds on small_world or batch_world, the copy already holds it.
    """
    world = _world(request)
    if store_kind == "postgres":
        yield from request.getfixturevalue("pg_stores").open(world)
        return
    template = store_templates[world]
    if "db_path" in request.fixturenames or os.environ.get(FILE_STORES_ENV):
        connection = open_copy(template, request.getfixturevalue("db_path"))
        connection.world = world
        yield connection
        connection.close()
        return
    shared = request.getfixturevalue("shared_duckdb")
    connection = shared.open(template)
    connection.world = world
    yield connection
    shared.close(connection.database)


@pytest.fixture
def cur(con: SqlUnitOfWork) -> SqlUnitOfWork:
    """A cursor on the empty store, as a page or thread would use."""
    return con.cursor()


@pytest.fixture
def accounts() -> dict[str, Account]:
    """One account per role (not stored: core calls take them as the actor)."""
    return {"admin": admin, "dev": dev, "analyst": analyst}


@pytest.fixture
def small_world(con: SqlUnitOfWork, cur: SqlUnitOfWork) -> SqlUnitOfWork:
    """Badges 1-2 with quests 1-3 (ids from the sequences) and users 1-10; user 10 is inactive."""
    if con.world == "empty":  # the store was not copied from the world's template
        for statement in SMALL_WORLD:
            cur.execute(statement)
    return cur


@pytest.fixture
def batch_world(con: SqlUnitOfWork, small_world: SqlUnitOfWork) -> SqlUnitOfWork:
    """small_world plus users 11 "Renée", 12 "JÜRGEN", and user 7 holding quest 1."""
    return small_world if con.world == "batch_world" else make_batch_world(small_world)


@pytest.fixture
def draft(batch_world: SqlUnitOfWork, accounts: dict[str, Account]) -> int:
    """An empty draft of the dev account "dan" for quest 1."""
    return make_draft(batch_world, accounts["dev"])
