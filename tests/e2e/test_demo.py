"""Demo data: deterministic, every batch status present, consistent with the rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core import config, store
from core.access import accounts, login
from core.demo import content, data_file, generate, loader
from core.errors import InputError, StoreError
from core.publishing import unlock_counts
from core.store.duckdb.base import Repository
from core.store.duckdb.demo import DuckDemo
from core.store.ports.demo import DemoRepository
from tests.support.store import open_store, sql_view

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def demo_store(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    loader.fill(cur, n_users=2000, seed=3, now=NOW)
    return cur


def test_demo_data_has_batches_in_every_status(demo_store: duckdb.DuckDBPyConnection) -> None:
    statuses = {r[0] for r in demo_store.execute("SELECT DISTINCT status FROM batches").fetchall()}
    assert statuses == {"draft", "unpublished", "in_progress", "published", "partially_published"}


def test_demo_batch_counters_match_their_users(demo_store: duckdb.DuckDBPyConnection) -> None:
    wrong = demo_store.execute(
        """SELECT b.id FROM batches b LEFT JOIN (
               SELECT batch_id, count(*) n, count(*) FILTER (WHERE status = 'error') e,
                      count(*) FILTER (WHERE status = 'published') p
               FROM batch_users GROUP BY batch_id) c ON c.batch_id = b.id
           WHERE b.n_users <> coalesce(c.n, 0) OR b.n_error <> coalesce(c.e, 0)
              OR b.n_published <> coalesce(c.p, 0)"""
    ).fetchall()
    assert wrong == []


def test_every_published_demo_user_holds_the_quest_exactly_once(
    demo_store: duckdb.DuckDBPyConnection,
) -> None:
    missing = demo_store.execute(
        """SELECT count(*) FROM batch_users bu JOIN batches b ON b.id = bu.batch_id
           WHERE bu.status = 'published' AND NOT EXISTS (
               SELECT 1 FROM unlocks u WHERE u.user_id = bu.user_id AND u.quest_id = b.quest_id)"""
    ).fetchone()[0]
    assert missing == 0


def test_the_demo_counts_its_unlocks_for_the_weekly_chart(
    demo_store: duckdb.DuckDBPyConnection,
) -> None:
    counted, unlocks = demo_store.execute(
        """SELECT (SELECT sum(unlocks) FROM unlock_counts),
                  (SELECT count(*) FROM unlocks WHERE batch_id IS NOT NULL)"""
    ).fetchone()
    assert counted == unlocks > 0


def test_demo_history_spreads_over_months(demo_store: duckdb.DuckDBPyConnection) -> None:
    oldest, newest = demo_store.execute(
        "SELECT min(created_at), max(created_at) FROM batches"
    ).fetchone()
    assert (newest - oldest).days >= 90


def test_one_seed_always_gives_the_same_data(tmp_path) -> None:

    def snapshot(seed: int) -> list:
        con = open_store(tmp_path / f"s{seed}-{len(list(tmp_path.iterdir()))}.duckdb")
        loader.fill(con, n_users=500, seed=seed, now=NOW)
        rows = con.execute(
            "SELECT (SELECT list(username ORDER BY id) FROM platform_users), "
            "(SELECT list(user_id ORDER BY batch_id, user_id) FROM batch_users)"
        ).fetchone()
        con.close()
        return rows

    assert snapshot(5) == snapshot(5)
    assert snapshot(5) != snapshot(6)


def test_users_generated_in_parts_are_the_users_generated_at_once() -> None:
    # The loader generates large populations a million at a time: the parts must not differ.
    whole = generate.users(10, seed=4, first_id=1)
    parts = pl.concat(
        [generate.users(4, seed=4, first_id=1), generate.users(6, seed=4, first_id=5)]
    )
    assert whole.equals(parts)
    assert whole["id"].to_list() == list(range(1, 11))


def test_demo_accounts_log_in_with_the_documented_passwords(
    demo_store: duckdb.DuckDBPyConnection,
) -> None:
    for username, role, password, _email in content.DEMO_ACCOUNTS:
        assert login.authenticate(demo_store, username, password).role == role


def test_demo_data_is_not_mixed_into_a_store_that_has_users(
    demo_store: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(InputError, match="already has 2,000 platform users"):
        loader.fill(demo_store, n_users=10)


def test_a_forced_fill_adds_users_after_the_existing_ones_and_nothing_twice(
    demo_store: duckdb.DuckDBPyConnection,
) -> None:
    loader.fill(demo_store, n_users=100, seed=4, force=True, now=NOW)
    assert demo_store.execute(
        """SELECT (SELECT count(*) FROM badges), (SELECT count(*) FROM quests),
                  (SELECT count(*) FROM accounts), (SELECT max(id) FROM platform_users),
                  (SELECT min(user_id) FROM batch_users WHERE batch_id > 52),
                  (SELECT count(*) FROM batches)"""
    ).fetchall() == [(12, 28, 3, 2100, 2001, 104)]


def test_a_demo_user_count_out_of_range_is_refused(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="between 1 and 10,000,000"):
        loader.fill(cur, n_users=0)


def test_only_the_default_data_file_or_an_explicit_setting_gets_demo_data(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def wants_demo(path: Path) -> bool:
        return config.Settings.from_env(path).wants_demo()

    monkeypatch.delenv(config.DEMO_ENV, raising=False)
    assert wants_demo(config.DEFAULT_DB)
    assert not wants_demo(tmp_path / "batch_unlock.duckdb")  # same name, another place
    assert not wants_demo(config.DEFAULT_DB.with_name("batch_unlok.duckdb"))
    monkeypatch.setenv(config.DEMO_ENV, "1")
    assert wants_demo(tmp_path / "anything.duckdb")


def test_a_typo_in_the_data_file_path_opens_an_empty_store_without_demo_accounts(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pages.web import runtime

    monkeypatch.delenv(config.DEMO_ENV, raising=False)
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(tmp_path / "batch_unlok.duckdb"))
    try:
        cur = sql_view(runtime.unit_of_work())
        assert not accounts.has_accounts(cur)
        assert cur.execute("SELECT count(*) FROM platform_users").fetchall() == [(0,)]
    finally:
        runtime.close_all()


def test_the_readme_first_command_still_opens_a_living_demo(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pages.web import runtime

    # `streamlit run app.py` with nothing set: the default data file, here in a temporary place.
    default = tmp_path / "data" / "batch_unlock.duckdb"
    monkeypatch.setattr(config, "DEFAULT_DB", default)
    monkeypatch.delenv("BATCH_UNLOCK_DB", raising=False)
    monkeypatch.delenv(config.DEMO_ENV, raising=False)
    try:
        cur = sql_view(runtime.unit_of_work())
        assert login.authenticate(cur, "admin", "admin-demo").username == "admin"
        assert cur.execute("SELECT count(*) FROM platform_users").fetchall() == [
            (content.DEFAULT_USERS,)
        ]
    finally:
        runtime.close_all()
    assert sorted(p.name for p in default.parent.iterdir()) == ["batch_unlock.duckdb"]


def test_a_failed_fill_leaves_no_users_accounts_or_settings(
    cur: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")  # after users, batches and unlocks were written

    # However the fill writes its accounts, writing them fails.
    monkeypatch.setattr(accounts, "add_account", broken)
    monkeypatch.setattr(accounts, "insert_account", broken, raising=False)
    with pytest.raises(RuntimeError, match="disk full"):
        loader.fill(cur, n_users=100)
    counts = cur.execute(
        "SELECT (SELECT count(*) FROM platform_users), (SELECT count(*) FROM batches), "
        "(SELECT count(*) FROM accounts), (SELECT count(*) FROM settings)"
    ).fetchall()
    assert counts == [(0, 0, 0, 0)]


def test_a_failed_demo_file_leaves_no_file_behind(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(c: duckdb.DuckDBPyConnection) -> None:
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(unlock_counts, "rebuild", broken)
    with pytest.raises(StoreError):
        data_file.create_file(tmp_path / "demo.duckdb", store.connect, n_users=100)
    assert list(tmp_path.iterdir()) == []


def test_the_duckdb_demo_repository_implements_exactly_its_port() -> None:
    declared = {n for n in dir(DemoRepository) if not n.startswith("_")}
    implemented = {n for n in dir(DuckDemo) if not n.startswith("_")} - set(dir(Repository))
    assert declared == implemented
