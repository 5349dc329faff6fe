"""The Users page's store reads: every filter alone and combined, dates in the viewer's time zone,
sort orders with ties by id, paging, counts, quests held, a user's status in a batch, and text
that looks like SQL or LIKE wildcards matched literally. Run on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from core.history.dates import DateFilter
from core.segments.user_filter import UserFilter
from tests.support.batch_list import ANSWER, VISIT_10, VISIT_100, add_batch
from tests.support.held import refresh_held

NEW_YORK = "America/New_York"
PARIS = "Europe/Paris"

# Beside small_world's users 1-10 (userN, userN@example.com; 10 deactivated): names that hold
# LIKE's wildcards, its escape character and SQL, to prove typed text is matched literally.
_ODD_USERS = [
    (11, "a_b", "ab@odd.org"),
    (12, "axb", "axb@odd.org"),
    (13, "100%", "pct@odd.org"),
    (14, "1000", "k@odd.org"),
    (15, "back\\slash", "bs@odd.org"),
    (16, "o'brien", "x' OR '1'='1@odd.org"),
]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def people(small_world):
    """small_world's users with dates, six odd names, unlocks and two batches (ids in `people`).

    Registered: user i on 2025-01-0i 12:00 UTC (i = 1-9), user 10 never recorded, the odd users
    on 2025-06-01. Last active: user 1 at 2026-03-02 04:59 UTC (23:59 on March 1 in New York),
    user 2 on 2026-03-01 12:00, user 3 on 2026-03-02 12:00, users 4-9 on 2026-02-0i; 10 never.
    Unlocks: user 1 quests 1 and 2 (batch "Spring"), user 2 quest 1 (no batch), user 3 quest 3.
    Batch "Spring" (quest 1): users 1 published, 4 error "inactive", 5 unpublished.
    """
    cur = small_world
    for user_id, name, email in _ODD_USERS:
        cur.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active, "
            "registered_at) VALUES (?, ?, ?, ?, ?, TRUE, ?::TIMESTAMPTZ)",
            [user_id, name, email, name.lower(), email.lower(), "2025-06-01 00:00:00+00"],
        )
    for i in range(1, 10):
        cur.execute(
            "UPDATE platform_users SET registered_at = ?::TIMESTAMPTZ WHERE id = ?",
            [f"2025-01-0{i} 12:00:00+00", i],
        )
    last_active = {1: "2026-03-02 04:59:00+00", 2: "2026-03-01 12:00:00+00"}
    last_active[3] = "2026-03-02 12:00:00+00"
    last_active.update({i: f"2026-02-0{i} 12:00:00+00" for i in range(4, 10)})
    for user_id, at in last_active.items():
        cur.execute(
            "UPDATE platform_users SET last_active_at = ?::TIMESTAMPTZ WHERE id = ?",
            [at, user_id],
        )
    spring = add_batch(cur, "Spring", VISIT_10, "in_progress", users=3)
    other = add_batch(cur, "Other", ANSWER, "unpublished", users=1)
    for user_id, status, reason in ((1, "published", None), (4, "error", "inactive")):
        cur.execute(
            "INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, "
            "added_by) VALUES (?, ?, ?, ?, 'csv', 'ada')",
            [spring, user_id, status, reason],
        )
    for batch, user_id in ((spring, 5), (other, 2)):
        cur.execute(
            "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
            "VALUES (?, ?, 'csv', 'ada')",
            [batch, user_id],
        )
    for user_id, quest, batch in ((1, VISIT_10, spring), (1, VISIT_100, spring), (3, ANSWER, None)):
        cur.execute(
            "INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (?, ?, ?)",
            [user_id, quest, batch],
        )
    cur.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (2, 1)")
    refresh_held(cur)  # the stored quests held, as the product's writes keep them
    cur.people = {"spring": spring, "other": other}
    return cur


def ids(cur, f: UserFilter | None = None, tz: str = "UTC", limit: int = 100) -> list[int]:
    """The User IDs of the first page, in order."""
    rows, _ = cur.users.search(f or UserFilter(), tz, limit, 0)
    return rows["id"].to_list()


def test_with_no_filter_every_user_is_listed_by_id_and_counted(people) -> None:
    rows, total = people.users.search(UserFilter(), "UTC", 100, 0)
    assert total == 16
    assert rows["id"].to_list() == list(range(1, 17))
    assert rows.columns == [
        "id", "username", "email", "active", "registered_at", "last_active_at", "quests_held",
        "batch_status", "batch_error",
    ]  # fmt: skip
    assert rows.schema["id"] == pl.Int64
    assert rows.schema["quests_held"] == pl.Int64
    assert rows.schema["active"] == pl.Boolean
    assert rows.schema["registered_at"].time_zone in ("UTC", "Etc/UTC")
    first = rows.row(0, named=True)
    assert first["username"] == "user1"
    assert first["registered_at"] == _at("2025-01-01T12:00:00")
    assert rows["batch_status"].null_count() == 16


def test_text_matches_username_or_email_in_any_case_and_trimmed(people) -> None:
    assert ids(people, UserFilter(text="  USER1 ")) == [1, 10]
    assert ids(people, UserFilter(text="@ODD.org")) == [11, 12, 13, 14, 15, 16]
    assert ids(people, UserFilter(text="pct")) == [13]  # in the email only


def test_like_wildcards_and_the_escape_character_in_text_are_literal(people) -> None:
    assert ids(people, UserFilter(text="a_b")) == [11]
    assert ids(people, UserFilter(text="0%")) == [13]
    assert ids(people, UserFilter(text="%")) == [13]
    assert ids(people, UserFilter(text="_")) == [11]
    assert ids(people, UserFilter(text="k\\s")) == [15]
    assert ids(people, UserFilter(text="\\")) == [15]


def test_text_that_looks_like_sql_is_only_text(people) -> None:
    assert ids(people, UserFilter(text="' OR '1'='1")) == [16]
    assert ids(people, UserFilter(text="o'b")) == [16]
    assert ids(people, UserFilter(text="'; DROP TABLE platform_users; --")) == []
    assert people.users.count(UserFilter(), "UTC") == 16


def test_an_id_list_keeps_the_listed_users_that_exist(people) -> None:
    assert ids(people, UserFilter(ids=[3, 15, 999, 1])) == [1, 3, 15]


def test_active_and_deactivated_are_told_apart(people) -> None:
    assert ids(people, UserFilter(active=False)) == [10]
    assert ids(people, UserFilter(active=True)) == [*range(1, 10), *range(11, 17)]


def test_registered_after_before_and_on_a_day(people) -> None:
    assert ids(people, UserFilter(registered=DateFilter(">", date(2025, 1, 7)))) == [
        8, 9, 11, 12, 13, 14, 15, 16,
    ]  # fmt: skip
    assert ids(people, UserFilter(registered=DateFilter("<", date(2025, 1, 3)))) == [1, 2]
    assert ids(people, UserFilter(registered=DateFilter("=", date(2025, 1, 5)))) == [5]


def test_a_user_active_just_before_local_midnight_counts_on_that_local_day(people) -> None:
    on_march_1 = UserFilter(last_active=DateFilter("=", date(2026, 3, 1)))
    # User 1 was active at 04:59 UTC on March 2: 23:59 on March 1 in New York.
    assert ids(people, on_march_1, tz=NEW_YORK) == [1, 2]
    assert ids(people, on_march_1, tz="UTC") == [2]
    after_march_1 = UserFilter(last_active=DateFilter(">", date(2026, 3, 1)))
    assert ids(people, after_march_1, tz=NEW_YORK) == [3]
    assert ids(people, after_march_1, tz="UTC") == [1, 3]
    before_march_2 = UserFilter(last_active=DateFilter("<", date(2026, 3, 2)))
    assert ids(people, before_march_2, tz=NEW_YORK) == [1, 2, 4, 5, 6, 7, 8, 9]
    assert ids(people, before_march_2, tz=PARIS) == [2, 4, 5, 6, 7, 8, 9]


def test_a_user_never_active_matches_no_last_active_condition(people) -> None:
    for op in "<>=":
        found = ids(people, UserFilter(last_active=DateFilter(op, date(2026, 2, 5))))
        assert 10 not in found and 11 not in found
    assert 10 not in ids(people, UserFilter(registered=DateFilter("<", date(2030, 1, 1))))


def test_holds_matches_users_holding_any_of_the_quests(people) -> None:
    assert ids(people, UserFilter(holds=[VISIT_10])) == [1, 2]
    assert ids(people, UserFilter(holds=[VISIT_100, ANSWER])) == [1, 3]


def test_lacks_matches_users_holding_none_of_the_quests(people) -> None:
    assert ids(people, UserFilter(lacks=[VISIT_10])) == [*range(3, 17)]
    assert ids(people, UserFilter(lacks=[VISIT_10, ANSWER])) == [*range(4, 17)]
    assert people.users.count(UserFilter(lacks=[VISIT_10, ANSWER]), "UTC") == 13
    assert people.users.count(UserFilter(lacks=[VISIT_10], active=True), "UTC") == 13
    assert people.users.count(UserFilter(lacks=[ANSWER], ids=[1, 3]), "UTC") == 1


def test_holds_one_quest_but_not_another(people) -> None:
    assert ids(people, UserFilter(holds=[VISIT_10], lacks=[VISIT_100])) == [2]


def test_in_a_batch_with_or_without_a_status_and_the_status_comes_back(people) -> None:
    spring = people.people["spring"]
    rows, total = people.users.search(UserFilter(in_batch=spring), "UTC", 10, 0)
    assert total == 3
    assert rows.select("id", "batch_status", "batch_error").rows() == [
        (1, "published", None),
        (4, "error", "inactive"),
        (5, "unpublished", None),
    ]
    assert ids(people, UserFilter(in_batch=spring, in_batch_status="error")) == [4]
    assert ids(people, UserFilter(in_batch=spring, in_batch_status="revoked")) == []


def test_not_in_a_batch_leaves_its_users_out(people) -> None:
    spring = people.people["spring"]
    assert ids(people, UserFilter(not_in_batch=spring)) == [2, 3, *range(6, 17)]
    assert ids(people, UserFilter(not_in_batch=99_999)) == list(range(1, 17))


def test_every_filter_together_narrows_to_the_users_matching_all(people) -> None:
    spring, other = people.people["spring"], people.people["other"]
    f = UserFilter(
        text="user",
        ids=[1, 2, 4, 5, 10],
        active=True,
        registered=DateFilter("<", date(2025, 1, 6)),
        last_active=DateFilter("<", date(2026, 3, 5)),
        lacks=[VISIT_100],
        in_batch=spring,
        not_in_batch=other,
    )
    assert ids(people, f) == [4, 5]
    assert people.users.count(f, "UTC") == 2
    assert ids(people, UserFilter(text="user", holds=[VISIT_10], not_in_batch=other)) == [1]


def test_quests_held_counts_what_each_user_holds_now(people) -> None:
    rows, _ = people.users.search(UserFilter(ids=[1, 2, 3, 4]), "UTC", 10, 0)
    assert dict(rows.select("id", "quests_held").rows()) == {1: 2, 2: 1, 3: 1, 4: 0}


@pytest.mark.parametrize(
    ("sort", "desc", "expected"),
    [
        ("id", True, [16, 15, 14, 13, 12]),
        ("username", False, [13, 14, 11, 12, 15]),  # "100%" < "1000" < "a_b" < "axb" < "back…"
        ("username", True, [9, 8, 7, 6, 5]),
        ("email", False, [11, 12, 15, 14, 13]),  # ab@ < axb@ < bs@ < k@ < pct@
        ("registered_at", False, [10, 1, 2, 3, 4]),  # never recorded sorts as the oldest
        ("registered_at", True, [16, 15, 14, 13, 12]),  # the odd users tie: by id, descending
        ("last_active_at", True, [3, 1, 2, 9, 8]),
        ("last_active_at", False, [10, 11, 12, 13, 14]),
        ("quests_held", True, [1, 3, 2, 16, 15]),  # 2, then 1 and 1 (ties by id), then 0s
        ("quests_held", False, [4, 5, 6, 7, 8]),
    ],
)
def test_each_sort_breaks_ties_by_id(people, sort, desc, expected) -> None:
    assert ids(people, UserFilter(sort=sort, desc=desc))[:5] == expected


@pytest.mark.parametrize(
    "sort", ["id", "username", "registered_at", "last_active_at", "quests_held"]
)
def test_descending_is_ascending_reversed(people, sort) -> None:
    up = ids(people, UserFilter(sort=sort, desc=False))
    assert ids(people, UserFilter(sort=sort, desc=True)) == up[::-1]


@pytest.mark.parametrize("sort", ["id", "username", "email", "registered_at", "quests_held"])
def test_a_text_search_sorts_and_pages_as_the_same_users_by_id_do(people, sort) -> None:
    by_text = UserFilter(text="odd.org", sort=sort, desc=True)
    by_ids = UserFilter(ids=range(11, 17), sort=sort, desc=True)
    for offset in (0, 4, 6):
        found, total = people.users.search(by_text, "UTC", 4, offset)
        expected, expected_total = people.users.search(by_ids, "UTC", 4, offset)
        assert found.to_dicts() == expected.to_dicts()
        assert found.schema == expected.schema
        assert total == expected_total == 6


def test_dates_and_quests_held_sort_newest_and_most_first_by_default(people) -> None:
    assert ids(people, UserFilter(sort="quests_held"))[:2] == [1, 3]
    assert ids(people, UserFilter(sort="last_active_at"))[:1] == [3]


def test_pages_follow_the_sort_and_the_count_is_of_every_match(people) -> None:
    f = UserFilter(sort="username", active=True)
    every = ids(people, f)
    pages = [people.users.search(f, "UTC", 4, offset) for offset in (0, 4, 8, 12)]
    assert [total for _, total in pages] == [15, 15, 15, 15]
    assert [i for rows, _ in pages for i in rows["id"].to_list()] == every
    assert [rows.height for rows, _ in pages] == [4, 4, 4, 3]


def test_a_page_past_the_end_is_empty_but_still_counts(people) -> None:
    rows, total = people.users.search(UserFilter(active=False), "UTC", 50, 50)
    assert (rows.height, total) == (0, 1)
    assert "quests_held" in rows.columns
    nothing, none = people.users.search(UserFilter(text="nobody-has-this"), "UTC", 50, 0)
    assert (nothing.height, none) == (0, 0)


def test_a_count_up_to_a_bound_stops_one_past_it_and_pages_still_come(people) -> None:
    assert people.users.count(UserFilter(), "UTC", count_up_to=5) == 6
    assert people.users.count(UserFilter(), "UTC", count_up_to=16) == 16
    assert people.users.count(UserFilter(lacks=[VISIT_10]), "UTC", count_up_to=3) == 4
    rows, total = people.users.search(UserFilter(), "UTC", 4, 8, count_up_to=5)
    assert (rows["id"].to_list(), total) == ([9, 10, 11, 12], 6)
    rows, total = people.users.search(UserFilter(text="odd.org"), "UTC", 4, 4, count_up_to=2)
    assert (rows["id"].to_list(), total) == ([15, 16], 3)
    rows, total = people.users.search(UserFilter(active=False), "UTC", 4, 0, count_up_to=5)
    assert (rows["id"].to_list(), total) == ([10], 1)


def test_matching_ids_come_in_id_order_up_to_the_limit(people) -> None:
    f = UserFilter(sort="username", desc=True, lacks=[VISIT_10])
    assert people.users.matching_ids(f, "UTC", 5) == [3, 4, 5, 6, 7]
    assert people.users.matching_ids(UserFilter(holds=[ANSWER]), "UTC", 5) == [3]


def test_rows_for_export_are_sorted_as_asked_and_capped(people) -> None:
    f = UserFilter(sort="registered_at", desc=False, page=3, page_size=2)
    rows = people.users.rows_for_export(f, "UTC", 4)
    assert rows["id"].to_list() == [10, 1, 2, 3]
    assert rows.columns[:3] == ["id", "username", "email"]
    spring = people.people["spring"]
    mine = people.users.rows_for_export(UserFilter(in_batch=spring), "UTC", 10)
    assert mine["batch_status"].to_list() == ["published", "error", "unpublished"]


def test_importing_users_keeps_their_dates_unless_new_ones_are_given(people) -> None:
    def user_frame(**dates: list) -> pl.DataFrame:
        frame = pl.DataFrame(
            {
                "id": [1, 2, 40],
                "username": ["user1", "user2", "new"],
                "email": ["user1@example.com", "user2@example.com", "new@x.org"],
            }
        ).with_columns(
            username_norm=pl.col("username"), email_norm=pl.col("email"), active=pl.lit(True)
        )
        return frame.with_columns(
            pl.Series(name, values, pl.Datetime("us", "UTC")) for name, values in dates.items()
        )

    people.transaction(lambda uow: uow.users.upsert(user_frame()))
    assert people.users.profile(1)[4] == _at("2025-01-01T12:00:00")
    assert people.users.profile(40)[4:] == (None, None)
    later = _at("2026-05-01T08:00:00")
    frame = user_frame(registered_at=[None, later, later], last_active_at=[later, None, None])
    assert people.transaction(lambda uow: uow.users.upsert(frame)) == 3
    assert people.users.profile(1)[4:] == (_at("2025-01-01T12:00:00"), later)
    assert people.users.profile(2)[4:] == (later, _at("2026-03-01T12:00:00"))
    assert people.users.profile(40)[4:] == (later, None)
