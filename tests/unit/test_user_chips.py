"""The Users page's chips (one per active filter, each with the filter once it is removed) and
the filter as one line for audit entries, file names and the command line."""

from __future__ import annotations

from core.segments.user_chips import ALL_USERS, chips, describe
from core.segments.user_filter import UserFilter

QUESTS = {3: "Explorer › Visit 10 pages", 5: "Helper › First answer"}
EVERY_FIELD = UserFilter(
    text="anna",
    ids=[12, 3],
    active=True,
    registered=">2026-01-01",
    last_active="<2026-11-01",
    holds=[3, 4],
    lacks=[5],
    in_batch=48,
    in_batch_status="error",
    not_in_batch=50,
    sort="username",
    page=4,
)


def test_no_filter_has_no_chip() -> None:
    assert chips(UserFilter(page=3, sort="email"), QUESTS) == []


def test_every_filter_has_a_chip_in_the_filters_box_order() -> None:
    labels = [(c.key, c.label) for c in chips(EVERY_FIELD, QUESTS)]
    assert labels == [
        ("text", "Username or email contains: anna"),
        ("ids", "User IDs: 3, 12"),
        ("active", "Active"),
        ("registered", "Registered > After 2026-01-01"),
        ("last_active", "Last active < Before 2026-11-01"),
        ("holds:3", "Holds: Explorer › Visit 10 pages"),
        ("holds:4", "Holds: #4"),
        ("lacks:5", "Does not hold: Helper › First answer"),
        ("in_batch", "Error in batch 48"),
        ("not_in_batch", "Not in batch 50"),
    ]


def test_each_chip_removes_its_own_filter_only_and_goes_back_to_page_one() -> None:
    by_key = {c.key: c.without for c in chips(EVERY_FIELD, QUESTS)}
    base = EVERY_FIELD.with_page(1)
    assert by_key["text"] == base.changed(text="")
    assert by_key["ids"] == base.changed(ids=())
    assert by_key["active"] == base.changed(active=None)
    assert by_key["registered"] == base.changed(registered=None)
    assert by_key["last_active"] == base.changed(last_active=None)
    assert by_key["holds:3"].holds == (4,) and by_key["holds:4"].holds == (3,)
    assert by_key["lacks:5"] == base.changed(lacks=())
    assert by_key["in_batch"] == base.changed(in_batch=None, in_batch_status=None)
    assert by_key["not_in_batch"] == base.changed(not_in_batch=None)
    assert all(w.page == 1 and w.sort == "username" for w in by_key.values())


def test_a_batch_without_a_status_reads_in_batch_and_names_the_batch_when_known() -> None:
    f = UserFilter(in_batch=48, not_in_batch=7)
    labels = [c.label for c in chips(f, {}, batch_names={48: "Spring promo"})]
    assert labels == ["In batch 48 “Spring promo”", "Not in batch 7"]


def test_a_chip_of_a_long_id_list_names_the_first_ten_and_the_count() -> None:
    (chip,) = chips(UserFilter(ids=range(1, 26)), {})
    assert chip.label == "User IDs: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … (25 IDs)"


def test_the_deactivated_chip_and_the_equal_day_read_as_the_page_says() -> None:
    labels = [c.label for c in chips(UserFilter(active=False, registered="=2026-02-03"), {})]
    assert labels == ["Deactivated", "Registered = Equal 2026-02-03"]


def test_describe_reads_as_one_line() -> None:
    assert describe(UserFilter(active=True, holds=[3], lacks=[5])) == (
        "active, holds quest 3, lacks quest 5"
    )


def test_describe_names_every_filter_and_the_quests_it_knows() -> None:
    assert describe(EVERY_FIELD, QUESTS) == (
        "username or email contains “anna”, User IDs 3, 12, active, registered after 2026-01-01, "
        "last active before 2026-11-01, holds “Explorer › Visit 10 pages” (quest 3) or quest 4, "
        "lacks “Helper › First answer” (quest 5), error in batch 48, not in batch 50"
    )


def test_describe_of_several_lacked_quests_says_and_and_of_no_filter_all_users() -> None:
    assert describe(UserFilter(lacks=[5, 6], active=False, in_batch=2)) == (
        "deactivated, lacks quest 5 and quest 6, in batch 2"
    )
    assert describe(UserFilter(sort="email", page=2)) == ALL_USERS == "all users"
