"""Revokes still pending (issue 15 review), on every store: adding a user whose unlock a revoke
is about to delete, the progress of a second revoke, and a keeper that is itself revoking.

As tests/store/test_undo_store.py, through the store's chunk methods alone.
"""

from __future__ import annotations

import polars as pl
import pytest

from core.batches import rules
from core.batches.read_model import Batch
from core.batches.visibility import DraftScope
from core.history.view import BatchFilter
from tests.store.test_undo_store import (
    QUEST,
    categories,
    publish_all,
    published_batch,
    queue_batch,
    request,
    revoke_all,
    unlock_of,
)
from tests.support.publish import assert_consistent, make_batch, statuses


def match_one(cur, user_id: int, batch_id: int) -> dict:
    """The matching port's hit for one upload row holding the User ID."""
    keys = pl.DataFrame(
        {"row": [1], "id_num": [user_id], "username_norm": [None], "email_norm": [None]},
        schema={
            "row": pl.Int64,
            "id_num": pl.Int64,
            "username_norm": pl.String,
            "email_norm": pl.String,
        },
    )
    cur.transaction(lambda u: u.matching.sync_index())
    return cur.matching.match(keys, QUEST, batch_id).row(0, named=True)


def kept_by(cur, batch_id: int, user_id: int):
    return cur.execute(
        "SELECT status, kept_by_batch FROM batch_users WHERE batch_id = ? AND user_id = ?",
        [batch_id, user_id],
    ).fetchone()


# --- adding a user whose revoke is pending ----------------------------------------------------


def test_an_unlock_held_by_another_batch_still_counts_as_held(small_world) -> None:
    cur = small_world
    published_batch(cur, [1], name="A")
    b = make_batch(cur, [2], name="B")
    assert match_one(cur, 1, b)["unlocked"] is True


@pytest.mark.parametrize("first", ["revoke", "publish"])
def test_a_user_revoking_elsewhere_can_be_added_and_ends_holding_the_quest_from_the_new_batch(
    small_world, first
) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2], name="A")
    request(cur, a, [1])
    b = make_batch(cur, [3], name="B")

    # A's pending revoke will delete the unlock: it is not "already unlocked" for B.
    hit = match_one(cur, 1, b)
    assert (hit["in_batch"], hit["unlocked"]) == (False, False)
    cur.transaction(lambda u: u.members.add(b, [1], "single", "dan"))
    queue_batch(cur, b)

    if first == "revoke":
        revoke_all(cur)
        assert unlock_of(cur, 1) == "none"
        publish_all(cur)
        assert kept_by(cur, a, 1) == ("revoked", None)
    else:
        publish_all(cur)
        assert unlock_of(cur, 1) == a  # B found it held: "Published" without a new unlock
        revoke_all(cur)
        assert kept_by(cur, a, 1) == ("revoked", b)  # A's revoke handed it to B

    assert unlock_of(cur, 1) == b
    assert statuses(cur, b) == {1: "published", 3: "published"}
    assert cur.batches.read(a)["status"] == rules.PARTIALLY_REVOKED
    assert_consistent(cur)


# --- the progress of a second revoke ----------------------------------------------------------


def test_a_second_revoke_counts_its_progress_from_zero(small_world) -> None:
    cur = small_world
    a = published_batch(cur, [1, 2, 3], name="A")
    request(cur, a, [2, 3])
    revoke_all(cur)
    assert cur.batches.read(a)["revoked_before"] == 0

    request(cur, a, [1])

    row = cur.batches.read(a)
    assert (row["status"], row["n_revoking"], row["n_revoked"], row["revoked_before"]) == (
        rules.REVOKING,
        1,
        2,
        2,
    )
    assert Batch(**row).progress == 0
    assert Batch(**row).status_label == "Revoking (0%)"
    listed = cur.history.page(BatchFilter(), DraftScope("admin", True), "UTC", 25, 0)
    assert listed[0].filter(pl.col("id") == a)["progress"].to_list() == [0]

    revoke_all(cur)
    row = cur.batches.read(a)
    assert (row["status"], Batch(**row).progress) == (rules.REVOKED, 100)
    assert_consistent(cur)


# --- a keeper that is itself revoking ---------------------------------------------------------


def test_a_batch_revoking_the_unlock_keeps_nobodys_quest(small_world) -> None:
    cur = small_world
    x = published_batch(cur, [1], name="X")  # X holds 1's unlock
    a = published_batch(cur, [1, 2], name="A")  # A has 1 "Published" on X's unlock
    assert categories(cur, a, [1])[1] == ("kept_from_other_batch", "published", x)

    request(cur, x, [1])

    # X takes its unlock back: A's revoke of 1 takes the quest away.
    assert categories(cur, a, [1])[1] == ("revoke", "published", None)


def test_a_batch_that_revoked_the_unlock_keeps_nobodys_quest_either(small_world) -> None:
    cur = small_world
    x = published_batch(cur, [1], name="X")
    a = published_batch(cur, [1], name="A")
    c = published_batch(cur, [1], name="C")  # C too has 1 "Published": it keeps the quest
    request(cur, x, [1])
    assert categories(cur, a, [1])[1] == ("kept_from_other_batch", "published", c)


@pytest.mark.parametrize("x_first", [False, True])
def test_revoking_a_user_whose_unlock_another_revoke_takes_leaves_no_unlock(
    small_world, x_first
) -> None:
    cur = small_world
    x = published_batch(cur, [1], name="X")
    a = published_batch(cur, [1, 2], name="A")
    request(cur, x, [1])
    request(cur, a, [1])
    # Hold back the batch that goes second, so each order has chunks of its own.
    later = a if x_first else x
    cur.transaction(lambda u: u.batches.set_paused(later, "ada"))
    revoke_all(cur)
    if not x_first:
        # A marks 1 revoked, kept by nobody, and leaves X's unlock for X's own chunk.
        assert kept_by(cur, a, 1) == ("revoked", None)
        assert unlock_of(cur, 1) == x
    cur.transaction(lambda u: u.batches.set_paused(later, None))
    revoke_all(cur)

    assert unlock_of(cur, 1) == "none"
    assert kept_by(cur, a, 1) == ("revoked", None)
    assert kept_by(cur, x, 1) == ("revoked", None)
    records = cur.execute("SELECT user_id, batch_id FROM revocations").fetchall()
    assert records == [(1, x)]
    assert cur.batches.read(a)["status"] == rules.PARTIALLY_REVOKED
    assert cur.batches.read(x)["status"] == rules.REVOKED
    assert_consistent(cur)
