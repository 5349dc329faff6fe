"""The Users page's reads on PostgreSQL alone: the plan for many matches (read in the sort's index
order) and the one for few (found by the filters' indexes, then sorted) give the same pages; the
bounded count read from the holders of the "holds" quests gives the planner's own count; the sort
by quests held reads the stored count."""

from __future__ import annotations

from datetime import date

import pytest

from core.history.dates import DateFilter
from core.segments.user_filter import USER_SORTS, UserFilter
from core.store.postgres import users as pg_users
from core.store.postgres import users_page_sql as page_sql
from core.store.postgres import users_search_sql as search_sql
from core.store.postgres.users_count import UserCounter
from tests.store.test_user_search import ids, people  # noqa: F401 (the fixture)
from tests.support.batch_list import ANSWER, VISIT_10, VISIT_100
from tests.support.held import refresh_held

# Beside `people`'s unlocks (user 1: quests 1, 2; user 2: quest 1; user 3: quest 3): quest 4 for
# users 4-9, quest 5 for users 6-8 and 11-13, quest 1 for user 9. Quest 4 is the most held.
_MORE_UNLOCKS = [(u, 4) for u in range(4, 10)] + [(u, 5) for u in (6, 7, 8, 11, 12, 13)]
_MORE_UNLOCKS.append((9, VISIT_10))
# Filters the holders' count serves: dates, several quests (users holding two of them),
# more "does not hold" quests than get an anti join each, newest first ("registered after").
DRIVEN = [
    UserFilter(holds=[4, 5]),
    UserFilter(holds=[VISIT_10, 4, 5], lacks=[VISIT_100]),
    UserFilter(holds=[4, 5], lacks=[VISIT_10, VISIT_100, ANSWER, 6, 7]),
    UserFilter(holds=[4, 5], registered=DateFilter(">", date(2025, 1, 5))),
    UserFilter(holds=[VISIT_10, 4], registered=DateFilter("<", date(2025, 1, 8)), active=True),
    UserFilter(holds=[4], last_active=DateFilter(">", date(2026, 2, 5))),
    # Everything the holders carry at once (the bench's "all at once"), several quests.
    UserFilter(
        holds=[4, 5],
        lacks=[VISIT_10],
        not_in_batch=1,
        active=True,
        registered=DateFilter(">", date(2025, 1, 2)),
        last_active=DateFilter(">", date(2026, 2, 4)),
    ),
]


@pytest.fixture
def holders(people):  # noqa: F811
    """`people` with _MORE_UNLOCKS and the stored quests held refreshed, as the writes keep it."""
    for user_id, quest in _MORE_UNLOCKS:
        people.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (?, ?)", [user_id, quest])
    refresh_held(people)
    return people


@pytest.mark.parametrize("sort", USER_SORTS)
@pytest.mark.parametrize("desc", [False, True])
def test_both_page_plans_give_the_same_rows(people, monkeypatch, sort, desc) -> None:  # noqa: F811
    filters = [UserFilter(), UserFilter(active=True, lacks=[VISIT_10]), UserFilter(text="odd")]
    for f in (flt.changed(sort=sort, desc=desc) for flt in filters):
        few = ids(people, f)
        pages = [people.users.search(f, "UTC", 3, offset)[0]["id"].to_list() for offset in (0, 3)]
        monkeypatch.setattr(pg_users, "_FEW", -1)
        assert ids(people, f) == few
        assert [
            people.users.search(f, "UTC", 3, offset)[0]["id"].to_list() for offset in (0, 3)
        ] == pages
        assert pages[0] + pages[1] == few[:6]
        monkeypatch.setattr(pg_users, "_FEW", 50_000)


@pytest.mark.parametrize("f", DRIVEN, ids=range(len(DRIVEN)))
def test_the_count_read_from_the_holders_is_the_exact_count_up_to_its_bound(holders, f) -> None:
    exact = holders.users.count(f, "UTC")
    matching = ids(holders, f)
    assert exact == len(matching)
    for bound in (0, 1, 2, 3, 5, 100):
        driven = UserCounter(holders).driven_count(f, "UTC", bound)
        assert driven == min(exact, bound + 1), (bound, matching)
        assert holders.users.count(f, "UTC", count_up_to=bound) == driven


# Beside text, "holds" and "does not hold" read m013's list of each user's quests.
LISTED = [
    UserFilter(holds=[4, 5], text="USER"),
    UserFilter(holds=[5], text="odd.org", not_in_batch=1),
    UserFilter(holds=[4, 5], text="_"),  # LIKE's wildcard, literal: nobody has it here
    UserFilter(text="user", lacks=[4]),
    UserFilter(text="user", holds=[4, 5], lacks=[VISIT_10, VISIT_100, ANSWER, 6, 7]),
    UserFilter(
        text="user", holds=[VISIT_10, 4], active=True, registered=DateFilter(">", date(2025, 1, 5))
    ),
]


@pytest.mark.parametrize("f", LISTED, ids=range(len(LISTED)))
def test_beside_text_the_quests_are_matched_on_the_users_list_as_on_the_unlocks(holders, f) -> None:
    plain = f.changed(text="")
    by_unlocks = [
        i for i in ids(holders, plain) if i in ids(holders, f.changed(holds=(), lacks=()))
    ]
    assert ids(holders, f) == by_unlocks
    exact = holders.users.count(f, "UTC")
    assert exact == len(by_unlocks)
    assert UserCounter(holders).driven_count(f, "UTC", 100) is None
    for bound in (0, 1, 2, 100):
        assert holders.users.count(f, "UTC", count_up_to=bound) == min(exact, bound + 1)
    clauses, _ = search_sql.conditions(f, "UTC")
    assert "unlocks" not in " ".join(clauses)


def test_a_user_holding_several_of_the_quests_is_counted_once(holders) -> None:
    # Users 6-8 hold quests 4 and 5: 4-9 and 11-13 hold one of them, nine users in all.
    f = UserFilter(holds=[4, 5])
    assert ids(holders, f) == [4, 5, 6, 7, 8, 9, 11, 12, 13]
    assert UserCounter(holders).driven_count(f, "UTC", 100) == 9
    rows, total = holders.users.search(f, "UTC", 4, 0, count_up_to=100)
    assert (rows["id"].to_list(), total) == ([4, 5, 6, 7], 9)


def test_the_most_held_quest_is_read_first_once_the_statistics_know_it(holders) -> None:
    holders.execute("ANALYZE unlocks")
    assert UserCounter(holders).holder_estimates([VISIT_10, 4, 5, 99]) == {VISIT_10: 3, 4: 6, 5: 6}
    # Whatever the order, the branches leave out the holders already counted.
    assert UserCounter(holders).driven_count(UserFilter(holds=[VISIT_10, 4, 5]), "UTC", 100) == 11


def test_the_plain_count_is_kept_where_the_holders_are_not_the_cheaper_side(holders) -> None:
    for f in (
        UserFilter(holds=[4]),  # one quest alone: a merge in id order
        UserFilter(holds=[4, 5], ids=[4, 6, 11]),  # pasted ids are fewer still
        UserFilter(holds=[4, 5], in_batch=1),  # so is a batch
        UserFilter(lacks=[4], registered=DateFilter(">", date(2025, 1, 5))),
        UserFilter(holds=list(range(1, 10))),  # more quests than get a branch each
    ):
        assert UserCounter(holders).driven_count(f, "UTC", 100) is None
        assert holders.users.count(f, "UTC", count_up_to=100) == holders.users.count(f, "UTC")


def test_several_quests_not_held_each_or_all_at_once_give_the_same_users(holders) -> None:
    few = UserFilter(lacks=[4, 5])
    many = UserFilter(lacks=[4, 5, 90, 91, 92])  # more than EACH_LACKS: one anti join
    assert len(many.lacks) > search_sql.EACH_LACKS >= len(few.lacks)
    assert ids(holders, few) == ids(holders, many) == [1, 2, 3, 10, 14, 15, 16]


def test_the_sort_by_quests_held_reads_the_stored_count_through_its_index(holders) -> None:
    f = UserFilter(sort="quests_held")
    assert ids(holders, f)[:6] == [9, 8, 7, 6, 1, 13]  # 2 quests each (ties by id, desc), then 1
    sql, params = page_sql.page_sql(f, "UTC", with_count=False, with_batch=False)
    values = {**params, "limit": 50, "offset": 0}
    with holders.connection() as conn:
        conn.execute("SET LOCAL enable_seqscan = off")  # a few rows: make the index the choice
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}", values).fetchall())
    assert "platform_users_quests_held" in plan
    assert "unlocks" not in plan  # no count of anyone's unlocks


def test_a_date_that_few_users_pass_keeps_the_plain_count(holders) -> None:
    holders.execute("ANALYZE platform_users")
    holders.execute("ANALYZE unlocks")
    one_day = UserFilter(holds=[4, 5], registered=DateFilter("=", date(2025, 1, 5)))
    assert (
        UserCounter(holders).driven_count(one_day, "UTC", 100) is None
    )  # 1 user against 12 holders
    assert holders.users.count(one_day, "UTC", count_up_to=100) == 1
    every_day = UserFilter(holds=[4, 5], registered=DateFilter("<", date(2030, 1, 1)))
    assert UserCounter(holders).driven_count(every_day, "UTC", 100) == 9  # 15 users registered


def test_a_capped_count_puts_back_the_settings_its_caller_had(holders) -> None:
    def work(u) -> tuple[int, str]:
        u.users.rows("SET LOCAL work_mem = '7MB'")
        found = u.users.count(DRIVEN[0], "UTC", count_up_to=100)
        return found, u.users.scalar("SELECT current_setting('work_mem')")

    found, work_mem = holders.transaction(work)
    assert found == holders.users.count(DRIVEN[0], "UTC")
    assert work_mem == "7MB"
