"""Undo end to end on each store (issue 15): cancel and publish again, pause and resume while
other batches go on, revoke all or some through the publisher's chunks, kept from another batch,
re-adding after a revoke, and the publisher-wide pause."""

from __future__ import annotations

import csv
import io
import time

import pytest

from core import words
from core.access.roles import Account, Role
from core.audit import Action, entries
from core.batches import matching, members, rules
from core.batches.read_model import get_batch, list_drafts
from core.errors import InputError
from core.history import audit_sentences
from core.publishing import (
    actions,
    publisher_pause,
    queue,
    undo,
    unlocking,
    worker,
    worker_thread,
)
from core.publishing.revoking import (
    KEPT,
    NOT_IN_BATCH,
    NOT_UNLOCKED,
    REVOKE,
    RevokeTarget,
    preview_revoke,
    revoke,
)
from tests.support.batches import upload
from tests.support.publish import (
    add_users,
    assert_counters_match_the_users,
    batch_status,
    make_batch,
    statuses,
    unlock_owners,
)

ADMIN = Account("ada", Role.ADMIN)
DEV = Account("dan", Role.DEV)
ANALYST = Account("ann", Role.ANALYST)


def published_batch(cur, users, quest_id: int = 1, name: str = "Test batch") -> int:
    """A batch whose users are all processed (Published unless they already held the quest)."""
    batch = make_batch(cur, users, quest_id=quest_id, name=name)
    actions.publish(cur, ADMIN, batch)
    worker.run_until_empty(cur)
    return batch


# --- cancel ------------------------------------------------------------------------------------


def test_a_cancelled_batch_is_a_draft_again_and_can_be_published_again(small_world):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3], created_by="dan")
    actions.publish(cur, DEV, batch)
    assert queue.position(cur, batch) == 1

    outcome = undo.cancel(cur, DEV, batch, expected=get_batch(cur, batch, DEV).version)

    assert outcome.status == batch_status(cur, batch) == rules.DRAFT
    assert queue.position(cur, batch) is None and not queue.anything_queued(cur)
    assert set(statuses(cur, batch).values()) == {rules.UNPUBLISHED}
    assert batch in list_drafts(cur, DEV)["id"].to_list()
    assert entries(cur, batch)["action"][0] == Action.BATCH_CANCELLED
    assert unlocking.process_once(cur).empty  # nothing of it is taken any more

    actions.publish(cur, DEV, batch)
    report = worker.run_until_empty(cur)

    assert report.published == 3 and batch_status(cur, batch) == rules.PUBLISHED
    assert_counters_match_the_users(cur)


def test_a_batch_the_publisher_has_started_cannot_be_cancelled(small_world):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3])
    actions.publish(cur, ADMIN, batch)
    unlocking.process_once(cur, 1)

    with pytest.raises(InputError, match="already unlocked"):
        undo.cancel(cur, ADMIN, batch)
    assert batch_status(cur, batch) == rules.IN_PROGRESS


# --- pause and resume --------------------------------------------------------------------------


def test_a_paused_batch_is_skipped_while_others_go_on_and_finishes_once_resumed(small_world):
    cur = small_world
    paused = make_batch(cur, range(1, 7), quest_id=1, name="Paused")
    actions.publish(cur, ADMIN, paused)
    unlocking.process_once(cur, 2)
    undo.pause(cur, DEV, paused)
    other = make_batch(cur, [1, 2, 3], quest_id=2, name="Other")
    actions.publish(cur, ADMIN, other)

    report = worker.run_until_empty(cur)  # returns: only a paused batch is left

    assert report.processed == 3 and batch_status(cur, other) == rules.PUBLISHED
    assert sorted(statuses(cur, paused).values()).count(rules.PUBLISHED) == 2
    assert unlocking.process_once(cur).empty
    listed = queue.queued_batches(cur)
    assert listed.select("id", "position", "paused").rows() == [(paused, 1, True)]
    batch = get_batch(cur, paused, DEV)
    assert batch.is_paused and batch.status_label == f"{words.IN_PROGRESS} (33%) · {words.PAUSED}"

    undo.resume(cur, DEV, paused)
    report = worker.run_until_empty(cur)

    assert report.processed == 4 and batch_status(cur, paused) == rules.PUBLISHED
    assert [a for a in entries(cur, paused)["action"]][:2] == [
        Action.BATCH_RESUMED,
        Action.BATCH_PAUSED,
    ]
    assert_counters_match_the_users(cur)


def test_a_pause_survives_reopening_the_unit_of_work(con, small_world):
    cur = small_world
    batch = make_batch(cur, range(1, 5))
    actions.publish(cur, ADMIN, batch)
    unlocking.process_once(cur, 1)
    undo.pause(cur, ADMIN, batch)

    fresh = con.cursor()
    assert get_batch(fresh, batch, ADMIN).is_paused
    assert unlocking.process_once(fresh).empty


def test_the_publisher_wide_pause_stops_every_chunk_until_an_admin_resumes_it(small_world):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3])
    actions.publish(cur, ADMIN, batch)
    publisher_pause.pause_publisher(cur, ADMIN)

    chunk = unlocking.process_once(cur)
    report = worker.run_until_empty(cur)

    assert chunk.paused_publisher and report.processed == 0
    assert batch_status(cur, batch) == rules.UNPUBLISHED
    pause = publisher_pause.publisher_pause(cur)
    assert pause is not None and pause.by == "ada"

    publisher_pause.resume_publisher(cur, ADMIN)
    assert worker.run_until_empty(cur).processed == 3
    assert batch_status(cur, batch) == rules.PUBLISHED
    log = [a for a in entries(cur)["action"] if a.startswith("publisher")]
    assert log == [Action.PUBLISHER_RESUMED, Action.PUBLISHER_PAUSED]


# --- revoke ------------------------------------------------------------------------------------


def test_revoking_every_user_goes_through_the_chunks_and_ends_revoked(small_world):
    cur = small_world
    batch = published_batch(cur, range(1, 7))
    untouched = published_batch(cur, [1, 2], quest_id=2, name="Other quest")

    outcome = revoke(cur, DEV, batch, RevokeTarget(all_users=True), "Wrong quest picked")

    assert (outcome.requested, outcome.kept, outcome.status) == (6, 0, rules.REVOKING)
    assert set(statuses(cur, batch).values()) == {rules.USER_REVOKING}
    first = unlocking.process_once(cur, 4)
    assert (first.processed, first.revoked, first.kept) == (4, 4, 0)
    running = get_batch(cur, batch, DEV)
    assert running.status == rules.REVOKING and running.progress == 66
    assert len(unlock_owners(cur)) == 2
    second = unlocking.process_once(cur, 4)

    assert second.revoked == 2 and second.finished == (batch,)
    assert batch_status(cur, batch) == rules.REVOKED
    assert unlock_owners(cur) == {} and unlock_owners(cur, 2) == {1: untouched, 2: untouched}
    assert set(statuses(cur, batch).values()) == {rules.USER_REVOKED}
    kept = cur.execute(
        "SELECT DISTINCT reason, revoked_by FROM revocations WHERE batch_id = ?", [batch]
    ).fetchall()
    assert kept == [("Wrong quest picked", "dan")]
    users = cur.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ? AND revoked_at IS NOT NULL "
        "AND revoke_reason = 'Wrong quest picked' AND kept_by_batch IS NULL",
        [batch],
    ).fetchone()
    assert users == (6,)
    assert entries(cur, batch)["detail"][0] == "6 user(s): Wrong quest picked"
    assert_counters_match_the_users(cur)


def test_revoking_some_users_leaves_the_batch_partially_revoked(small_world):
    cur = small_world
    batch = published_batch(cur, range(1, 7))

    revoke(cur, ADMIN, batch, RevokeTarget(user_ids=(2, 5)), "Asked to leave")
    worker.run_until_empty(cur)

    assert batch_status(cur, batch) == rules.PARTIALLY_REVOKED
    assert sorted(unlock_owners(cur)) == [1, 3, 4, 6]
    assert {u for u, s in statuses(cur, batch).items() if s == rules.USER_REVOKED} == {2, 5}
    summary = get_batch(cur, batch, ADMIN)
    assert (summary.n_published, summary.n_revoked, summary.progress) == (4, 2, 100)
    listed = members.all_members(cur, ANALYST, batch, status="Revoked")
    assert listed.select("user_id", "revoke_reason", "revoked_by").rows() == [
        (2, "Asked to leave", "ada"),
        (5, "Asked to leave", "ada"),
    ]
    text = members.members_csv(cur, ANALYST, batch).decode("utf-8-sig")
    by_user = {r[words.USER_ID]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert by_user["2"][words.STATUS] == words.REVOKED
    assert (by_user["2"][members.REVOKE_REASON], by_user["2"][members.REVOKED_BY]) == (
        "Asked to leave",
        "ada",
    )
    assert by_user["2"][members.REVOKED_AT] != "" and by_user["1"][members.REVOKED_AT] == ""
    assert_counters_match_the_users(cur)


def test_a_user_who_also_holds_the_quest_from_another_batch_keeps_it(small_world):
    cur = small_world
    first = published_batch(cur, [1, 2, 3, 4], name="First")
    second = published_batch(cur, [3, 4, 5], name="Second")  # 3 and 4 already held it
    assert unlock_owners(cur) == {1: first, 2: first, 3: first, 4: first, 5: second}

    preview = preview_revoke(cur, ADMIN, first, RevokeTarget(all_users=True))

    assert preview.counts == {REVOKE: 2, NOT_IN_BATCH: 0, NOT_UNLOCKED: 0, KEPT: 2}
    assert preview.question == (
        "Revoke Explorer › Visit 10 pages from 2 users? "
        "2 also hold it from other batches and keep it."
    )
    kept = preview.details.filter(preview.details["category"] == KEPT)
    assert kept["user_id"].to_list() == [3, 4]
    assert (
        kept["message"].to_list() == [f"Keeps the badge quest: batch {second} unlocked it too"] * 2
    )
    assert preview.details["username"].to_list() == ["user1", "user2", "user3", "user4"]

    revoke(cur, ADMIN, first, RevokeTarget(all_users=True), "Duplicate award")
    report = worker.run_until_empty(cur)

    assert (report.revoked, report.kept) == (2, 2)
    # The unlocks of 3 and 4 are handed to the batch that still has them Published.
    assert unlock_owners(cur) == {3: second, 4: second, 5: second}
    kept_by = cur.execute(
        "SELECT user_id, kept_by_batch FROM batch_users WHERE batch_id = ? ORDER BY user_id",
        [first],
    ).fetchall()
    assert kept_by == [(1, None), (2, None), (3, second), (4, second)]
    assert batch_status(cur, first) == rules.REVOKED
    assert set(statuses(cur, second).values()) == {rules.PUBLISHED}
    revoked_rows = cur.execute("SELECT count(*) FROM revocations").fetchone()
    assert revoked_rows == (2,)  # a kept unlock is never deleted
    assert_counters_match_the_users(cur)


def test_revoking_the_later_batch_leaves_the_earlier_batchs_unlock_alone(small_world):
    cur = small_world
    first = published_batch(cur, [1, 2], name="First")
    second = published_batch(cur, [2, 3], name="Second")

    revoke(cur, ADMIN, second, RevokeTarget(all_users=True), "Second was a mistake")
    worker.run_until_empty(cur)

    assert unlock_owners(cur) == {1: first, 2: first}
    assert statuses(cur, second) == {2: rules.USER_REVOKED, 3: rules.USER_REVOKED}
    assert_counters_match_the_users(cur)


def test_a_csv_of_revokes_is_matched_like_an_upload_with_a_row_by_row_preview(small_world):
    cur = small_world
    batch = published_batch(cur, [1, 2, 3, 4])
    published_batch(cur, [5], name="Other")
    listed = upload("ID;Username\n1;\n;user2\n99;\n1;\n5;\n;nobody\n", "revokes.csv")

    preview = preview_revoke(cur, DEV, batch, RevokeTarget(upload=listed))

    assert preview.counts == {REVOKE: 2, NOT_IN_BATCH: 3, NOT_UNLOCKED: 0, KEPT: 0}
    assert preview.user_ids == (1, 2)
    rows = {r["row"]: r for r in preview.details.iter_rows(named=True)}
    assert sorted(rows) == [2, 3, 4, 5, 6, 7]
    assert (rows[2]["category"], rows[2]["message"]) == (REVOKE, "Will be revoked")
    assert rows[3]["username"] == "user2" and rows[3]["category"] == REVOKE
    assert rows[4]["user_id"] is None and rows[4]["message"] == words.MSG_NOT_FOUND
    assert rows[5]["message"] == words.MSG_DUPLICATE  # merged into row 2
    assert (rows[5]["user_id"], rows[5]["category"]) == (1, REVOKE)  # its user's category
    assert (rows[6]["category"], rows[6]["message"]) == (NOT_IN_BATCH, "Not in this batch")

    outcome = revoke(cur, DEV, batch, RevokeTarget(upload=listed), "Listed by support")

    assert outcome.requested == 2
    assert statuses(cur, batch) == {
        1: rules.USER_REVOKING,
        2: rules.USER_REVOKING,
        3: rules.PUBLISHED,
        4: rules.PUBLISHED,
    }


def test_a_user_id_no_platform_user_has_is_said_not_found_and_counted_not_in_the_batch(
    small_world,
):
    cur = small_world
    batch = published_batch(cur, [1, 2])

    preview = preview_revoke(cur, DEV, batch, RevokeTarget(user_ids=(1, 3, 987654)))

    assert preview.counts == {REVOKE: 1, NOT_IN_BATCH: 2, NOT_UNLOCKED: 0, KEPT: 0}
    said = dict(preview.details.select("user_id", "message").iter_rows())
    assert said == {1: "Will be revoked", 3: "Not in this batch", 987654: words.MSG_MISMATCH}


def test_adding_to_a_batch_that_takes_no_users_says_which_statuses_do(small_world):
    cur = small_world
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, ADMIN, batch)  # queued: takes no users until it has finished

    with pytest.raises(InputError) as refused:
        add_users(cur, batch, [3])

    assert str(refused.value) == (
        f"{words.ADD_REQUIRES_PUBLISHED} A “Revoked” or “Partially revoked” batch takes users too."
    )


def test_one_user_is_found_by_user_id_or_username_as_the_single_tool_finds_them(small_world):
    cur = small_world
    batch = published_batch(cur, [1, 2, 3])

    by_id = preview_revoke(cur, DEV, batch, RevokeTarget(lookup="3"))
    by_name = preview_revoke(cur, DEV, batch, RevokeTarget(lookup=" USER2 "))

    assert (by_id.user_ids, by_name.user_ids) == ((3,), (2,))
    with pytest.raises(InputError, match="No user has the User ID or username “ghost”"):
        preview_revoke(cur, DEV, batch, RevokeTarget(lookup="ghost"))


def test_a_revoked_user_can_be_added_again_and_is_unlocked_again(small_world):
    cur = small_world
    batch = published_batch(cur, [1, 2, 3])
    revoke(cur, ADMIN, batch, RevokeTarget(user_ids=(1, 2)), "Too early")
    worker.run_until_empty(cur)
    assert batch_status(cur, batch) == rules.PARTIALLY_REVOKED

    matching.sync_user_index(cur)
    rows = matching.preview(cur, upload("ID\n1\n3\n"), 1, batch).rows
    assert rows["status"].to_list() == ["ok", "already_in_batch"]
    assert add_users(cur, batch, [1]) == 1

    assert statuses(cur, batch)[1] == rules.UNPUBLISHED
    assert queue.position(cur, batch) == 1
    worker.run_until_empty(cur)
    assert statuses(cur, batch) == {1: "published", 2: "revoked", 3: "published"}
    assert sorted(unlock_owners(cur)) == [1, 3]
    # Another batch may unlock a revoked user as usual.
    other = published_batch(cur, [2], name="Later")
    assert unlock_owners(cur)[2] == other
    assert_counters_match_the_users(cur)


def test_a_paused_revoke_is_skipped_and_finishes_once_resumed(small_world):
    cur = small_world
    batch = published_batch(cur, range(1, 7))
    revoke(cur, ADMIN, batch, RevokeTarget(all_users=True), "Mistake")
    unlocking.process_once(cur, 2)
    undo.pause(cur, ADMIN, batch)
    other = make_batch(cur, [1, 2], quest_id=2)
    actions.publish(cur, ADMIN, other)

    assert worker.run_until_empty(cur).processed == 2  # the other batch only
    assert batch_status(cur, batch) == rules.REVOKING
    assert get_batch(cur, batch, ADMIN).status_label == f"{words.REVOKING} (33%) · {words.PAUSED}"
    assert len(unlock_owners(cur)) == 4

    undo.resume(cur, ADMIN, batch)
    assert worker.run_until_empty(cur).revoked == 4
    assert batch_status(cur, batch) == rules.REVOKED
    assert_counters_match_the_users(cur)


def test_a_revoke_of_users_none_of_whom_the_batch_unlocked_writes_nothing(small_world):
    cur = small_world
    batch = published_batch(cur, [1, 2])
    version = get_batch(cur, batch, ADMIN).version

    with pytest.raises(InputError, match="None of the chosen users"):
        revoke(cur, ADMIN, batch, RevokeTarget(user_ids=(7, 8)), "Mistake")

    assert get_batch(cur, batch, ADMIN).version == version
    assert set(statuses(cur, batch).values()) == {rules.PUBLISHED}
    assert entries(cur, batch)["action"][0] == Action.BATCH_PUBLISHED


def _wait_for(condition, seconds: float = 20.0) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, "timed out"
        time.sleep(0.02)


def test_the_background_publisher_idles_while_paused_and_goes_on_once_resumed(con, small_world):
    cur = small_world
    batch = make_batch(cur, range(1, 10))
    chunks: list[unlocking.ChunkReport] = []
    background = worker_thread.Worker(
        con, rate=0, chunk_size=3, max_chunk=3, on_chunk=chunks.append
    )
    actions.publish(cur, ADMIN, batch)
    unlocking.process_once(cur, 3)
    undo.pause(cur, ADMIN, batch)
    background.start()
    try:
        background.wake()
        time.sleep(0.3)  # time for several chunks, had it not been paused
        assert chunks == [] and background.status().stalled_since is None

        publisher_pause.pause_publisher(cur, ADMIN)
        undo.resume(cur, ADMIN, batch)
        background.wake()
        time.sleep(0.3)
        assert chunks == []  # the whole publisher is still paused

        publisher_pause.resume_publisher(cur, ADMIN)
        background.wake()
        _wait_for(lambda: batch_status(cur, batch) == rules.PUBLISHED)
    finally:
        background.stop()
    assert [c.processed for c in chunks] == [3, 3]
    assert_counters_match_the_users(cur)


def test_every_undo_entry_of_the_history_reads_as_a_sentence_in_words(small_world):
    cur = small_world
    batch = make_batch(cur, range(1, 5), name="Spring")
    actions.publish(cur, ADMIN, batch)
    undo.cancel(cur, ADMIN, batch)
    actions.publish(cur, ADMIN, batch)
    unlocking.process_once(cur, 1)
    undo.pause(cur, DEV, batch)
    undo.resume(cur, DEV, batch)
    worker.run_until_empty(cur)
    revoke(cur, DEV, batch, RevokeTarget(user_ids=(1, 2)), "Wrong badge")
    publisher_pause.pause_publisher(cur, ADMIN)
    publisher_pause.resume_publisher(cur, ADMIN)

    log = entries(cur)
    said = [
        audit_sentences.sentence(a, d) for a, d in zip(log["action"], log["detail"], strict=True)
    ]

    assert said[:7] == [
        "Resumed the publisher: queued batches go on where they stopped.",
        "Paused the publisher: no batch is published or revoked until it is resumed.",
        "Asked to revoke the badge quest from 2 users: “Wrong badge”.",
        "Resumed at 25%, with 3 users still waiting.",
        "Paused at 25%, with 3 users still waiting.",
        "Published: 4 users queued to be unlocked.",
        "Cancelled publishing: “Spring” left the queue and is a draft again, with 4 users.",
    ]
