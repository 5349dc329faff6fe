"""The data file: migrations, upgrades, refusals, locking and retried write conflicts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core import config
from core.errors import SchemaTooNew, StoreError
from core.store.duckdb.connection import migrate
from core.store.duckdb.migrations import all_migrations
from tests.support.store import open_store


@pytest.mark.slow
def test_a_new_file_gets_every_migration(db_path: Path) -> None:
    con = open_store(db_path)
    assert con.schema_version() == all_migrations()[-1].version
    con.close()


def test_migration_versions_are_unique_and_numbered_like_their_modules() -> None:
    migrations = all_migrations()
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    for m in migrations:
        assert m.name.startswith(f"m{m.version:03d}_")


@pytest.mark.slow
def test_a_file_from_the_first_schema_upgrades_in_place_without_losing_rows(db_path: Path) -> None:
    old = duckdb.connect(str(db_path))
    migrate(old, up_to=1)
    old.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE)"
    )
    old.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    old.close()

    con = open_store(db_path)
    assert con.schema_version() == all_migrations()[-1].version
    assert con.execute("SELECT username FROM platform_users WHERE id = 7").fetchone() == ("Ann",)
    assert con.execute("SELECT count(*) FROM badges").fetchone() == (1,)
    con.close()


@pytest.mark.slow
def test_upgrading_counts_the_unlocks_already_stored_for_the_weekly_chart(db_path: Path) -> None:
    old = duckdb.connect(str(db_path))
    migrate(old, up_to=2)
    old.execute(
        """INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at) VALUES
           (1, 3, 10, '2026-03-02 10:01:00+00'), (2, 3, 10, '2026-03-02 10:14:59+00'),
           (3, 3, 10, '2026-03-02 10:15:00+00'), (4, 3, NULL, '2026-03-02 10:00:00+00')"""
    )
    old.close()

    con = open_store(db_path)
    quarter = con.execute(
        "SELECT epoch_us('2026-03-02 10:00:00+00'::TIMESTAMPTZ) // 900000000"
    ).fetchone()[0]
    rows = con.execute("SELECT * FROM unlock_counts ORDER BY quarter").fetchall()
    # An unlock given outside any batch (batch_id NULL) is not a batch's: not counted.
    assert rows == [(10, 3, quarter, 2), (10, 3, quarter + 1, 1)]
    con.close()


@pytest.mark.slow
def test_reopening_an_up_to_date_file_applies_nothing(db_path: Path) -> None:
    open_store(db_path).close()
    con = duckdb.connect(str(db_path))
    assert migrate(con) == []
    con.close()


@pytest.mark.slow
def test_a_file_from_a_newer_version_is_refused_with_a_plain_message(db_path: Path) -> None:
    con = open_store(db_path)
    con.execute("INSERT INTO schema_version (version, name) VALUES (999, 'm999_future')")
    con.close()
    with pytest.raises(SchemaTooNew, match=r"version 999.*Update Batch Unlock"):
        open_store(db_path)


def test_a_write_conflict_is_rolled_back_and_retried(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO settings VALUES ('k', 'a')")
    mine, other = con.cursor(), con.cursor()
    attempts = []

    def work(c: duckdb.DuckDBPyConnection) -> None:
        attempts.append(1)
        c.execute("SELECT value FROM settings").fetchall()  # the transaction's snapshot starts here
        if len(attempts) == 1:
            # Another session commits a change to the same row after this transaction began.
            other.execute("UPDATE settings SET value = 'other' WHERE key = 'k'")
        c.execute("UPDATE settings SET value = value || '+mine' WHERE key = 'k'")

    mine.transaction(work)
    assert len(attempts) == 2
    assert con.execute("SELECT value FROM settings").fetchone() == ("other+mine",)


@pytest.mark.slow
def test_a_conflict_that_never_clears_gives_up_with_a_message(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("INSERT INTO settings VALUES ('k', 'a')")
    mine, other = con.cursor(), con.cursor()

    def work(c: duckdb.DuckDBPyConnection) -> None:
        c.execute("SELECT value FROM settings").fetchall()
        other.execute("UPDATE settings SET value = value || 'x' WHERE key = 'k'")
        c.execute("UPDATE settings SET value = 'mine' WHERE key = 'k'")

    with pytest.raises(StoreError, match="try again"):
        mine.transaction(work, attempts=3)
    assert con.execute("SELECT value FROM settings").fetchone() == ("axxx",)


def test_an_error_inside_a_transaction_leaves_nothing_half_written(
    con: duckdb.DuckDBPyConnection,
) -> None:
    def work(c: duckdb.DuckDBPyConnection) -> None:
        c.execute("INSERT INTO settings VALUES ('a', '1')")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        con.cursor().transaction(work)
    assert con.execute("SELECT count(*) FROM settings").fetchone() == (0,)


def test_settings_are_stored_and_replaced(con: duckdb.DuckDBPyConnection) -> None:
    assert con.settings.get("publish_rate", "0") == "0"
    con.settings.put("publish_rate", "10")
    con.settings.put("publish_rate", "20")
    assert con.settings.get("publish_rate") == "20"


def test_the_data_file_path_comes_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(config.DB_ENV, str(tmp_path / "x.duckdb"))
    assert config.database_path() == tmp_path / "x.duckdb"
    assert config.database_path("other.duckdb") == Path("other.duckdb")
    monkeypatch.delenv(config.DB_ENV)
    assert config.database_path() == config.DEFAULT_DB
