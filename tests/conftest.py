"""Shared fixtures: a migrated store on a temporary file, the three demo roles, small worlds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fixtures_batches import make_batch_world, make_draft

from core import store
from core.access.roles import Account, Role

DATA = Path(__file__).parent / "data"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh data file."""
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A migrated, empty store."""
    connection = store.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def cur(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on the empty store, as a page or thread would use."""
    return con.cursor()


admin = Account("ada", Role.ADMIN)
dev = Account("dan", Role.DEV)
analyst = Account("ann", Role.ANALYST)


@pytest.fixture
def accounts() -> dict[str, Account]:
    """One account per role (not stored: core calls take them as the actor)."""
    return {"admin": admin, "dev": dev, "analyst": analyst}


@pytest.fixture
def small_world(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Badges 1-2 with quests 1-3 (ids from the sequences) and users 1-10; user 10 is inactive."""
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer'), ('Mentor')")
    cur.execute(
        "INSERT INTO quests (badge_id, name) VALUES "
        "(1, 'Visit 10 pages'), (1, 'Visit 100 pages'), (2, 'Answer a question')"
    )
    cur.execute(
        """INSERT INTO platform_users
           SELECT i, 'user' || i, 'user' || i || '@example.com', 'user' || i,
                  'user' || i || '@example.com', i <> 10
           FROM range(1, 11) r(i)"""
    )
    return cur


@pytest.fixture
def batch_world(small_world: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """small_world plus users 11 "Renée", 12 "JÜRGEN", and user 7 holding quest 1."""
    return make_batch_world(small_world)


@pytest.fixture
def draft(batch_world: duckdb.DuckDBPyConnection, accounts: dict[str, Account]) -> int:
    """An empty draft of the dev account "dan" for quest 1."""
    return make_draft(batch_world, accounts["dev"])
