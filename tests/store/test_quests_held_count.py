"""The stored count of quests held (issue 16, m008): `platform_users.quests_held` equals the user's
unlocks after every write of unlocks — publishing (two quests in one chunk, a user already
holding), retrying errors, cancelling, revoking (deleted, or kept from another batch), adding
again after a revoke, the demo, a copy to another store — and an older store upgrades with its
counts filled in. Run on DuckDB and PostgreSQL; the Users page's sort by it reads the stored
count."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

from core import store
from core.access.roles import Account, Role
from core.demo import loader
from core.errors import StoreError
from core.publishing import actions, retry, undo, unlocking, worker
from core.publishing.revoking import RevokeTarget, revoke
from core.segments.user_filter import UserFilter
from core.store.copying import copy_store
from core.store.duckdb.connection import migrate as migrate_duckdb
from core.store.postgres.connection import migrate as migrate_postgres
from core.store.postgres.unit_of_work import PgUnitOfWork
from tests.support.pg_store import open_pg_store
from tests.support.publish import add_platform_users, add_users, make_batch, statuses
from tests.support.store import open_store
from tests.support.threads import together
from tests.support.world import SMALL_WORLD

ADMIN = Account("ada", Role.ADMIN)
VISIT_10, VISIT_100, ANSWER = 1, 2, 3  # small_world's quests

# Users whose stored count differs from their unlocks: (id, stored, counted).
WRONG_COUNTS = """
    SELECT p.id, p.quests_held, coalesce(h.n, 0) FROM platform_users p
    LEFT JOIN (SELECT user_id, count(*) AS n FROM unlocks GROUP BY user_id) h ON h.user_id = p.id
    WHERE p.quests_held <> coalesce(h.n, 0) ORDER BY p.id
"""


# On PostgreSQL, users whose stored list of quests (m013) differs from their unlocks.
WRONG_LISTS = """
    SELECT p.id, p.quests, coalesce(h.q, '{}') FROM platform_users p
    LEFT JOIN (SELECT user_id, array_agg(quest_id ORDER BY quest_id) AS q FROM unlocks
               GROUP BY user_id) h ON h.user_id = p.id
    WHERE ARRAY(SELECT e FROM unnest(p.quests) e ORDER BY e) <> coalesce(h.q, '{}')
    ORDER BY p.id
"""


def wrong_counts(cur) -> list[tuple]:
    """Users whose stored quests held (the count; on PostgreSQL the list too) are wrong."""
    wrong = cur.execute(WRONG_COUNTS).fetchall()
    if isinstance(cur, PgUnitOfWork):
        wrong += cur.execute(WRONG_LISTS).fetchall()
    return wrong


def held(cur) -> dict[int, int]:
    """{user id: stored quests held} of every user holding at least one."""
    found = cur.execute(
        "SELECT id, quests_held FROM platform_users WHERE quests_held <> 0 ORDER BY id"
    ).fetchall()
    return dict(found)


def published(cur, users, quest_id: int = VISIT_10, name: str = "Batch") -> int:
    """A batch of these users for the quest, published by the worker to the end."""
    batch = make_batch(cur, users, quest_id=quest_id, name=name)
    actions.publish(cur, ADMIN, batch)
    worker.run_until_empty(cur)
    return batch


def test_a_store_starts_with_nobody_holding_anything(small_world) -> None:
    assert held(small_world) == {}
    assert wrong_counts(small_world) == []


def test_publishing_counts_each_new_unlock_once_even_across_two_quests_in_one_chunk(
    small_world,
) -> None:
    cur = small_world
    first = make_batch(cur, [1, 2, 3, 10], quest_id=VISIT_10, name="First")  # 10 is deactivated
    second = make_batch(cur, [2, 3, 4], quest_id=VISIT_100, name="Second")
    third = make_batch(cur, [3, 5], quest_id=VISIT_10, name="Third")  # 3 is in "First" too
    for batch in (first, second, third):
        actions.publish(cur, ADMIN, batch)

    worker.run_until_empty(cur)  # one chunk takes all three batches

    assert statuses(cur, first)[10] == "error"
    assert held(cur) == {1: 1, 2: 2, 3: 2, 4: 1, 5: 1}
    assert wrong_counts(cur) == []


def test_a_user_who_already_holds_the_quest_is_not_counted_twice(small_world) -> None:
    cur = small_world
    published(cur, [1, 2], name="First")
    published(cur, [2, 3], name="Second")  # user 2 keeps the first unlock
    assert held(cur) == {1: 1, 2: 1, 3: 1}
    assert wrong_counts(cur) == []


def test_retrying_errors_counts_the_users_unlocked_at_last(small_world) -> None:
    cur = small_world
    batch = published(cur, [1, 10])
    assert held(cur) == {1: 1}
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 10")

    retry.retry_errors(cur, ADMIN, batch)
    worker.run_until_empty(cur)

    assert held(cur) == {1: 1, 10: 1}
    assert wrong_counts(cur) == []


def test_a_cancelled_batch_counts_nothing_until_it_is_published_again(small_world) -> None:
    cur = small_world
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, ADMIN, batch)
    undo.cancel(cur, ADMIN, batch)
    worker.run_until_empty(cur)
    assert held(cur) == {}

    actions.publish(cur, ADMIN, batch)
    worker.run_until_empty(cur)
    assert held(cur) == {1: 1, 2: 1}
    assert wrong_counts(cur) == []


def test_a_revoke_takes_off_what_it_deletes_and_not_what_another_batch_keeps(
    small_world,
) -> None:
    cur = small_world
    first = published(cur, [1, 2, 3, 4], name="First")
    published(cur, [3, 4, 5], name="Second")  # 3 and 4 hold it from "First"
    published(cur, [1, 2], quest_id=ANSWER, name="Other quest")
    assert held(cur) == {1: 2, 2: 2, 3: 1, 4: 1, 5: 1}

    revoke(cur, ADMIN, first, RevokeTarget(all_users=True), "Duplicate award")
    worker.run_until_empty(cur)

    # 1 and 2 lose "First"'s unlock (and keep the other quest); 3 and 4 keep theirs via "Second".
    assert held(cur) == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert wrong_counts(cur) == []


def test_a_user_revoked_and_added_again_is_counted_again(small_world) -> None:
    cur = small_world
    batch = published(cur, [1, 2, 3])
    revoke(cur, ADMIN, batch, RevokeTarget(user_ids=(2,)), "Asked to leave")
    worker.run_until_empty(cur)
    assert held(cur) == {1: 1, 3: 1}

    add_users(cur, batch, [2])  # a Published batch is queued again
    worker.run_until_empty(cur)

    assert held(cur) == {1: 1, 2: 1, 3: 1}
    assert wrong_counts(cur) == []


@pytest.mark.slow
def test_two_workers_publishing_users_of_two_quests_at_once_count_each_unlock_once(
    con, small_world
) -> None:
    cur = small_world
    add_platform_users(cur, 11, 3000)
    batches = [make_batch(cur, range(1, 3001), quest_id=q, name=f"Q{q}") for q in (1, 2)]
    batches.append(make_batch(cur, range(1000, 2001), quest_id=ANSWER, name="Q3"))
    for batch in batches:
        actions.publish(cur, ADMIN, batch)

    def drain() -> None:
        c = con.cursor()
        # Small chunks, so both workers write the same users' rows many times over.
        while True:
            try:
                if unlocking.process_once(c, 200).empty:
                    return
            except StoreError:  # lost every retry to the other worker: nothing was written
                continue

    assert together(drain, drain) == [None, None]

    assert wrong_counts(cur) == []
    counts = cur.execute(
        "SELECT quests_held, count(*) FROM platform_users GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert counts == [(0, 1), (2, 1998), (3, 1001)]  # user 10 is deactivated: "Error" twice


def test_demo_data_counts_what_each_demo_user_holds(con) -> None:
    loader.fill(con, n_users=300)
    assert con.execute("SELECT count(*) FROM unlocks").fetchone()[0] > 0
    assert wrong_counts(con) == []


def test_the_sort_by_quests_held_reads_the_stored_count(small_world) -> None:
    cur = small_world
    published(cur, [4, 5, 6], name="First")
    published(cur, [5, 6], quest_id=VISIT_100, name="Second")
    published(cur, [6], quest_id=ANSWER, name="Third")

    rows, total = cur.users.search(UserFilter(sort="quests_held"), "UTC", 4, 0)
    assert rows["id"].to_list() == [6, 5, 4, 10]  # most first, ties by id the same way
    assert rows["quests_held"].to_list() == [3, 2, 1, 0]
    assert total == 10
    fewest, _ = cur.users.search(UserFilter(sort="quests_held", desc=False), "UTC", 3, 7)
    assert fewest["id"].to_list() == [4, 5, 6]
    # The stored count is what the sort reads (a user's unlocks are not counted per query).
    cur.execute("UPDATE platform_users SET quests_held = 9 WHERE id = 1")
    rows, _ = cur.users.search(UserFilter(sort="quests_held"), "UTC", 1, 0)
    assert rows.select("id", "quests_held").row(0) == (1, 9)


# --- another store: a copy, and an upgrade ------------------------------------------------


def test_a_copy_to_postgres_and_back_keeps_the_counts(pg_url: str, tmp_path: Path) -> None:
    source, laptop = tmp_path / "source.duckdb", tmp_path / "laptop.duckdb"
    cur = open_store(source)
    try:
        for statement in SMALL_WORLD:
            cur.execute(statement)
        first = published(cur, [1, 2, 3], name="First")
        published(cur, [2], quest_id=VISIT_100, name="Second")
        revoke(cur, ADMIN, first, RevokeTarget(user_ids=(3,)), "Mistake")
        worker.run_until_empty(cur)
        expected = held(cur)
    finally:
        cur.close()
    assert expected == {1: 1, 2: 2}
    for origin, target in ((source, pg_url), (pg_url, laptop)):
        src, dst = store.connect(origin), store.connect(target)
        try:
            copy_store(src.cursor(), dst)
        finally:
            dst.close()
            src.close()
    between = open_pg_store(pg_url)
    try:  # filled after the load: the list is not copied (DuckDB has none)
        assert held(between) == expected
        assert wrong_counts(between) == []
    finally:
        between.close()
    back = open_store(laptop)
    try:
        assert held(back) == expected
        assert wrong_counts(back) == []
    finally:
        back.close()


OLD_USERS = (
    "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) "
    "VALUES (7, 'Ann', 'ann@x.org', 'ann', 'ann@x.org', TRUE), "
    "(8, 'Bob', 'bob@x.org', 'bob', 'bob@x.org', FALSE), "
    "(9, 'Cy', 'cy@x.org', 'cy', 'cy@x.org', TRUE)"
)
OLD_UNLOCKS = "INSERT INTO unlocks (user_id, quest_id) VALUES (7, 1), (7, 2), (9, 2)"


@pytest.mark.slow
def test_a_version_7_duckdb_file_upgrades_with_every_users_count(db_path: Path) -> None:
    old = duckdb.connect(str(db_path))
    migrate_duckdb(old, up_to=7)
    old.execute(OLD_USERS)
    old.execute(OLD_UNLOCKS)
    old.close()

    upgraded = open_store(db_path)
    try:
        assert upgraded.schema_version() >= 8
        assert held(upgraded) == {7: 2, 9: 1}
        assert wrong_counts(upgraded) == []  # m013's lists filled from the same unlocks
        rows, total = upgraded.users.search(UserFilter(sort="quests_held"), "UTC", 10, 0)
        assert (rows["id"].to_list(), total) == ([7, 9, 8], 3)
        assert upgraded.users.profile(8) == (8, "Bob", "bob@x.org", False, None, None)
    finally:
        upgraded.close()


def test_a_version_7_postgres_database_upgrades_with_every_users_count_and_index(
    bare_url: str,
) -> None:
    with psycopg.connect(bare_url, autocommit=True) as old:
        migrate_postgres(old, up_to=7)
        old.execute(OLD_USERS)
        old.execute(OLD_UNLOCKS)
    upgraded = open_pg_store(bare_url)
    try:
        assert upgraded.schema_version() >= 8
        assert held(upgraded) == {7: 2, 9: 1}
        assert wrong_counts(upgraded) == []  # m013's lists filled from the same unlocks
        rows, total = upgraded.users.search(UserFilter(sort="quests_held"), "UTC", 10, 0)
        assert (rows["id"].to_list(), total) == ([7, 9, 8], 3)
        found = upgraded.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_users_quests_held'"
        ).fetchall()
        assert [d for (d,) in found] == [
            "CREATE INDEX platform_users_quests_held ON public.platform_users "
            "USING btree (quests_held, id) INCLUDE (active)"
        ]
    finally:
        upgraded.close()
