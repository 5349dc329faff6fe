"""A user's page as the store reads it: who they are, the quests they hold with the batch that
unlocked each, the ones taken back and why, and the batches they are in with their status there,
drafts shown only to whom the batch list shows them. Run on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.batches.visibility import DraftScope
from tests.support.batch_list import ANSWER, VISIT_10, VISIT_100, add_batch


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def user_one(small_world):
    """User 1 in five batches, holding quests 1 (from "Spring") and 3 (no batch), quest 2 revoked.

    "Spring" (quest 1) published the user; "Undo" (quest 2) revoked them; "Running" (quest 3) is
    paused half way with the user in error; drafts of dan ("Dan's") and of ada ("Ada's").
    """
    cur = small_world
    cur.execute(
        "UPDATE platform_users SET registered_at = ?::TIMESTAMPTZ, "
        "last_active_at = ?::TIMESTAMPTZ WHERE id = 1",
        ["2025-01-01 12:00:00+00", "2026-03-02 04:59:00+00"],
    )
    spring = add_batch(cur, "Spring", VISIT_10, "published", users=1)
    undo = add_batch(cur, "Undo", VISIT_100, "revoked", users=1, counts=_counts(0))
    running = add_batch(cur, "Running", ANSWER, "in_progress", users=4)
    dans = add_batch(cur, "Dan's", VISIT_100, "draft", created_by="dan", users=1)
    adas = add_batch(cur, "Ada's", VISIT_100, "draft", created_by="ada", users=1)
    cur.execute("UPDATE batches SET paused_at = current_timestamp WHERE id = ?", [running])
    members = [
        (spring, "published", None, None),
        (undo, "revoked", None, "Sent by mistake"),
        (running, "error", "inactive", None),
        (dans, "unpublished", None, None),
        (adas, "unpublished", None, None),
    ]
    for batch, status, error, reason in members:
        cur.execute(
            "INSERT INTO batch_users (batch_id, user_id, status, error_reason, revoke_reason, "
            "added_via, added_by, added_at) "
            "VALUES (?, 1, ?, ?, ?, 'csv', 'ada', '2026-03-01 10:00:00+00')",
            [batch, status, error, reason],
        )
    cur.execute(
        "INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at) VALUES "
        "(1, ?, ?, '2026-03-01 10:00:00+00'), (1, ?, NULL, '2026-03-05 10:00:00+00')",
        [VISIT_10, spring, ANSWER],
    )
    cur.execute(
        "INSERT INTO revocations (user_id, quest_id, batch_id, unlocked_at, revoked_at, "
        "revoked_by, reason) VALUES (1, ?, ?, '2026-02-01 10:00:00+00', "
        "'2026-02-02 10:00:00+00', 'ada', 'Sent by mistake')",
        [VISIT_100, undo],
    )
    cur.batch_ids = {"spring": spring, "undo": undo, "running": running}
    cur.batch_ids |= {"dans": dans, "adas": adas}
    return cur


def _counts(published: int) -> dict[str, int]:
    return {"unpublished": 0, "in_progress": 0, "published": published, "error": 0}


def test_the_profile_says_who_the_user_is_and_none_for_a_stranger(user_one) -> None:
    assert user_one.users.profile(1) == (
        1, "user1", "user1@example.com", True, _at("2025-01-01T12:00:00"),
        _at("2026-03-02T04:59:00"),
    )  # fmt: skip
    assert user_one.users.profile(10)[3] is False
    assert user_one.users.profile(2)[4:] == (None, None)
    assert user_one.users.profile(999) is None


def test_held_quests_name_the_badge_and_the_batch_that_unlocked_each(user_one) -> None:
    held = user_one.users.held_quests(1)
    assert held.columns == [
        "quest_id", "quest", "badge_id", "badge", "batch_id", "batch_name", "unlocked_at",
    ]  # fmt: skip
    assert held.select("quest_id", "quest", "badge", "batch_id", "batch_name").rows() == [
        (ANSWER, "Answer a question", "Mentor", None, None),  # newest first; no batch gave it
        (VISIT_10, "Visit 10 pages", "Explorer", user_one.batch_ids["spring"], "Spring"),
    ]
    assert held["unlocked_at"].to_list() == [
        _at("2026-03-05T10:00:00"),
        _at("2026-03-01T10:00:00"),
    ]
    assert user_one.users.held_quests(2).is_empty()


def test_revoked_quests_keep_who_when_and_why(user_one) -> None:
    revoked = user_one.users.revoked_quests(1)
    assert revoked.columns == [
        "quest_id", "quest", "badge", "batch_id", "batch_name", "unlocked_at", "revoked_at",
        "revoked_by", "reason",
    ]  # fmt: skip
    assert revoked.rows() == [
        (
            VISIT_100, "Visit 100 pages", "Explorer", user_one.batch_ids["undo"], "Undo",
            _at("2026-02-01T10:00:00"), _at("2026-02-02T10:00:00"), "ada", "Sent by mistake",
        )
    ]  # fmt: skip
    assert user_one.users.revoked_quests(2).is_empty()


def test_batches_give_the_users_status_in_each_and_the_batchs_own(user_one) -> None:
    batches = user_one.users.user_batches(1, DraftScope("ada", all_drafts=True))
    assert batches.columns == [
        "batch_id", "batch_name", "quest_id", "quest", "badge", "batch_status", "paused",
        "progress", "user_status", "error_reason", "revoke_reason", "added_at", "added_via",
        "added_by", "processed_at",
    ]  # fmt: skip
    by_name = {row["batch_name"]: row for row in batches.iter_rows(named=True)}
    assert batches["batch_name"].to_list() == ["Ada's", "Dan's", "Running", "Undo", "Spring"]
    running = by_name["Running"]
    assert (running["batch_status"], running["paused"], running["progress"]) == (
        "in_progress", True, 50,
    )  # fmt: skip
    assert (running["user_status"], running["error_reason"]) == ("error", "inactive")
    assert (by_name["Undo"]["user_status"], by_name["Undo"]["revoke_reason"]) == (
        "revoked", "Sent by mistake",
    )  # fmt: skip
    spring = by_name["Spring"]
    assert (spring["paused"], spring["progress"], spring["quest"], spring["badge"]) == (
        False, 100, "Visit 10 pages", "Explorer",
    )  # fmt: skip
    assert spring["added_at"] == _at("2026-03-01T10:00:00")
    assert (spring["added_via"], spring["added_by"]) == ("csv", "ada")


@pytest.mark.parametrize(
    ("scope", "drafts"),
    [
        (DraftScope("ada", all_drafts=True), ["Ada's", "Dan's"]),
        (DraftScope("dan", all_drafts=False), ["Dan's"]),
        (DraftScope("ann", all_drafts=False), []),
    ],
)
def test_drafts_show_only_to_whom_the_batch_list_shows_them(user_one, scope, drafts) -> None:
    names = user_one.users.user_batches(1, scope)["batch_name"].to_list()
    assert [n for n in names if n.endswith("'s")] == drafts
    assert {"Spring", "Undo", "Running"} <= set(names)


def test_a_user_in_no_batch_has_an_empty_list(user_one) -> None:
    assert user_one.users.user_batches(2, DraftScope("ada", all_drafts=True)).is_empty()
