"""Putting the users a Users-page filter matches into batches: the upload's rules and report,
the 5,000-user limit refused whole (counting the users the rules would add, as an upload does),
the roles and the expected version, a new draft, and the split into the fewest drafts
"… (1 of 3)" of addable users in id order."""

from __future__ import annotations

import pytest

from core import audit
from core.audit import Action
from core.batches import add_one, read_model
from core.batches.errors import BatchFull
from core.batches.expected_state import Stale
from core.batches.names import MAX_NAME_LENGTH
from core.batches.row_status import ALREADY_IN_BATCH, ALREADY_UNLOCKED, INACTIVE, OK
from core.errors import InputError, PermissionDenied
from core.segments import from_users, split_rules
from core.segments.from_users import (
    MAX_SPLIT_DRAFTS,
    NO_USERS,
    TooManyUsers,
    add_matching,
    create_from_users,
    drafts_needed,
    split_into_drafts,
    split_names,
)
from core.segments.user_filter import UserFilter
from tests.support.batches import HOLDS_VISIT_10, INACTIVE_USER, VISIT_10, VISIT_100
from tests.support.held import refresh_held
from tests.support.world import admin, analyst, dev

UTC = "UTC"
BULK = UserFilter(text="bulk")  # the users `add_bulk` inserts, and no one else


def add_bulk(cur, n: int, first: int = 1001) -> None:
    """Insert n active users bulk<id> with ids from `first`, in one statement."""
    cur.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) "
        "SELECT i, 'bulk' || i, 'bulk' || i || '@example.com', 'bulk' || i, "
        "'bulk' || i || '@example.com', TRUE "
        "FROM generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT)) r(i)",
        [first, first + n - 1],
    )


def members(cur, batch_id: int) -> tuple[int, int | None, int | None]:
    """How many users a batch has, and its smallest and largest User ID."""
    cur.execute(
        "SELECT count(*), min(user_id), max(user_id) FROM batch_users WHERE batch_id = ?",
        [batch_id],
    )
    n, low, high = cur.fetchone()
    return int(n), low, high


def n_batches(cur) -> int:
    cur.execute("SELECT count(*) FROM batches")
    return int(cur.fetchone()[0])


def test_drafts_needed_is_the_fewest_of_at_most_5000_each() -> None:
    assert [drafts_needed(n) for n in (0, 1, 5000, 5001, 10000, 12345)] == [0, 1, 1, 2, 2, 3]


def test_too_many_users_says_the_count_the_limit_and_the_split_on_offer() -> None:
    refusal = TooManyUsers(12345)
    assert isinstance(refusal, BatchFull)
    assert (refusal.count, refusal.limit, refusal.drafts, refusal.can_split) == (
        12345,
        5000,
        3,
        True,
    )
    assert str(refusal) == (
        "12,345 of the matching users can be added; a batch holds at most 5,000. Split them "
        "into 3 drafts of at most 5,000 each, or narrow the filters."
    )
    too_many = TooManyUsers(MAX_SPLIT_DRAFTS * 5000 + 1)
    assert (too_many.can_split, too_many.more_than) == (False, True)
    assert str(too_many) == (
        "More than 100,000 of the matching users can be added; a batch holds at most 5,000. "
        "That is more than 20 drafts hold: narrow the filters."
    )


def test_an_existing_batch_without_room_says_so_with_no_word_of_a_file() -> None:
    refusal = TooManyUsers(3782, drafts=1, batch_id=52, in_batch=4024)
    assert (refusal.batch_id, refusal.in_batch, refusal.room, refusal.can_split) == (
        52,
        4024,
        976,
        True,
    )
    assert str(refusal) == (
        "3,782 of the matching users can be added, but batch 52 has room for 976 more "
        "(it holds 4,024 of 5,000). Narrow the filters, or split them into new drafts."
    )
    assert "file" not in str(refusal)
    no_split = TooManyUsers(100_001, drafts=21, batch_id=52, in_batch=0)
    assert str(no_split) == (
        "More than 100,000 of the matching users can be added, but batch 52 has room for "
        "5,000 more. Narrow the filters."
    )


def test_split_names_count_the_drafts_and_still_fit_the_name_rule() -> None:
    assert split_names("  Spring   promo ", 3) == [
        "Spring promo (1 of 3)",
        "Spring promo (2 of 3)",
        "Spring promo (3 of 3)",
    ]
    assert split_names("Spring promo", 1) == ["Spring promo"]
    long = split_names("x" * 116 + " yz", 12)
    assert all(len(n) <= MAX_NAME_LENGTH for n in long)
    assert long[0] == "x" * 109 + " (1 of 12)" and long[11] == "x" * 109 + " (12 of 12)"


def test_matching_users_are_added_with_the_uploads_rules_and_report(batch_world, draft) -> None:
    add_one.add_single(batch_world, dev, draft, "id", "5")
    f = UserFilter(ids=[5, 6, 7, INACTIVE_USER])
    result = add_matching(batch_world, dev, draft, f, UTC)
    assert (result.batch_id, result.added) == (draft, 1)
    counts = result.preview.counts
    assert (counts[OK], counts[ALREADY_IN_BATCH], counts[ALREADY_UNLOCKED], counts[INACTIVE]) == (
        1,
        1,
        1,
        1,
    )
    assert result.message == (
        "1 user added to the batch. 3 rows not added: 1 already in this batch, "
        "1 already unlocked, 1 deactivated."
    )
    assert members(batch_world, draft) == (2, 5, 6)
    batch_world.execute(
        "SELECT added_via, added_by FROM batch_users WHERE batch_id = ? AND user_id = 6", [draft]
    )
    assert batch_world.fetchone() == ("users", "dan")
    entry = (
        audit.entries(batch_world, draft).filter(action=Action.USERS_ADDED.value).row(0, named=True)
    )
    assert entry["detail"].startswith("1 added from “User IDs 5, 6, 7, 10” (users); not added: ")


def test_users_go_into_a_published_batch_too(batch_world) -> None:
    result = add_matching(batch_world, admin, 1, UserFilter(ids=[2, 3, HOLDS_VISIT_10]), UTC)
    assert result.added == 2
    assert members(batch_world, 1) == (3, 2, 7)


def test_more_than_a_batch_holds_is_refused_whole_with_the_count_and_limit(
    batch_world, draft
) -> None:
    add_bulk(batch_world, 5001)
    with pytest.raises(TooManyUsers) as caught:
        add_matching(batch_world, dev, draft, BULK, UTC)
    assert (caught.value.count, caught.value.limit, caught.value.drafts) == (5001, 5000, 2)
    assert str(caught.value) == (
        f"5,001 of the matching users can be added, but batch {draft} has room for 5,000 more. "
        "Narrow the filters, or split them into new drafts."
    )
    assert members(batch_world, draft) == (0, None, None)
    assert (
        add_matching(batch_world, dev, draft, BULK.changed(ids=range(1001, 1011)), UTC).added == 10
    )


def test_exactly_a_batch_full_of_matching_users_goes_in(batch_world, draft) -> None:
    add_bulk(batch_world, 5000)
    assert add_matching(batch_world, dev, draft, BULK, UTC).added == 5000
    assert members(batch_world, draft) == (5000, 1001, 6000)


def test_analysts_may_not_add_and_nothing_is_added(batch_world, draft) -> None:
    with pytest.raises(PermissionDenied, match="analyst"):
        add_matching(batch_world, analyst, draft, UserFilter(ids=[2]), UTC)
    with pytest.raises(PermissionDenied):
        create_from_users(batch_world, analyst, "Mine", VISIT_10, UserFilter(ids=[2]), UTC)
    with pytest.raises(PermissionDenied):
        split_into_drafts(batch_world, analyst, "Mine", VISIT_10, UserFilter(ids=[2]), UTC)
    assert members(batch_world, draft) == (0, None, None)


def test_a_batch_changed_since_the_page_showed_it_is_refused_and_left_as_it_is(
    batch_world, draft
) -> None:
    shown = read_model.read(batch_world, draft).version
    add_one.add_single(batch_world, admin, draft, "id", "1")  # another tab
    with pytest.raises(Stale):
        add_matching(batch_world, dev, draft, UserFilter(ids=[2, 3]), UTC, expected=shown)
    assert members(batch_world, draft) == (1, 1, 1)
    now = read_model.read(batch_world, draft).version
    assert (
        add_matching(batch_world, dev, draft, UserFilter(ids=[2, 3]), UTC, expected=now).added == 2
    )


def test_no_matching_user_adds_nothing_and_says_so(batch_world, draft) -> None:
    before = n_batches(batch_world)
    with pytest.raises(InputError, match="No users match the filters"):
        add_matching(batch_world, dev, draft, UserFilter(ids=[999]), UTC)
    with pytest.raises(InputError) as caught:
        create_from_users(batch_world, dev, "Nobody", VISIT_10, UserFilter(text="nobody"), UTC)
    assert str(caught.value) == NO_USERS
    assert n_batches(batch_world) == before


def test_a_filter_on_someone_elses_draft_adds_nothing(batch_world, draft) -> None:
    theirs = create_from_users(batch_world, admin, "Ada's", VISIT_100, UserFilter(ids=[4]), UTC)
    with pytest.raises(PermissionDenied):
        add_matching(batch_world, dev, draft, UserFilter(in_batch=theirs.batch_id), UTC)
    assert members(batch_world, draft) == (0, None, None)


def test_a_new_draft_is_created_with_the_matching_users_in_one_go(batch_world) -> None:
    f = UserFilter(holds=[VISIT_10])
    result = create_from_users(batch_world, dev, "  Holders ", VISIT_100, f, UTC)
    batch = read_model.read(batch_world, result.batch_id)
    assert (batch.name, batch.quest_id, batch.status, batch.created_by) == (
        "Holders",
        VISIT_100,
        "draft",
        "dan",
    )
    assert (result.added, members(batch_world, result.batch_id)) == (1, (1, 7, 7))
    actions = audit.entries(batch_world, result.batch_id)["action"].to_list()
    assert sorted(actions) == sorted([Action.BATCH_CREATED.value, Action.USERS_ADDED.value])


def test_a_new_draft_over_the_limit_is_not_created(batch_world) -> None:
    add_bulk(batch_world, 5001)
    before = n_batches(batch_world)
    with pytest.raises(TooManyUsers):
        create_from_users(batch_world, dev, "Too big", VISIT_10, BULK, UTC)
    assert n_batches(batch_world) == before


def test_a_bad_name_or_quest_is_refused_before_anything_is_read(batch_world) -> None:
    with pytest.raises(InputError, match="no name"):
        create_from_users(batch_world, dev, "  ", VISIT_10, BULK, UTC)
    with pytest.raises(InputError, match="longer than 120"):
        split_into_drafts(batch_world, dev, "x" * 121, VISIT_10, BULK, UTC)


def test_a_split_makes_the_fewest_drafts_in_id_order_each_with_the_upload_rules(
    batch_world,
) -> None:
    add_bulk(batch_world, 12001)  # ids 1001 … 13001
    hold(batch_world, 1001, 1001)
    results = split_into_drafts(batch_world, dev, "Spring promo", VISIT_10, BULK, UTC)
    names = [read_model.read(batch_world, r.batch_id).name for r in results]
    assert names == ["Spring promo (1 of 3)", "Spring promo (2 of 3)", "Spring promo (3 of 3)"]
    # 12,000 can be added: 5,000, 5,000 and 2,000; the holder is reported by the draft of its ids.
    assert [r.added for r in results] == [5000, 5000, 2000]
    assert [members(batch_world, r.batch_id) for r in results] == [
        (5000, 1002, 6001),
        (5000, 6002, 11001),
        (2000, 11002, 13001),
    ]
    assert [r.preview.counts[ALREADY_UNLOCKED] for r in results] == [1, 0, 0]
    assert [r.preview.n_rows for r in results] == [5001, 5000, 2000]
    assert sum(r.added for r in results) == 12000
    first = audit.entries(batch_world, results[0].batch_id).filter(action=Action.USERS_ADDED.value)
    assert "from “username or email contains “bulk” (1 of 3)” (users)" in first["detail"][0]


def test_a_split_of_users_a_batch_holds_is_one_draft_with_the_name_as_typed(batch_world) -> None:
    (result,) = split_into_drafts(batch_world, dev, "Small", VISIT_10, UserFilter(ids=[2, 3]), UTC)
    assert read_model.read(batch_world, result.batch_id).name == "Small"
    assert result.added == 2


def test_a_split_over_the_most_drafts_is_refused_and_creates_none(batch_world, monkeypatch) -> None:
    add_bulk(batch_world, 12001)
    monkeypatch.setattr(split_rules, "MAX_SPLIT_DRAFTS", 2)
    before = n_batches(batch_world)
    with pytest.raises(TooManyUsers) as caught:
        split_into_drafts(batch_world, dev, "Spring promo", VISIT_10, BULK, UTC)
    assert str(caught.value) == (
        "12,001 of the matching users can be added; a batch holds at most 5,000. "
        "That is more than 2 drafts hold: narrow the filters."
    )
    assert n_batches(batch_world) == before


def hold(cur, first: int, last: int, quest_id: int = VISIT_10) -> None:
    """Give the users first … last the quest, in one statement."""
    cur.execute(
        "INSERT INTO unlocks (user_id, quest_id) "
        "SELECT i, ? FROM generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT)) r(i)",
        [quest_id, first, last],
    )
    refresh_held(cur)  # the stored quests held, as the product's writes keep them


def deactivate(cur, first: int, last: int) -> None:
    cur.execute("UPDATE platform_users SET active = FALSE WHERE id BETWEEN ? AND ?", [first, last])


def test_more_matches_than_a_batch_holds_go_in_when_the_users_to_add_fit(batch_world) -> None:
    add_bulk(batch_world, 5600)  # ids 1001 … 6600
    hold(batch_world, 1001, 1400)  # 400 hold the quest
    deactivate(batch_world, 6401, 6600)  # 200 deactivated: 5,000 can be added
    result = create_from_users(batch_world, dev, "Fits", VISIT_10, BULK, UTC)
    assert result.added == 5000
    counts = result.preview.counts
    assert (counts[ALREADY_UNLOCKED], counts[INACTIVE], result.preview.n_rows) == (400, 200, 5600)
    assert members(batch_world, result.batch_id) == (5000, 1401, 6400)


def test_the_split_makes_the_fewest_drafts_of_the_users_that_can_be_added(batch_world) -> None:
    add_bulk(batch_world, 12001)  # ids 1001 … 13001
    hold(batch_world, 1001, 3001)  # 2,001 hold it: 10,000 can be added, 2 drafts (not 3)
    results = split_into_drafts(batch_world, dev, "Promo", VISIT_10, BULK, UTC)
    assert [r.added for r in results] == [5000, 5000]
    assert sum(r.preview.counts[ALREADY_UNLOCKED] for r in results) == 2001
    names = [read_model.read(batch_world, r.batch_id).name for r in results]
    assert names == ["Promo (1 of 2)", "Promo (2 of 2)"]


def test_users_already_in_the_batch_do_not_count_against_its_room(batch_world, draft) -> None:
    add_bulk(batch_world, 5000)  # ids 1001 … 6000
    batch_world.members.add(draft, list(range(1001, 5001)), "users", "dan")
    result = add_matching(batch_world, dev, draft, BULK, UTC)  # 4,000 in it, 1,000 to add
    assert (result.added, result.preview.counts[ALREADY_IN_BATCH]) == (1000, 4000)
    assert members(batch_world, draft) == (5000, 1001, 6000)


def test_a_batch_without_room_for_the_users_to_add_refuses_them_all_in_its_words(
    batch_world, draft
) -> None:
    add_bulk(batch_world, 6000)  # ids 1001 … 7000
    batch_world.members.add(draft, list(range(1001, 2001)), "users", "dan")
    hold(batch_world, 6001, 7000)  # of the 5,000 others, 4,000 can be added: room for 4,000
    assert add_matching(batch_world, dev, draft, BULK, UTC).added == 4000
    add_bulk(batch_world, 2, first=8001)
    with pytest.raises(TooManyUsers) as caught:
        add_matching(batch_world, dev, draft, BULK, UTC)
    assert (caught.value.count, caught.value.in_batch, caught.value.room) == (2, 5000, 0)
    assert str(caught.value) == (
        f"2 of the matching users can be added, but batch {draft} has room for 0 more "
        "(it holds 5,000 of 5,000). Narrow the filters, or split them into new drafts."
    )
    # The split into new drafts counts the batch's members too: they are not in those drafts.
    assert caught.value.drafts == 2
    assert members(batch_world, draft) == (5000, 1001, 6000)


def test_a_revoked_member_can_be_added_again_and_counts_as_one_to_add(batch_world) -> None:
    result = create_from_users(batch_world, dev, "Again", VISIT_100, UserFilter(ids=[2, 3]), UTC)
    batch_world.execute(
        "UPDATE batch_users SET status = 'revoked' WHERE batch_id = ? AND user_id = 2",
        [result.batch_id],
    )
    again = add_matching(batch_world, dev, result.batch_id, UserFilter(ids=[2, 3]), UTC)
    assert (again.added, again.preview.counts[ALREADY_IN_BATCH]) == (1, 1)


def test_a_new_draft_of_nobody_that_can_be_added_is_not_created(batch_world) -> None:
    before = n_batches(batch_world)
    for f in (
        UserFilter(ids=[7, INACTIVE_USER]),  # 7 holds quest 1, 10 is deactivated
        UserFilter(holds=[VISIT_10]),
        UserFilter(ids=[INACTIVE_USER], active=False),
    ):
        with pytest.raises(InputError, match="None of the users the filters match"):
            create_from_users(batch_world, dev, "Nobody", VISIT_10, f, UTC)
    with pytest.raises(InputError) as caught:
        split_into_drafts(batch_world, dev, "Nobody", VISIT_10, UserFilter(ids=[7]), UTC)
    assert str(caught.value) == (
        "None of the users the filters match (1) can be added: each one is deactivated or "
        "holds the batch's quest already. Change the filters."
    )
    assert n_batches(batch_world) == before


def test_an_existing_batch_reports_the_matching_users_it_cannot_take(batch_world, draft) -> None:
    result = add_matching(batch_world, dev, draft, UserFilter(ids=[7, INACTIVE_USER]), UTC)
    assert (result.added, result.preview.counts[ALREADY_UNLOCKED]) == (0, 1)
    assert result.preview.counts[INACTIVE] == 1


def test_an_unpublished_batch_is_refused_for_its_status_before_any_count(batch_world) -> None:
    batch_world.execute("UPDATE batches SET status = 'unpublished' WHERE id = 1")
    add_bulk(batch_world, 5001)
    with pytest.raises(InputError) as caught:
        add_matching(batch_world, admin, 1, BULK, UTC)
    assert not isinstance(caught.value, TooManyUsers)


def test_a_pending_revoke_that_would_overfill_a_draft_refuses_it_whole(batch_world) -> None:
    add_bulk(batch_world, 5000)  # ids 1001 … 6000: 5,000 to add
    # User 7 matches too, and holds the quest from batch 1 whose revoke is pending: the filter
    # counts it as held, the upload's rules as not held, so the rows would add 5,001.
    batch_world.execute(
        "UPDATE platform_users SET username = 'bulk7', username_norm = 'bulk7' WHERE id = 7"
    )
    batch_world.execute("UPDATE batch_users SET status = 'revoking' WHERE batch_id = 1")
    before = n_batches(batch_world)
    with pytest.raises(BatchFull) as caught:
        create_from_users(batch_world, dev, "Full", VISIT_10, BULK, UTC)
    assert str(caught.value) == from_users.PENDING_REVOKE_OVERFILL
    assert n_batches(batch_world) == before  # as the same users uploaded: nothing added


def test_holding_any_of_quests_with_the_batchs_own_adds_those_holding_only_another(
    batch_world,
) -> None:
    add_bulk(batch_world, 6)  # bulk1001 … bulk1006
    hold(batch_world, 1001, 1004, VISIT_100)  # hold the other quest: can be added
    hold(batch_world, 1003, 1006, VISIT_10)  # hold the batch's quest: cannot
    either = UserFilter(text="bulk", holds=(VISIT_10, VISIT_100))
    result = create_from_users(batch_world, dev, "Either", VISIT_10, either, UTC)
    assert (result.added, members(batch_world, result.batch_id)) == (2, (2, 1001, 1002))
    assert result.preview.counts[ALREADY_UNLOCKED] == 4


def test_more_than_a_batch_holding_any_of_quests_with_its_own_is_refused_with_the_addable_count(
    batch_world,
) -> None:
    add_bulk(batch_world, 5002)
    hold(batch_world, 1001, 6002, VISIT_100)
    hold(batch_world, 6002, 6002, VISIT_10)  # the one who holds both: not addable
    either = UserFilter(text="bulk", holds=(VISIT_10, VISIT_100))
    with pytest.raises(TooManyUsers) as caught:
        create_from_users(batch_world, dev, "Either", VISIT_10, either, UTC)
    assert (caught.value.count, caught.value.drafts) == (5001, 2)
