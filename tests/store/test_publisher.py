"""The publisher's status machine: every batch and user transition the spec names."""

from __future__ import annotations

import threading
import time

import pytest

from core import audit, words
from core.audit import Action
from core.errors import InputError, NotFound, PermissionDenied
from core.publishing import (
    actions,
    batch_report,
    failure_rule,
    publish_rate,
    queue,
    retry,
    throttle,
    unlocking,
    worker,
    worker_thread,
)
from tests.support.publish import (
    add_users,
    assert_consistent,
    batch_status,
    make_batch,
    statuses,
)

ACTIVE = range(1, 10)  # small_world: users 1-9 are active, user 10 is not.


def unlock_count(cur, quest_id: int = 1) -> int:
    return cur.execute("SELECT count(*) FROM unlocks WHERE quest_id = ?", [quest_id]).fetchone()[0]


@pytest.mark.slow
def test_publishing_a_draft_queues_it_as_unpublished_with_its_place_in_the_queue(
    small_world, accounts
):
    cur = small_world
    first = make_batch(cur, [1, 2])
    second = make_batch(cur, [3, 4, 5])

    a = actions.publish(cur, accounts["admin"], first)
    b = actions.publish(cur, accounts["admin"], second)

    assert (a.status, a.changed, a.position, a.users) == ("unpublished", True, 1, 2)
    assert (b.status, b.position) == ("unpublished", 2)
    assert "2nd in the queue" in b.message
    assert queue.position(cur, second) == 2
    assert batch_report.batch_summary(cur, second)["status"] == words.UNPUBLISHED
    assert set(statuses(cur, second).values()) == {"unpublished"}
    assert unlock_count(cur) == 0


@pytest.mark.slow
def test_a_batch_published_with_zero_users_is_published_at_once(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [])

    outcome = actions.publish(cur, accounts["admin"], batch)

    assert outcome.status == "published" and outcome.position is None
    assert "Published" in outcome.message
    summary = batch_report.batch_summary(cur, batch)
    assert (summary["status"], summary["progress"], summary["users"]) == (words.PUBLISHED, 100, 0)
    assert queue.position(cur, batch) is None
    assert unlocking.process_once(cur).empty


@pytest.mark.slow
def test_the_worker_moves_a_batch_through_in_progress_to_published(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3, 4])
    actions.publish(cur, accounts["admin"], batch)

    first = unlocking.process_once(cur, limit=1)
    summary = batch_report.batch_summary(cur, batch)
    assert first.processed == 1 and first.batch_ids == (batch,)
    assert (summary["status"], summary["progress"]) == (words.IN_PROGRESS, 25)
    assert summary["counts"] == {
        words.UNPUBLISHED: 3,
        words.IN_PROGRESS: 0,
        words.PUBLISHED: 1,
        words.ERROR: 0,
        words.REVOKING: 0,
        words.REVOKED: 0,
    }

    rest = worker.run_until_empty(cur, chunk_size=2)
    assert rest.processed == 3 and rest.finished == [batch]
    summary = batch_report.batch_summary(cur, batch)
    assert (summary["status"], summary["progress"]) == (words.PUBLISHED, 100)
    assert set(statuses(cur, batch).values()) == {"published"}
    assert unlock_count(cur) == 4
    assert_consistent(cur)


@pytest.mark.slow
def test_a_batch_with_a_deactivated_user_ends_partially_published_with_the_reason(
    small_world, accounts
):
    cur = small_world
    batch = make_batch(cur, [1, 2, 10])
    actions.publish(cur, accounts["admin"], batch)

    report = worker.run_until_empty(cur)

    assert (report.published, report.errors) == (2, 1)
    assert batch_report.batch_summary(cur, batch)["status"] == words.PARTIALLY_PUBLISHED
    assert statuses(cur, batch) == {1: "published", 2: "published", 10: "error"}
    assert batch_report.error_reasons(cur, batch) == [(failure_rule.REASONS["inactive"], 1)]
    assert unlock_count(cur) == 2
    assert_consistent(cur)


@pytest.mark.slow
def test_a_user_deleted_from_the_platform_after_being_added_ends_in_error(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, accounts["admin"], batch)
    cur.execute("DELETE FROM platform_users WHERE id = 2")

    worker.run_until_empty(cur)

    assert statuses(cur, batch) == {1: "published", 2: "error"}
    assert batch_report.error_reasons(cur, batch) == [(failure_rule.REASONS["deleted"], 1)]
    assert_consistent(cur)


@pytest.mark.slow
def test_archiving_the_quest_or_badge_while_queued_puts_the_remaining_users_in_error(
    small_world, accounts
):
    cur = small_world
    by_quest = make_batch(cur, [1, 2, 3], quest_id=2)
    by_badge = make_batch(cur, [1, 2], quest_id=3)
    actions.publish(cur, accounts["admin"], by_quest)
    actions.publish(cur, accounts["admin"], by_badge)
    unlocking.process_once(cur, limit=1)  # user 1 of the first batch is unlocked before archiving
    cur.execute("UPDATE quests SET archived = TRUE WHERE id = 2")
    cur.execute("UPDATE badges SET archived = TRUE WHERE id = 2")

    worker.run_until_empty(cur)

    assert statuses(cur, by_quest) == {1: "published", 2: "error", 3: "error"}
    assert batch_report.error_reasons(cur, by_quest) == [
        (failure_rule.REASONS["quest_archived"], 2)
    ]
    assert batch_report.error_reasons(cur, by_badge) == [
        (failure_rule.REASONS["badge_archived"], 2)
    ]
    assert batch_status(cur, by_quest) == batch_status(cur, by_badge) == "partially_published"
    assert_consistent(cur)


@pytest.mark.slow
def test_a_batch_whose_users_all_fail_is_partially_published_with_no_unlock(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [10])
    assert add_users(cur, batch, [9]) == 1
    cur.execute("DELETE FROM platform_users WHERE id = 9")  # after being added
    actions.publish(cur, accounts["admin"], batch)

    worker.run_until_empty(cur)

    summary = batch_report.batch_summary(cur, batch)
    assert (summary["status"], summary["progress"]) == (words.PARTIALLY_PUBLISHED, 100)
    assert summary["counts"][words.ERROR] == 2 and summary["counts"][words.PUBLISHED] == 0
    assert unlock_count(cur) == 0
    assert_consistent(cur)


@pytest.mark.slow
def test_a_user_who_already_holds_the_quest_ends_published_without_a_second_unlock(
    small_world, accounts
):
    cur = small_world
    earlier = make_batch(cur, [1, 2], name="Earlier")
    actions.publish(cur, accounts["admin"], earlier)
    worker.run_until_empty(cur)
    later = make_batch(cur, [2, 3], name="Later")
    actions.publish(cur, accounts["admin"], later)

    report = worker.run_until_empty(cur)

    assert (report.published, report.already_held) == (2, 1)
    assert statuses(cur, later) == {2: "published", 3: "published"}
    credited = dict(cur.execute("SELECT user_id, batch_id FROM unlocks").fetchall())
    assert credited == {1: earlier, 2: earlier, 3: later}
    assert_consistent(cur)


@pytest.mark.slow
def test_a_user_in_two_queued_batches_of_one_quest_is_unlocked_once_for_the_earlier_batch(
    small_world, accounts
):
    cur = small_world
    first = make_batch(cur, [1, 2])
    second = make_batch(cur, [2, 3])
    actions.publish(cur, accounts["admin"], first)
    actions.publish(cur, accounts["admin"], second)

    chunk = unlocking.process_once(cur, limit=10)  # both batches in one chunk

    assert chunk.batch_ids == (first, second) and chunk.finished == (first, second)
    assert chunk.already_held == 1
    credited = dict(cur.execute("SELECT user_id, batch_id FROM unlocks").fetchall())
    assert credited == {1: first, 2: first, 3: second}
    assert_consistent(cur)


@pytest.mark.slow
def test_batches_are_processed_in_publishing_order_not_in_id_order(small_world, accounts):
    cur = small_world
    older_id = make_batch(cur, [1, 2, 3])
    newer_id = make_batch(cur, [4, 5, 6])
    actions.publish(cur, accounts["admin"], newer_id)
    actions.publish(cur, accounts["admin"], older_id)

    chunk = unlocking.process_once(cur, limit=4)

    assert chunk.finished == (newer_id,)
    assert batch_status(cur, older_id) == "in_progress"
    assert queue.queued_batches(cur)["id"].to_list() == [older_id]


@pytest.mark.slow
def test_one_chunk_spans_several_batches_in_queue_order(small_world, accounts):
    cur = small_world
    ids = [make_batch(cur, [i, i + 1, i + 2], quest_id=1 + i % 3) for i in (1, 4, 7)]
    for batch in ids:
        actions.publish(cur, accounts["admin"], batch)

    chunk = unlocking.process_once(cur, limit=7)

    assert chunk.processed == 7 and chunk.batch_ids == tuple(ids)
    assert [batch_status(cur, b) for b in ids] == ["published", "published", "in_progress"]
    assert batch_report.batch_summary(cur, ids[2])["progress"] == 33
    assert_consistent(cur)


@pytest.mark.slow
def test_the_queue_lists_waiting_batches_with_place_progress_and_pending_users(
    small_world, accounts
):
    cur = small_world
    first = make_batch(cur, [1, 2, 3, 4])
    second = make_batch(cur, [5, 6])
    make_batch(cur, [7])  # a draft is not in the queue
    actions.publish(cur, accounts["admin"], first)
    actions.publish(cur, accounts["admin"], second)
    unlocking.process_once(cur, limit=1)

    rows = queue.queued_batches(cur).select("position", "id", "status", "progress", "pending")

    assert rows.rows() == [(1, first, "in_progress", 25, 3), (2, second, "unpublished", 0, 2)]
    assert queue.anything_queued(cur)
    worker.run_until_empty(cur)
    assert not queue.anything_queued(cur)
    assert queue.queued_batches(cur).is_empty()


@pytest.mark.slow
def test_retry_errors_requeues_only_the_users_in_error_and_they_publish_once_reactivated(
    small_world, accounts
):
    cur = small_world
    batch = make_batch(cur, [1, 2, 10])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 10")

    requeued = retry.retry_errors(cur, accounts["dev"], batch)

    assert requeued == 1
    assert statuses(cur, batch) == {1: "published", 2: "published", 10: "unpublished"}
    assert batch_status(cur, batch) == "in_progress"  # 2 of 3 were already published
    assert queue.position(cur, batch) == 1
    assert cur.execute("SELECT error_reason FROM batch_users WHERE user_id = 10").fetchone() == (
        None,
    )
    report = worker.run_until_empty(cur)
    assert report.processed == 1
    assert batch_status(cur, batch) == "published"
    assert unlock_count(cur) == 3
    assert_consistent(cur)


@pytest.mark.slow
def test_retrying_a_batch_whose_users_all_failed_makes_it_unpublished_again(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [10])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)

    retry.retry_errors(cur, accounts["admin"], batch)
    assert batch_status(cur, batch) == "unpublished"
    worker.run_until_empty(cur)  # still inactive: back to "Partially published"

    assert batch_status(cur, batch) == "partially_published"
    assert_consistent(cur)


@pytest.mark.slow
@pytest.mark.parametrize("state", ["draft", "queued", "published"])
def test_retry_errors_refuses_a_batch_without_users_in_error(small_world, accounts, state):
    cur = small_world
    batch = make_batch(cur, [1])
    if state != "draft":
        actions.publish(cur, accounts["admin"], batch)
    if state == "published":
        worker.run_until_empty(cur)

    with pytest.raises(InputError, match="only a finished batch with users in “Error”"):
        retry.retry_errors(cur, accounts["admin"], batch)


@pytest.mark.slow
def test_adding_users_to_a_published_batch_queues_it_again_and_processes_only_the_new_ones(
    small_world, accounts
):
    cur = small_world
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)

    assert add_users(cur, batch, [3, 4]) == 2
    assert queue.position(cur, batch) == 1
    outcome = actions.publish(cur, accounts["admin"], batch)  # "Publish" on the edited batch
    report = worker.run_until_empty(cur)

    assert not outcome.changed
    assert report.processed == 2
    assert batch_status(cur, batch) == "published"
    assert unlock_count(cur) == 4
    assert_consistent(cur)


@pytest.mark.slow
def test_publishing_a_published_batch_with_users_left_unpublished_queues_it(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)
    # An edit that added users without queueing the batch (the contract asks callers to queue).
    cur.execute(
        "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
        "VALUES (?, 2, 'cli', 'x')",
        [batch],
    )

    outcome = actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)

    assert outcome.changed and outcome.position == 1
    assert statuses(cur, batch) == {1: "published", 2: "published"}
    assert_consistent(cur)


def test_pressing_publish_twice_queues_once_and_audits_once(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 2])

    first = actions.publish(cur, accounts["admin"], batch)
    again = actions.publish(cur, accounts["dev"], batch)

    assert first.changed and not again.changed
    assert "already queued" in again.message
    log = audit.entries(cur, batch)
    assert log.filter(log["action"] == Action.BATCH_PUBLISHED).height == 1


@pytest.mark.slow
@pytest.mark.parametrize("finished", ["published", "partially_published"])
def test_publishing_a_finished_batch_without_new_users_is_refused_with_what_to_do(
    small_world, accounts, finished
):
    cur = small_world
    batch = make_batch(cur, [1] if finished == "published" else [10])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)

    hint = "Add users to it first" if finished == "published" else "Retry errors"
    with pytest.raises(InputError, match=hint):
        actions.publish(cur, accounts["admin"], batch)


def test_a_draft_for_an_archived_quest_cannot_be_published(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1], quest_id=2)
    cur.execute("UPDATE quests SET archived = TRUE WHERE id = 2")

    with pytest.raises(InputError, match="archived"):
        actions.publish(cur, accounts["admin"], batch)
    assert batch_status(cur, batch) == "draft"


def test_publishing_or_showing_an_unknown_batch_raises_not_found(small_world, accounts):
    with pytest.raises(NotFound, match="No batch 99 is visible to you"):
        actions.publish(small_world, accounts["admin"], 99)
    with pytest.raises(NotFound):
        batch_report.batch_summary(small_world, 99)


def test_an_analyst_may_neither_publish_nor_retry_nor_set_the_rate(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1])
    with pytest.raises(PermissionDenied):
        actions.publish(cur, accounts["analyst"], batch)
    with pytest.raises(PermissionDenied):
        retry.retry_errors(cur, accounts["analyst"], batch)
    with pytest.raises(PermissionDenied):
        publish_rate.set_rate(cur, accounts["analyst"], 10)
    assert batch_status(cur, batch) == "draft"


def test_a_dev_may_publish_their_own_draft_but_not_another_accounts(small_world, accounts):
    cur = small_world
    mine = make_batch(cur, [1], created_by=accounts["dev"].username)
    theirs = make_batch(cur, [2], created_by="someone-else")

    assert actions.publish(cur, accounts["dev"], mine).changed
    with pytest.raises(PermissionDenied, match="belongs to someone-else"):
        actions.publish(cur, accounts["dev"], theirs)
    assert actions.publish(cur, accounts["admin"], theirs).changed


@pytest.mark.slow
def test_publish_and_retry_are_recorded_in_the_audit_log_with_who(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 10])
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)
    retry.retry_errors(cur, accounts["dev"], batch)

    log = audit.entries(cur, batch).select("actor", "action", "detail").rows()

    assert log == [
        ("dan", Action.ERRORS_RETRIED, "1 user(s) requeued"),
        ("ada", Action.BATCH_PUBLISHED, "2 user(s) queued"),
    ]


@pytest.mark.slow
def test_batch_summary_has_the_agreed_keys_and_the_spec_words(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3], name="Spring onboarding")

    draft = batch_report.batch_summary(cur, batch)
    actions.publish(cur, accounts["admin"], batch)
    unlocking.process_once(cur, limit=1)
    running = batch_report.batch_summary(cur, batch)

    assert list(draft) == [
        "id",
        "name",
        "badge",
        "quest",
        "status",
        "progress",
        "paused",
        "users",
        "counts",
    ]
    assert (draft["status"], draft["progress"], draft["users"]) == (words.DRAFT, 0, 3)
    assert (draft["badge"], draft["quest"]) == ("Explorer", "Visit 10 pages")
    assert list(draft["counts"]) == [
        "Unpublished",
        "In Progress",
        "Published",
        "Error",
        "Revoking",
        "Revoked",
    ]
    assert draft["paused"] is False
    assert (running["status"], running["progress"]) == ("In Progress", 33)


@pytest.mark.slow
def test_users_left_in_progress_by_an_older_run_are_picked_up_again(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3])
    actions.publish(cur, accounts["admin"], batch)
    cur.execute("UPDATE batch_users SET status = 'in_progress' WHERE user_id IN (1, 2)")
    cur.execute("UPDATE batches SET status = 'in_progress' WHERE id = ?", [batch])

    report = worker.run_until_empty(cur)

    assert report.processed == 3
    assert set(statuses(cur, batch).values()) == {"published"}
    assert_consistent(cur)


def test_a_queued_batch_left_without_users_is_finished_by_the_worker(small_world, accounts):
    cur = small_world
    batch = make_batch(cur, [1])
    actions.publish(cur, accounts["admin"], batch)
    cur.execute("DELETE FROM batch_users WHERE batch_id = ?", [batch])  # no refresh: stale

    chunk = unlocking.process_once(cur)

    assert chunk.finished == (batch,) and chunk.processed == 0
    assert batch_status(cur, batch) == "published"
    assert unlocking.process_once(cur).empty


def test_the_rate_setting_is_stored_for_the_app_and_the_command_line(small_world, accounts):
    cur = small_world
    assert publish_rate.get_rate(cur) is None  # unlimited by default

    publish_rate.set_rate(cur, accounts["admin"], 250)
    assert publish_rate.get_rate(cur) == 250.0
    assert cur.settings.get(publish_rate.RATE_SETTING) == "250"
    publish_rate.set_rate(cur, accounts["admin"], None)
    assert publish_rate.get_rate(cur) is None
    with pytest.raises(InputError, match="positive number"):
        publish_rate.set_rate(cur, accounts["admin"], -5)
    assert audit.entries(cur)["action"].to_list()[:2] == [Action.PUBLISH_RATE_SET] * 2


@pytest.mark.slow
@pytest.mark.parametrize(("target", "sizes"), [(100.0, [1, 2, 4, 2]), (0.0, [1] * 9)])
def test_unthrottled_chunks_grow_while_quick_up_to_the_maximum_and_never_shrink_below_the_start(
    small_world, accounts, monkeypatch, target, sizes
):
    cur = small_world
    monkeypatch.setattr(throttle, "CHUNK_TARGET", target)  # every chunk counts as quick, or slow
    actions.publish(cur, accounts["admin"], make_batch(cur, ACTIVE))
    chunks: list[unlocking.ChunkReport] = []

    worker.run_until_empty(cur, chunk_size=1, max_chunk=4, on_chunk=chunks.append)

    assert [c.processed for c in chunks] == sizes


@pytest.mark.slow
def test_a_throttled_run_publishes_in_small_chunks(small_world, accounts, monkeypatch):
    cur = small_world
    # Short ticks keep the test fast; each 3-user chunk has 0.2 s, far more than it takes, so
    # the throttle never has to grow chunks to keep up (tests/unit/test_publisher.py covers that).
    monkeypatch.setattr(throttle, "THROTTLE_TICK", 0.2)
    batch = make_batch(cur, ACTIVE)
    actions.publish(cur, accounts["admin"], batch)
    seen: list[int] = []

    def watch(chunk: unlocking.ChunkReport) -> None:
        seen.append(batch_report.batch_summary(cur, batch)["progress"])

    report = worker.run_until_empty(cur, rate=15, on_chunk=watch)

    assert report.chunks == 3  # 9 users, 3 per chunk at 15 per second and 0.2 s ticks
    assert seen == [33, 66, 100]


@pytest.mark.slow
def test_the_background_worker_publishes_queued_batches_and_stops(con, small_world, accounts):
    cur = small_world
    batch = make_batch(cur, ACTIVE)
    publish_rate.set_rate(cur, accounts["admin"], 0)
    chunks: list[unlocking.ChunkReport] = []
    background = worker_thread.Worker(con, chunk_size=4, max_chunk=4, on_chunk=chunks.append)

    background.start()
    background.start()  # a second start is harmless
    try:
        actions.publish(cur, accounts["admin"], batch)
        background.wake()
        _wait_for(lambda: batch_status(cur, batch) == "published")
    finally:
        background.stop()

    status = background.status()
    assert not status.running and status.processed == 9 and status.last_error is None
    assert [c.processed for c in chunks] == [4, 4, 1]
    assert_consistent(cur)


@pytest.mark.slow
def test_the_background_worker_follows_the_stored_rate_unless_given_its_own(
    con, small_world, accounts
):
    cur = small_world
    publish_rate.set_rate(cur, accounts["admin"], 0.01)  # one user per 100 s
    batch = make_batch(cur, ACTIVE)
    actions.publish(cur, accounts["admin"], batch)
    slow, fast = worker_thread.Worker(con), worker_thread.Worker(con, rate=0)

    slow.start()
    try:
        _wait_for(lambda: slow.status().processed == 1)
    finally:
        slow.stop()  # it was sleeping off its one user
    assert slow.status().rate == 0.01 and batch_status(cur, batch) == "in_progress"
    fast.start()
    try:
        _wait_for(lambda: batch_status(cur, batch) == "published")
    finally:
        fast.stop()
    assert fast.status().rate is None and fast.status().processed == 8


@pytest.mark.slow
def test_the_background_worker_survives_a_failing_chunk_and_reports_it(
    con, small_world, accounts, monkeypatch
):
    cur = small_world
    calls = {"n": 0}
    real = unlocking.process_once
    seen = threading.Event()

    def flaky(c, limit=throttle.DEFAULT_CHUNK):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk hiccup")
        seen.wait(20)  # the retry waits until the test has read the reported error
        return real(c, limit)

    monkeypatch.setattr(unlocking, "process_once", flaky)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_AFTER", 0.01)
    batch = make_batch(cur, [1])
    actions.publish(cur, accounts["admin"], batch)
    background = worker_thread.Worker(con)
    background.start()
    try:
        _wait_for(lambda: background.status().last_error is not None)
        assert background.status().last_error == "RuntimeError: disk hiccup"
        assert background.status().running
        seen.set()
        _wait_for(lambda: batch_status(cur, batch) == "published")
    finally:
        seen.set()
        background.stop()
    assert background.status().last_error is None  # cleared by the chunk that succeeded


def _wait_for(condition, limit: float = 20.0) -> None:
    """Poll until the condition holds; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true")
        time.sleep(0.01)
