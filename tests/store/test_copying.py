"""Copying a store (core.store.copying) in-process: awkward values survive both ways, and every
failure — a short copy, a write that fails half way, another schema — leaves the target empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest

from core import store
from core.errors import InputError
from core.store.copying import CopyFailed, copy_store
from core.store.duckdb.tables import DuckTables
from core.store.postgres.tables import PgTables
from tests.support.copied_tables import assert_same_tables, read_tables
from tests.support.store import open_store

# Text that breaks naive COPY or CSV handling: tabs, newlines, quotes, backslashes, COPY's own
# markers, unicode beyond the BMP, and the empty string (which must not become NULL).
AWKWARD = [
    "tab\there",
    "line\nbreak\r\nx",
    "quote ' and \"",
    "back\\slash \\N \\.",
    "Renée 🎉 日本",
    "",
]

SOURCE_ROWS = [
    "INSERT INTO badges (name) VALUES ('Explorer'), ('Mentor ✓')",
    "INSERT INTO quests (badge_id, name, archived) VALUES (1, 'Visit', false), (2, 'Answer', true)",
    # Users' dates (m007): some never set, one a microsecond after the epoch.
    """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active,
                                  registered_at, last_active_at)
       SELECT i, 'user' || i, 'user' || i || '@example.com', 'user' || i,
              'user' || i || '@example.com', i % 3 <> 0,
              CASE WHEN i < 6 THEN TIMESTAMPTZ '2024-02-29 23:59:59.999999+00' + INTERVAL 1 DAY * i
              END,
              CASE WHEN i % 2 = 0
                   THEN TIMESTAMPTZ '1970-01-01 00:00:00.000001+00' + INTERVAL 1 HOUR * (i - 2) END
       FROM range(1, 8) r(i)""",
    # Awkward usernames, one per user 11.., found again by their normal form.
    """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
       SELECT 10 + i, t, 'e' || i || '@x', lower(t), 'e' || i || '@x', true
       FROM (SELECT unnest($awkward) AS t, generate_subscripts($awkward, 1) AS i)""",
    """INSERT INTO batches (name, quest_id, status, created_by, created_at, updated_at, queued_at,
                           n_users, n_unpublished, n_published, n_error, version)
       VALUES ('Spring ''24', 1, 'partially_published', 'dan', '1970-01-01 00:00:00.000001+00',
               '2999-12-31 23:59:59.999999+00', NULL, 3, 0, 2, 1, 4),
              ('Draft\tnew', 2, 'draft', 'ann', '2026-03-29 01:30:00+00', '2026-03-29 01:30:00+00',
               NULL, 0, 0, 0, 0, 0)""",
    """INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, added_by,
                               added_at, processed_at)
       VALUES (1, 1, 'published', NULL, 'csv', 'dan', '2026-01-01 10:00:00.123456+00',
               '2026-01-01 10:00:01+00'),
              (1, 2, 'published', '', 'single', 'dan', '2026-01-01 10:00:00+00', NULL),
              (1, 3, 'error', 'line one' || chr(10) || 'line two', 'cli', 'dan',
               '2026-01-01 10:00:00+00', '2026-01-01 10:00:02+00')""",
    """INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
       VALUES (1, 1, 1, '2026-01-01 10:00:01+00'), (4, 2, NULL, '2025-06-30 23:59:59+00')""",
    "INSERT INTO unlock_counts VALUES (1, 1, 1956456, 1)",
    # Undo (m006): two users revoked (one kept by another batch), their records and counts.
    """INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by, revoke_reason,
                               revoked_by, revoke_requested_at, revoked_at, kept_by_batch)
       VALUES (1, 4, 'revoked', 'csv', 'dan', 'Sent by mistake ✓ ' || chr(10) || 'x', 'ada',
               '2026-01-02 09:00:00+00', '2026-01-02 09:00:01.5+00', NULL),
              (1, 5, 'revoked', 'csv', 'dan', '', 'ada', '2026-01-02 09:00:00+00',
               '2026-01-02 09:00:01.5+00', 2)""",
    """UPDATE batches SET status = 'partially_revoked', n_users = 5, n_revoked = 2,
                         n_revoking = 0, paused_at = '2026-01-03 00:00:00.000001+00',
                         paused_by = 'ada'
       WHERE id = 1""",
    """INSERT INTO revocations (user_id, quest_id, batch_id, unlocked_at, revoked_at, revoked_by,
                               reason)
       VALUES (4, 1, 1, '2026-01-01 10:00:01+00', '2026-01-02 09:00:01.5+00', 'ada',
               'Sent by mistake ✓ ' || chr(10) || 'x'),
              (9, 2, NULL, '1970-01-01 00:00:00.000001+00', '2026-01-02 09:00:01.5+00', NULL,
               NULL)""",
    "INSERT INTO revoke_counts VALUES (1, 1, 1956540, 1)",
    """INSERT INTO accounts (username, password_hash, role, email, created_at)
       VALUES ('ada', '$argon2id$v=19$m=8,t=1,p=1$abc', 'admin', NULL, '2026-01-01 00:00:00+00'),
              ('dan', 'x', 'dev', 'Dan@Example.com', '2026-01-02 00:00:00+00')""",
    "INSERT INTO sessions VALUES ('hash1', 'ada', '2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00')",
    "INSERT INTO login_failures VALUES ('k', '::1', 3, 1, NULL, '2026-01-01 00:00:00+00')",
    "INSERT INTO settings VALUES ('publish_rate', '50'), ('empty', ''), ('marker', '\\.')",
    """INSERT INTO audit_log (happened_at, actor, action, batch_id, detail)
       SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 SECOND, 'dan', 'batch created',
              CASE WHEN i % 2 = 0 THEN 1 END, t
       FROM (SELECT unnest($awkward) AS t, generate_subscripts($awkward, 1) AS i)""",
    "INSERT INTO audit_log (actor, action, detail) VALUES ('ada', 'rate changed', NULL)",
]


@pytest.fixture
def source_file(tmp_path: Path) -> Path:
    """A data file holding a few rows in every table, with awkward text, NULLs and odd times."""
    path = tmp_path / "source.duckdb"
    uow = open_store(path)
    for statement in SOURCE_ROWS:
        uow.execute(statement, {"awkward": AWKWARD} if "$awkward" in statement else None)
    # A deleted batch used id 3: the copy's sequence must not hand it out again.
    uow.execute("SELECT nextval('batch_id_seq')").fetchall()
    uow.close()
    return path


def run_copy(source: str | Path, target: str | Path, chunk_rows: int = 50_000) -> dict[str, int]:
    """Open both stores as the command does and copy; close them whatever happens."""
    src, dst = store.connect(source), store.connect(target)
    try:
        return copy_store(src.cursor(), dst, "source", "target", chunk_rows=chunk_rows)
    finally:
        dst.close()
        src.close()


def all_empty(location: str | Path) -> bool:
    return all(frame.height == 0 for frame in read_tables(location).values())


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "laptop.duckdb"


def test_awkward_values_survive_a_copy_to_postgres_and_back(
    source_file: Path, pg_url: str, laptop: Path
) -> None:
    original = read_tables(source_file)
    # Two rows a chunk: every table of more than two rows goes in several chunks.
    copied = run_copy(source_file, pg_url, chunk_rows=2)
    assert copied == {table: frame.height for table, frame in original.items()}
    assert_same_tables(original, read_tables(pg_url))
    run_copy(pg_url, laptop, chunk_rows=3)
    assert_same_tables(original, read_tables(laptop))
    users = read_tables(laptop)["platform_users"]
    assert set(AWKWARD) <= set(users["username"])
    settings = dict(read_tables(pg_url)["settings"].iter_rows())
    assert settings["empty"] == "" and settings["marker"] == "\\."


def test_sequences_continue_past_the_ids_and_past_the_source_sequences(
    source_file: Path, pg_url: str, laptop: Path
) -> None:
    run_copy(source_file, pg_url)
    run_copy(pg_url, laptop)
    with psycopg.connect(pg_url) as conn:
        pg = dict(
            conn.execute("SELECT sequencename::text, last_value FROM pg_sequences").fetchall()
        )
    con = duckdb.connect(str(laptop), read_only=True)
    duck = dict(con.sql("SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall())
    con.close()
    # batch_id_seq was at 3 in the source (a batch deleted after the two kept).
    expected = {"badge_id_seq": 2, "quest_id_seq": 2, "batch_id_seq": 3, "audit_id_seq": 7}
    # Sequences the source never used (no token, no webhook yet) stay unused in both copies.
    expected |= dict.fromkeys(("api_token_id_seq", "webhook_id_seq", "webhook_delivery_id_seq"))
    assert pg == expected
    assert duck == expected


def test_the_laptop_copy_has_its_user_index_rebuilt(
    source_file: Path, pg_url: str, laptop: Path
) -> None:
    run_copy(source_file, pg_url)
    run_copy(pg_url, laptop)
    uow = store.connect(laptop)
    try:
        assert uow.matching.sync_index() == "fresh"  # already in step with the copied users
        assert uow.matching.suggest_usernames("user", 3) == ["user1", "user2", "user3"]
    finally:
        uow.close()


def _source_and_target(kind: str, source_file: Path, pg_url: str, laptop: Path) -> tuple:
    """Into PostgreSQL from the file; into a new file from PostgreSQL (filled first)."""
    if kind == "postgres":
        return source_file, pg_url, PgTables
    run_copy(source_file, pg_url)
    return pg_url, laptop, DuckTables


@pytest.mark.parametrize("target_kind", ["postgres", "duckdb"])
def test_a_copy_whose_totals_differ_is_rolled_back(
    source_file: Path, pg_url: str, laptop: Path, monkeypatch: pytest.MonkeyPatch, target_kind: str
) -> None:
    source, target, cls = _source_and_target(target_kind, source_file, pg_url, laptop)
    real = cls.load

    def short(self: object, table: str, frame: pl.DataFrame) -> None:
        real(self, table, frame.head(frame.height - 1) if table == "batch_users" else frame)

    monkeypatch.setattr(cls, "load", short)
    with pytest.raises(CopyFailed, match="the row count of batch_users is 5 in the source but 4"):
        run_copy(source, target)
    assert all_empty(target)


@pytest.mark.parametrize("target_kind", ["postgres", "duckdb"])
def test_a_write_that_fails_half_way_leaves_the_target_empty(
    source_file: Path, pg_url: str, laptop: Path, monkeypatch: pytest.MonkeyPatch, target_kind: str
) -> None:
    source, target, cls = _source_and_target(target_kind, source_file, pg_url, laptop)
    real = cls.load

    def failing(self: object, table: str, frame: pl.DataFrame) -> None:
        if table == "accounts":  # after users, batches, batch users and unlocks went in
            raise CopyFailed("The disk is full.")
        real(self, table, frame)

    monkeypatch.setattr(cls, "load", failing)
    with pytest.raises(CopyFailed, match="disk is full"):
        run_copy(source, target)
    assert all_empty(target)


def test_stores_at_different_schema_versions_are_refused(
    source_file: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.store.duckdb.migrations import all_migrations
    from core.store.postgres.unit_of_work import PgUnitOfWork

    latest = all_migrations()[-1].version
    monkeypatch.setattr(PgUnitOfWork, "schema_version", lambda self: 4)
    with pytest.raises(InputError, match=f"at schema version {latest} but the target at version 4"):
        run_copy(source_file, pg_url)


def test_a_source_with_a_table_copy_store_does_not_know_is_refused(
    source_file: Path, pg_url: str
) -> None:
    con = duckdb.connect(str(source_file))
    con.execute("CREATE TABLE extra (x INTEGER)").fetchall()
    con.close()
    with pytest.raises(InputError, match=r"has tables copy-store does not know \(extra\)"):
        run_copy(source_file, pg_url)
    assert all_empty(pg_url)


def test_a_target_another_process_is_writing_to_is_refused(
    source_file: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.store.postgres import tables

    monkeypatch.setattr(tables, "LOCK_WAIT", "200ms")
    with psycopg.connect(pg_url) as app:  # an app's transaction, open on the target
        app.execute("INSERT INTO settings (key, value) VALUES ('publish_rate', '5')")
        with pytest.raises(CopyFailed, match="Another process kept using the target database"):
            run_copy(source_file, pg_url)
        app.rollback()
    assert all_empty(pg_url)
