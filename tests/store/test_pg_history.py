"""PostgreSQL's batches and history SQL: its rules, its concurrency, its indexes, its name sort.

The contract tests (test_batch_list.py, test_batches.py) check what both stores return; these
check what only the PostgreSQL adapter does: its own progress SQL, recounts that two
transactions run at once, the sort keys matching m005's indexes, the group-by-group name sort,
and weekly buckets in a zone a quarter hour off the hour.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from core.batches import rules
from core.batches.visibility import DraftScope
from core.history.view import BatchFilter
from core.store.postgres import base, history
from core.store.postgres.batches_sql import DERIVED_STATUS_SQL, PROGRESS_SQL
from core.store.postgres.history_sql import where_sql
from tests.support.batch_list import ANSWER, VISIT_10, VISIT_100, add_batch

# These tests are about the PostgreSQL adapter's own SQL: tests/store/test_pg_*.py run on it only.


def test_the_progress_and_status_sql_are_the_rules_for_every_small_count(con) -> None:
    derived = DERIVED_STATUS_SQL.format(
        n_users="b.n_users",
        n_published="b.n_published",
        n_error="b.n_error",
        n_in_progress="b.n_in_progress",
        n_revoking="b.n_revoking",
        n_revoked="b.n_revoked",
    )
    statuses = ", ".join(f"'{s}'" for s in rules.FINISHED_STATUSES + rules.PENDING_STATUSES)
    rows = con.execute(
        f"""SELECT b.n_users, b.n_in_progress, b.n_published, b.n_error, b.n_revoking,
                   b.n_revoked, b.revoked_before, b.status, {derived},
                   ({PROGRESS_SQL})::INTEGER
            FROM (SELECT u AS n_users, i AS n_in_progress, p AS n_published, e AS n_error,
                         rg AS n_revoking, rd AS n_revoked, rb AS revoked_before,
                         s AS status
                  FROM generate_series(0, 4) u, generate_series(0, 4) i, generate_series(0, 4) p,
                       generate_series(0, 4) e, generate_series(0, 2) rg,
                       generate_series(0, 2) rd, generate_series(0, 2) rb,
                       unnest(ARRAY[{statuses}, '{rules.REVOKING}']) s
                  WHERE i + p + e + rg + rd <= u AND rb <= rd) b"""
    ).fetchall()
    assert rows
    assert any(row[4] and row[6] for row in rows)  # every counter takes part
    for row in rows:
        users, in_progress, published, error, revoking, revoked, before, status, got, percent = row
        counts = (users, in_progress, published, error, revoking, revoked)
        assert got == rules.derive_status(*counts), counts
        expected = rules.progress(users, published, error, status, revoking, revoked, before)
        assert percent == expected, (counts, status)


def _batch_with_users(con, users: range, status: str = "unpublished") -> int:
    batch = con.execute(
        "INSERT INTO batches (name, quest_id, created_by, status) "
        "VALUES ('B', 1, 'dan', 'unpublished') RETURNING id"
    ).fetchall()[0][0]
    con.execute(
        "INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by) "
        "SELECT ?, i, ?, 'csv', 'dan' FROM generate_series(?::BIGINT, ?::BIGINT) i",
        [batch, status, users.start, users.stop - 1],
    )
    con.batches.refresh_counts([batch])
    return batch


def test_two_transactions_recounting_one_batch_end_with_the_true_counts(small_world) -> None:
    con = small_world
    batch = _batch_with_users(con, range(1, 4))
    first, second = con.cursor(), con.cursor()
    first_wrote, second_started = threading.Event(), threading.Event()
    attempts: list[int] = []
    errors: list[BaseException] = []

    def first_work(u) -> None:
        u.members.add(batch, [4], "csv", "dan")
        u.batches.refresh_counts([batch])
        first_wrote.set()
        # Commit only once the second took its snapshot (its first statement ran).
        second_started.wait(5)

    def second_work(u) -> None:
        attempts.append(1)
        u.members.add(batch, [5], "csv", "dan")
        second_started.set()
        u.batches.refresh_counts([batch])  # waits for the first; then 40001, run again

    def run_second() -> None:
        first_wrote.wait(5)
        try:
            second.transaction(second_work)
        except BaseException as exc:  # reported by the assert below
            errors.append(exc)

    thread = threading.Thread(target=run_second)
    thread.start()
    first.transaction(first_work)
    thread.join(10)
    assert not errors
    assert len(attempts) == 2  # the second ran again on a snapshot that had the first's user
    row = con.batches.read(batch)
    assert (row["n_users"], row["n_unpublished"]) == (5, 5)
    assert con.members.count(batch) == 5


def test_refresh_counts_skips_unknown_ids_and_keeps_drafts_drafts(small_world) -> None:
    con = small_world
    batch = _batch_with_users(con, range(1, 3), status="published")
    draft = con.batches.insert_draft("D", 1, "dan")
    con.members.add(draft, [1, 2], "csv", "dan")
    con.batches.refresh_counts([draft, batch, 999_999, batch])
    assert con.batches.read(batch)["status"] == rules.PUBLISHED
    assert (con.batches.read(draft)["status"], con.batches.read(draft)["n_users"]) == ("draft", 2)


# The index m005 made for each sort the list reads off an index.
SORT_INDEXES = {
    "name": "batches_name_order",
    "created_by": "batches_creator_order",
    "users": "batches_users_order",
    "status": "batches_status_order",
    "created_at": "batches_created",
    "updated_at": "batches_updated",
}


@pytest.mark.parametrize("sort", sorted(SORT_INDEXES))
@pytest.mark.parametrize("desc", [False, True])
def test_each_sort_key_is_the_expression_of_its_index(
    small_world, monkeypatch: pytest.MonkeyPatch, sort: str, desc: bool
) -> None:
    con = small_world
    captured: list[tuple[str, object]] = []
    frame = base.Repository.frame

    def capture(self, query, params=None):
        captured.append((query, params))
        return frame(self, query, params)

    monkeypatch.setattr(base.Repository, "frame", capture)
    view = BatchFilter(sort=sort, desc=desc)
    con.history.page(view, DraftScope("admin", True), "UTC", 25, 0)
    query, params = captured[0]
    with con.connection() as conn:
        # A tiny table is cheaper to sort; without sorts the planner must find the index.
        conn.execute("BEGIN")
        try:
            conn.execute("SET LOCAL enable_sort = off")
            conn.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params).fetchall())
        finally:
            conn.execute("ROLLBACK")
    assert SORT_INDEXES[sort] in plan, plan


@pytest.fixture
def named(small_world):
    """Batches on every quest, a draft, and batches whose quest or badge is gone (NULL names)."""
    cur = small_world
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (99, 'Orphan quest')")
    orphan_quest = cur.execute("SELECT id FROM quests WHERE badge_id = 99").fetchall()[0][0]
    for i, quest in enumerate([VISIT_10, VISIT_100, ANSWER, 999, orphan_quest] * 3):
        add_batch(cur, f"B{i}", quest, created_at=f"2026-03-{i + 1:02d} 09:00:00+00")
    add_batch(cur, "Draft of dan", ANSWER, "draft", created_by="dan")
    add_batch(cur, "Draft of eve", VISIT_10, "draft", created_by="eve")
    return cur


@pytest.mark.parametrize("sort", ["badge", "quest"])
@pytest.mark.parametrize("desc", [False, True])
def test_the_group_by_group_name_sort_is_the_plain_sort(
    named, monkeypatch: pytest.MonkeyPatch, sort: str, desc: bool
) -> None:
    monkeypatch.setattr(history, "_GROUPED_FROM", 0)  # always group by group
    for scope in (DraftScope("dan", False), DraftScope("admin", True)):
        for view in (
            BatchFilter(sort=sort, desc=desc, page_size=4),
            BatchFilter(sort=sort, desc=desc, page_size=4, page=3),
            BatchFilter(sort=sort, desc=desc, page_size=4, page=9),
            BatchFilter(sort=sort, desc=desc, statuses=["published"], name="b1", page_size=3),
        ):
            got, got_total = named.history.page(view, scope, "UTC", view.page_size, view.offset)
            where, params = where_sql(view, scope, "UTC")
            plain, total = named.history._page_by_index(
                view, where, {**params, "limit": view.page_size, "offset": view.offset}
            )
            assert got_total == total
            assert got["id"].to_list() == plain["id"].to_list(), (scope, view)
            assert got.schema == plain.schema


@pytest.mark.parametrize("sort", ["name", "users", "status", "created_at", "created_by"])
@pytest.mark.parametrize("desc", [False, True])
def test_a_page_read_from_the_far_end_is_the_plain_page(
    named, monkeypatch: pytest.MonkeyPatch, sort: str, desc: bool
) -> None:
    monkeypatch.setattr(history, "_DEEP_FROM", 0)  # every page is "deep"
    scope = DraftScope("dan", False)
    for page in range(1, 8):
        view = BatchFilter(sort=sort, desc=desc, page_size=3, page=page)
        got, got_total = named.history.page(view, scope, "UTC", view.page_size, view.offset)
        where, params = where_sql(view, scope, "UTC")
        plain, total = named.history._page_by_index(
            view, where, {**params, "limit": view.page_size, "offset": view.offset}
        )
        assert got_total == total
        assert got.equals(plain), (view, got["id"].to_list(), plain["id"].to_list())


def test_a_title_filter_is_literal_and_ignores_case(small_world) -> None:
    cur = small_world
    for name in ("100% done", "100 done", "a_b", "axb", "Ünïcode ÉTÉ", "back\\slash"):
        add_batch(cur, name)
    scope = DraftScope("admin", True)

    def found(text: str) -> list[str]:
        rows, _ = cur.history.page(BatchFilter(name=text, sort="name"), scope, "UTC", 25, 0)
        return rows["name"].to_list()

    assert found("0%") == ["100% done"]
    assert found("a_b") == ["a_b"]
    assert found("été") == ["Ünïcode ÉTÉ"]
    assert found("K\\S") == ["back\\slash"]


def test_weekly_unlocks_follow_a_zone_a_quarter_hour_off_the_hour(small_world) -> None:
    cur = small_world
    batch = add_batch(cur, "Kathmandu", VISIT_10)
    # Asia/Kathmandu is UTC+5:45: its Monday 6 April 2026 starts on Sunday 18:15 UTC.
    before = datetime(2026, 4, 5, 18, 0, tzinfo=UTC)
    after = datetime(2026, 4, 5, 18, 15, tzinfo=UTC)
    for at, n in ((before, 2), (after, 3)):
        cur.execute(
            "INSERT INTO unlock_counts VALUES (?, ?, ?, ?)",
            [batch, VISIT_10, int(at.timestamp()) // 900, n],
        )
    weeks = cur.history.weekly_unlocks(
        BatchFilter(), DraftScope("admin", True), "Asia/Kathmandu", "Other"
    )
    got = sorted(
        zip(weeks["week"], weeks["iso_week"], weeks["badge"], weeks["unlocks"], strict=True)
    )
    assert got == [
        (date(2026, 3, 30), "2026-W14", "Explorer", 2),
        (date(2026, 4, 6), "2026-W15", "Explorer", 3),
    ]
    assert [str(t) for t in weeks.dtypes] == ["Date", "String", "String", "Int64", "Int64"]
    assert weeks["revokes"].to_list() == [0, 0]
