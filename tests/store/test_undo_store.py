"""The store's side of undo (issue 15), on every store: pause and cancel, revoke categories,
revoke chunks, counters and statuses after them, and re-adding a revoked user.

The batches are written in plain SQL (tests/support/publish.make_batch) and published through
the store's own chunk methods, so these tests check the port alone, not the domain above it.
"""

from __future__ import annotations

import polars as pl
import pytest

from core.batches import rules
from core.store.migration_steps import Migration
from tests.support.publish import make_batch, statuses

QUEST = 1  # small_world: quest 1 "Visit 10 pages"; users 1-9 active, user 10 inactive


def publish_all(cur) -> None:
    """Run publish chunks until the queue is empty, as the publisher would (no pacing)."""
    for _ in range(50):
        chunk = cur.publishing.next_chunk(1000)
        if chunk.is_empty():
            return

        def write(u, chunk=chunk):
            error = pl.when(pl.col("failure").is_not_null()).then(pl.lit("failed"))
            done = chunk.with_columns(error_reason=error.otherwise(None).cast(pl.String))
            unlocks = u.publishing.record_chunk(done)
            u.publishing.count_unlocks(unlocks)
            u.batches.refresh_counts(chunk["batch_id"].unique().to_list())

        cur.transaction(write)
    raise AssertionError("the queue never emptied")


def queue_batch(cur, batch_id: int) -> None:
    cur.transaction(lambda u: (u.batches.requeue(batch_id), u.batches.refresh_counts([batch_id])))


def published_batch(cur, users, quest: int = QUEST, name: str = "B") -> int:
    batch_id = make_batch(cur, list(users), quest_id=quest, name=name)
    queue_batch(cur, batch_id)
    publish_all(cur)
    return batch_id


def revoke_all(cur, limit: int = 1000) -> pl.DataFrame:
    """Run revoke chunks until none is left; return every unlock they deleted."""
    deleted = []
    for _ in range(50):
        chunk = cur.publishing.next_revoke_chunk(limit)
        if chunk.is_empty():
            return pl.concat(deleted) if deleted else pl.DataFrame()

        def write(u, chunk=chunk):
            gone = u.publishing.record_revoke_chunk(chunk)
            u.publishing.count_revokes(gone)
            u.batches.refresh_counts(chunk["batch_id"].unique().to_list())
            return gone

        deleted.append(cur.transaction(write))
    raise AssertionError("the revokes never ended")


def request(cur, batch_id: int, users, reason: str = "Sent by mistake", by: str = "ada") -> int:
    def write(u):
        n = u.publishing.request_revoke(batch_id, list(users), reason, by)
        u.batches.refresh_counts([batch_id])
        return n

    return cur.transaction(write)


def unlock_of(cur, user_id: int, quest: int = QUEST):
    """The batch that holds the user's unlock of the quest, or "none" when it has none."""
    found = cur.execute(
        "SELECT batch_id FROM unlocks WHERE user_id = ? AND quest_id = ?", [user_id, quest]
    ).fetchall()
    return found[0][0] if found else "none"


def categories(cur, batch_id: int, user_ids=None) -> dict[int, tuple]:
    frame = cur.publishing.revoke_categories(batch_id, user_ids)
    assert frame.columns == ["user_id", "category", "status", "other_batch"]
    assert frame.schema["user_id"] == pl.Int64 and frame.schema["other_batch"] == pl.Int64
    return {r["user_id"]: (r["category"], r["status"], r["other_batch"]) for r in frame.to_dicts()}


# --- the schema -----------------------------------------------------------------------------


def test_the_undo_migration_is_version_6_on_both_stores() -> None:
    from core.store.duckdb.migrations import all_migrations as duck
    from core.store.postgres.migrations import all_migrations as pg

    for migrations in (duck(), pg()):
        by_version: dict[int, Migration] = {m.version: m for m in migrations}
        assert by_version[6].name == "m006_undo"


def test_existing_batches_get_no_pause_and_zero_revoke_counters(batch_world) -> None:
    row = batch_world.batches.read(1)
    assert (row["paused_at"], row["paused_by"], row["n_revoking"], row["n_revoked"]) == (
        None,
        None,
        0,
        0,
    )
    member = batch_world.execute(
        "SELECT revoke_reason, revoked_by, revoke_requested_at, revoked_at, kept_by_batch "
        "FROM batch_users WHERE batch_id = 1"
    ).fetchall()
    assert member == [(None, None, None, None, None)]
    assert batch_world.execute("SELECT count(*) FROM revocations").fetchone() == (0,)
    assert batch_world.execute("SELECT count(*) FROM revoke_counts").fetchone() == (0,)


# --- pause and cancel -------------------------------------------------------------------------


def test_pausing_keeps_the_status_and_the_queue_place_and_resuming_clears_it(small_world) -> None:
    cur = small_world
    first = make_batch(cur, [1, 2], name="First")
    second = make_batch(cur, [3, 4], name="Second")
    queue_batch(cur, first)
    queue_batch(cur, second)

    cur.transaction(lambda u: u.batches.set_paused(first, "ada"))

    row = cur.batches.read(first)
    assert row["paused_by"] == "ada" and row["paused_at"] is not None
    assert row["status"] == rules.UNPUBLISHED
    listed = cur.publishing.queue()
    assert listed["id"].to_list() == [first, second]
    assert listed["paused"].to_list() == [True, False]
    assert cur.publishing.queue_position(first) == 1

    cur.transaction(lambda u: u.batches.set_paused(first, None))

    row = cur.batches.read(first)
    assert (row["paused_at"], row["paused_by"]) == (None, None)
    assert cur.publishing.queue()["paused"].to_list() == [False, False]


def test_the_publisher_takes_no_user_of_a_paused_batch(small_world) -> None:
    cur = small_world
    paused = make_batch(cur, [1, 2, 3], name="Paused")
    other = make_batch(cur, [4, 5], name="Other")
    queue_batch(cur, paused)
    queue_batch(cur, other)
    cur.transaction(lambda u: u.batches.set_paused(paused, "ada"))

    assert set(cur.publishing.next_chunk(100)["batch_id"].to_list()) == {other}
    publish_all(cur)

    assert set(statuses(cur, paused).values()) == {"unpublished"}
    assert cur.publishing.next_chunk(100).is_empty()
    assert cur.publishing.settled_batches() == []
    assert not cur.publishing.has_queue()  # only a paused batch is left: no work

    cur.transaction(lambda u: u.batches.set_paused(paused, None))
    assert cur.publishing.has_queue()
    publish_all(cur)
    assert cur.batches.read(paused)["status"] == rules.PUBLISHED


def test_cancelling_a_queued_batch_makes_it_a_draft_out_of_the_queue(small_world) -> None:
    cur = small_world
    batch_id = make_batch(cur, [1, 2])
    queue_batch(cur, batch_id)
    assert cur.publishing.queue_position(batch_id) == 1

    def cancel(u):
        u.batches.cancel_to_draft(batch_id)
        u.batches.refresh_counts([batch_id])

    cur.transaction(cancel)

    row = cur.batches.read(batch_id)
    assert (row["status"], row["queued_at"], row["n_unpublished"]) == (rules.DRAFT, None, 2)
    assert cur.publishing.queue_position(batch_id) is None
    assert cur.publishing.next_chunk(100).is_empty()
    assert set(statuses(cur, batch_id).values()) == {"unpublished"}


# --- revoke categories ------------------------------------------------------------------------


def test_each_target_user_falls_in_the_category_its_unlock_and_other_batches_give(
    small_world,
) -> None:
    cur = small_world
    # A publishes users 1-4 and 10 (inactive: Error). B, same quest, publishes 2 (A's unlock
    # stays A's) and 5; C, same quest, holds 3 first (its unlock is C's). D (another quest)
    # holds 4: it does not keep quest 1.
    c = published_batch(cur, [3], name="C")
    a = published_batch(cur, [1, 2, 3, 4, 10], name="A")
    b = published_batch(cur, [2, 5], name="B")
    published_batch(cur, [4], quest=2, name="D")
    assert (unlock_of(cur, 2), unlock_of(cur, 3), unlock_of(cur, 5)) == (a, c, b)

    found = categories(cur, a, [1, 2, 3, 4, 5, 10, 999])

    assert found == {
        1: ("revoke", "published", None),
        2: ("kept_from_other_batch", "published", b),  # B has 2 "Published" too
        3: ("kept_from_other_batch", "published", c),  # the unlock is C's
        4: ("revoke", "published", None),  # D unlocks another quest
        5: ("not_in_batch", None, None),
        10: ("not_unlocked_by_this_batch", "error", None),
        999: ("not_in_batch", None, None),  # not a platform user at all
    }
    # None: every member; the lists ask once for each user (duplicates are one).
    assert categories(cur, a) == {k: v for k, v in found.items() if k in (1, 2, 3, 4, 10)}
    assert list(categories(cur, a, [1, 1, 2])) == [1, 2]


def test_users_already_revoking_or_revoked_are_not_unlocked_by_this_batch(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2])
    request(cur, a, [1])
    assert categories(cur, a)[1] == ("not_unlocked_by_this_batch", "revoking", None)
    revoke_all(cur)
    assert categories(cur, a)[1] == ("not_unlocked_by_this_batch", "revoked", None)
    assert categories(cur, a)[2] == ("revoke", "published", None)


def test_a_revoke_request_marks_only_published_members_with_its_reason(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2, 10])
    other = published_batch(cur, [3], name="Other")

    assert request(cur, a, [1, 10, 3, 999], reason="Wrong list", by="dan") == 1

    row = cur.execute(
        "SELECT status, revoke_reason, revoked_by, revoke_requested_at IS NOT NULL, revoked_at "
        "FROM batch_users WHERE batch_id = ? AND user_id = 1",
        [a],
    ).fetchone()
    assert row == ("revoking", "Wrong list", "dan", True, None)
    assert statuses(cur, a) == {1: "revoking", 2: "published", 10: "error"}
    assert statuses(cur, other) == {3: "published"}
    batch = cur.batches.read(a)
    assert (batch["status"], batch["n_revoking"], batch["n_published"]) == (rules.REVOKING, 1, 1)
    assert cur.publishing.has_revoke_work() and cur.publishing.has_queue()


# --- revoke chunks ----------------------------------------------------------------------------


def test_a_revoke_chunk_deletes_only_this_batchs_unlocks_and_hands_over_kept_ones(
    small_world,
) -> None:
    cur = small_world
    c = published_batch(cur, [3], name="C")
    a = published_batch(cur, [1, 2, 3, 4], name="A")
    b = published_batch(cur, [2, 5], name="B")
    other_quest = published_batch(cur, [1], quest=2, name="Q2")
    request(cur, a, [1, 2, 3, 4], reason="Sent by mistake", by="dan")

    chunk = cur.publishing.next_revoke_chunk(100)
    assert chunk.columns == ["batch_id", "user_id", "quest_id"]
    assert chunk.rows() == [(a, 1, QUEST), (a, 2, QUEST), (a, 3, QUEST), (a, 4, QUEST)]
    gone = revoke_all(cur)

    assert sorted(gone.columns) == ["batch_id", "quest_id", "revoked_at"]
    assert gone.height == 2 and set(gone["batch_id"]) == {a}
    # 1 and 4 lose the quest; 2 keeps it, handed to B; 3 keeps C's unlock; other quests untouched.
    assert [unlock_of(cur, u) for u in (1, 2, 3, 4, 5)] == ["none", b, c, "none", b]
    assert unlock_of(cur, 1, quest=2) == other_quest
    kept = dict(
        cur.execute(
            "SELECT user_id, kept_by_batch FROM batch_users WHERE batch_id = ? AND status = ?",
            [a, "revoked"],
        ).fetchall()
    )
    assert kept == {1: None, 2: b, 3: c, 4: None}
    stamped = cur.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ? AND revoked_at IS NOT NULL", [a]
    ).fetchone()
    assert stamped == (4,)
    records = cur.execute(
        "SELECT user_id, quest_id, batch_id, revoked_by, reason, unlocked_at < revoked_at "
        "FROM revocations ORDER BY user_id"
    ).fetchall()
    assert records == [
        (1, QUEST, a, "dan", "Sent by mistake", True),
        (4, QUEST, a, "dan", "Sent by mistake", True),
    ]
    counted = cur.execute(
        "SELECT batch_id, quest_id, sum(revokes) FROM revoke_counts GROUP BY 1, 2"
    )
    assert counted.fetchall() == [(a, QUEST, 2)]
    # B and C are as they were.
    assert statuses(cur, b) == {2: "published", 5: "published"}
    assert statuses(cur, c) == {3: "published"}
    # The chart's unlock counts (gross: every unlock made) follow the handed-over unlock of 2 to
    # B: A keeps 1 and 4 (revoked, counted in revoke_counts), B has 2 and 5, C has 3.
    assert chart_unlocks(cur) == {a: 2, b: 2, c: 1, other_quest: 1}


def chart_unlocks(cur) -> dict[int, int]:
    """The weekly chart's unlock counts per batch (rows at 0 left out)."""
    found = cur.execute(
        "SELECT batch_id, sum(unlocks) FROM unlock_counts GROUP BY 1 HAVING sum(unlocks) <> 0"
    ).fetchall()
    return {batch: int(n) for batch, n in found}


def test_recounting_the_charts_counts_gives_what_the_chunks_kept_up(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2, 3], name="A")
    b = published_batch(cur, [2], name="B")
    request(cur, a, [1, 2])
    revoke_all(cur)
    kept_up = (
        cur.execute("SELECT * FROM unlock_counts WHERE unlocks <> 0 ORDER BY 1, 2, 3").fetchall(),
        cur.execute("SELECT * FROM revoke_counts ORDER BY 1, 2, 3").fetchall(),
    )
    assert chart_unlocks(cur) == {a: 2, b: 1}  # A: 3 made, 2 handed to B

    cur.transaction(lambda u: u.publishing.recount_unlocks())

    recounted = (
        cur.execute("SELECT * FROM unlock_counts WHERE unlocks <> 0 ORDER BY 1, 2, 3").fetchall(),
        cur.execute("SELECT * FROM revoke_counts ORDER BY 1, 2, 3").fetchall(),
    )
    assert recounted == kept_up
    assert [(batch, n) for batch, _, _, n in recounted[1]] == [(a, 1)]


def test_after_its_chunks_a_batch_is_revoked_or_partially_revoked(small_world) -> None:
    cur = small_world
    whole = published_batch(cur, [1, 2, 10], name="Whole")
    part = published_batch(cur, [3, 4, 5], name="Part")
    request(cur, whole, [1, 2])
    request(cur, part, [3])
    assert cur.batches.read(part)["status"] == rules.REVOKING

    revoke_all(cur, limit=1)  # a chunk of one user at a time: the counters follow each

    w, p = cur.batches.read(whole), cur.batches.read(part)
    assert (w["status"], w["n_revoked"], w["n_revoking"], w["n_published"]) == (
        rules.REVOKED,
        2,
        0,
        0,
    )
    assert (p["status"], p["n_revoked"], p["n_published"], p["n_users"]) == (
        rules.PARTIALLY_REVOKED,
        1,
        2,
        3,
    )
    assert not cur.publishing.has_revoke_work()
    assert not cur.publishing.has_queue()


def test_revoke_chunks_follow_queue_order_and_skip_paused_batches(small_world) -> None:
    cur = small_world
    first = published_batch(cur, [1, 2], name="First")
    second = published_batch(cur, [3, 4], quest=2, name="Second")
    request(cur, second, [3, 4])
    request(cur, first, [1, 2])

    assert cur.publishing.next_revoke_chunk(3).rows() == [
        (first, 1, QUEST),
        (first, 2, QUEST),
        (second, 3, 2),
    ]
    cur.transaction(lambda u: u.batches.set_paused(first, "ada"))
    assert set(cur.publishing.next_revoke_chunk(10)["batch_id"]) == {second}
    revoke_all(cur)
    assert set(statuses(cur, first).values()) == {"revoking"}
    assert not cur.publishing.has_revoke_work() and not cur.publishing.has_queue()

    cur.transaction(lambda u: u.batches.set_paused(first, None))
    assert cur.publishing.has_revoke_work()
    revoke_all(cur)
    assert cur.batches.read(first)["status"] == rules.REVOKED


def test_a_user_revoked_from_two_batches_of_one_chunk_loses_the_quest_once(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1], name="A")
    b = published_batch(cur, [1], name="B")
    request(cur, a, [1])
    request(cur, b, [1])

    gone = revoke_all(cur)

    assert gone.height == 1 and gone["batch_id"].to_list() == [a]
    assert unlock_of(cur, 1) == "none"
    kept = cur.execute(
        "SELECT batch_id, status, kept_by_batch FROM batch_users ORDER BY batch_id"
    ).fetchall()
    assert kept == [(a, "revoked", None), (b, "revoked", None)]


def test_a_revoked_user_can_be_unlocked_again_by_another_batch(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1], name="A")
    request(cur, a, [1])
    revoke_all(cur)

    b = published_batch(cur, [1], name="B")

    assert unlock_of(cur, 1) == b
    assert statuses(cur, b) == {1: "published"}


# --- re-adding, listing and matching revoked users --------------------------------------------


def test_re_adding_a_revoked_member_revives_it_as_unpublished(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2])
    request(cur, a, [1], reason="Oops")
    revoke_all(cur)

    def add(u):
        n = u.members.add(a, [1, 2, 3], "single", "dan")
        u.batches.requeue(a)
        u.batches.refresh_counts([a])
        return n

    assert cur.transaction(add) == 2  # 1 revived, 3 new; 2 is in it already

    row = cur.execute(
        "SELECT status, revoke_reason, revoked_by, revoke_requested_at, revoked_at, "
        "kept_by_batch, error_reason, processed_at, added_via, added_by "
        "FROM batch_users WHERE batch_id = ? AND user_id = 1",
        [a],
    ).fetchone()
    assert row == ("unpublished", None, None, None, None, None, None, None, "single", "dan")
    assert cur.members.count(a) == 3
    publish_all(cur)
    assert statuses(cur, a) == {1: "published", 2: "published", 3: "published"}
    assert unlock_of(cur, 1) == a
    assert cur.batches.read(a)["status"] == rules.PUBLISHED


def test_the_users_page_shows_and_filters_revoked_users_with_their_reason(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2, 3])
    request(cur, a, [1, 2], reason="Wrong quest", by="dan")
    cur.transaction(lambda u: u.publishing.record_revoke_chunk(u.publishing.next_revoke_chunk(1)))

    revoked = cur.members.page(a, "revoked", "", "user_id", False, 10, 0)
    revoking = cur.members.page(a, "revoking", "", "user_id", False, 10, 0)

    assert revoked["user_id"].to_list() == [1] and revoking["user_id"].to_list() == [2]
    for column in ("revoke_reason", "revoked_by", "revoked_at", "kept_by_batch"):
        assert column in revoked.columns
    assert revoked.row(0, named=True)["revoke_reason"] == "Wrong quest"
    assert revoked.row(0, named=True)["revoked_by"] == "dan"
    assert revoked.row(0, named=True)["revoked_at"] is not None
    assert cur.members.count_matching(a, "revoked", "") == 1
    by_status = cur.members.page(a, None, "", "status", False, 10, 0)
    assert by_status["user_id"].to_list() == [3, 2, 1]  # published, revoking, revoked


def test_matching_does_not_call_a_revoked_member_already_in_the_batch(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2])
    request(cur, a, [1])
    revoke_all(cur)
    keys = pl.DataFrame(
        {
            "row": [1, 2],
            "id_num": [1, 2],
            "username_norm": [None, None],
            "email_norm": [None, None],
            "filled": [1, 1],
        },
        schema={
            "row": pl.Int64,
            "id_num": pl.Int64,
            "username_norm": pl.String,
            "email_norm": pl.String,
            "filled": pl.Int64,
        },
    )
    cur.transaction(lambda u: u.matching.sync_index())

    found = cur.matching.match(keys, QUEST, a).sort("row")

    assert found["in_batch"].to_list() == [False, True]
    assert found["unlocked"].to_list() == [False, True]


@pytest.mark.parametrize("status", ["revoking", "revoked"])
def test_a_batchs_counters_count_revoking_and_revoked_users(small_world, status) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2])
    cur.execute("UPDATE batch_users SET status = ? WHERE batch_id = ? AND user_id = 1", [status, a])
    cur.transaction(lambda u: u.batches.refresh_counts([a]))
    row = cur.batches.read(a)
    assert (row["n_revoking"], row["n_revoked"], row["n_published"], row["n_users"]) == (
        (1, 0, 1, 2) if status == "revoking" else (0, 1, 1, 2)
    )
    expected = rules.derive_status(2, 0, 1, 0, row["n_revoking"], row["n_revoked"])
    assert row["status"] == expected
