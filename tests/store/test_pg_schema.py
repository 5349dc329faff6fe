"""The PostgreSQL store's schema: versioned migrations, upgrades in place, newer refused in words."""

from __future__ import annotations

import threading

import psycopg
import pytest

from core.errors import SchemaTooNew
from core.store.duckdb.migrations import all_migrations as duckdb_migrations
from core.store.postgres.connection import connect, migrate
from core.store.postgres.migrations import all_migrations
from tests.support.pg_store import open_pg_store


def test_the_versions_are_those_of_the_duckdb_store_step_for_step() -> None:
    assert [m.version for m in all_migrations()] == [m.version for m in duckdb_migrations()]
    for ours, theirs in zip(all_migrations(), duckdb_migrations(), strict=True):
        assert ours.name == theirs.name


def test_a_database_from_the_first_schema_upgrades_in_place_without_losing_rows(
    bare_url: str,
) -> None:
    with psycopg.connect(bare_url, autocommit=True) as old:
        migrate(old, up_to=1)
        old.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE)"
        )
        old.execute(
            "INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at) VALUES "
            "(7, 3, 10, '2026-03-02 10:01:00+00'), (8, 3, 10, '2026-03-02 10:15:00+00')"
        )
        old.execute(
            "INSERT INTO accounts (username, password_hash, role, email, created_at) VALUES "
            "('old', 'h', 'admin', 'Same@x.example', '2026-01-01'), "
            "('new', 'h', 'dev', 'same@X.example ', '2026-02-01')"
        )
    con = open_pg_store(bare_url)
    try:
        assert con.schema_version() == all_migrations()[-1].version
        assert con.execute("SELECT username FROM platform_users WHERE id = 7").fetchone() == (
            "Ann",
        )
        # m003 counted the stored unlocks per quarter hour; m004 kept the shared email once.
        assert con.execute("SELECT sum(unlocks) FROM unlock_counts").fetchone() == (2,)
        emails = dict(con.execute("SELECT username, email FROM accounts").fetchall())
        assert emails == {"old": "Same@x.example", "new": None}
        assert con.execute("SELECT version FROM batches").fetchall() == []
    finally:
        con.close()


def test_reopening_an_up_to_date_database_applies_nothing(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn) == []


def test_a_database_from_a_newer_version_is_refused_with_a_plain_message(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'm999_future')")
    with pytest.raises(SchemaTooNew, match=r"version 999.*Update Batch Unlock"):
        connect(pg_url)


def test_replicas_starting_together_migrate_once(bare_url: str) -> None:
    opened, failures = [], []

    def start() -> None:
        try:
            opened.append(connect(bare_url, size=1))
        except Exception as exc:  # the test reports any failure of any replica
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    try:
        with psycopg.connect(bare_url, autocommit=True) as conn:
            versions = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert [v for (v,) in versions] == [m.version for m in all_migrations()]
    finally:
        for uow in opened:
            uow.close()


def test_a_database_that_cannot_be_reached_is_a_plain_error_without_the_password() -> None:
    from core.errors import StoreUnavailable

    url = "postgresql://ann:s3cret-word@127.0.0.1:1/nowhere"  # port 1: nothing listens
    with pytest.raises(StoreUnavailable) as caught:
        connect(url)
    message = str(caught.value)
    assert "127.0.0.1:1/nowhere" in message and "Check that the server runs" in message
    assert "s3cret-word" not in message
