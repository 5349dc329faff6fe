"""The Users page's reads on a real store: every filter and their mixes, dates in the viewer's
time zone, sorting and paging, the two exports' exact bytes (read back as an upload), the file
names, and one user's page."""

from __future__ import annotations

from datetime import UTC as UTC_ZONE
from datetime import date

import pytest

from core.access.roles import Account
from core.batches import add_one, drafts, matching
from core.batches.row_status import OK
from core.errors import InputError, NotFound, PermissionDenied
from core.segments import segment
from core.segments.segment import (
    clean_filter,
    count_users,
    export_all,
    export_name,
    export_template,
    find_users,
    list_users,
    user_profile,
)
from core.segments.user_filter import UserFilter
from core.upload import intake
from core.upload.template import template_csv
from tests.support.batches import ANSWER, INACTIVE_USER, VISIT_10, VISIT_100
from tests.support.held import refresh_held
from tests.support.world import admin, analyst, dev

UTC = "UTC"
PARIS = "Europe/Paris"
BOM = "\ufeff".encode()
SETUP = (
    # batch_world: users 1-12 (10 deactivated, 11 "Renée", 12 "JÜRGEN"), user 7 holds quest 1
    # from batch 1 "Old". Here: user 5 is "=cmd", three users have dates, two hold more quests.
    "UPDATE platform_users SET username = '=cmd', username_norm = '=cmd' WHERE id = 5",
    "UPDATE platform_users SET registered_at = CAST('2025-06-01 10:00:00+00' AS TIMESTAMPTZ), "
    "last_active_at = CAST('2026-11-20 10:00:00+00' AS TIMESTAMPTZ) WHERE id = 1",
    # 23:30 UTC on 1 January is 00:30 on 2 January in Paris.
    "UPDATE platform_users SET registered_at = CAST('2026-01-01 23:30:00+00' AS TIMESTAMPTZ), "
    "last_active_at = CAST('2026-10-01 12:00:00+00' AS TIMESTAMPTZ) WHERE id = 2",
    "UPDATE platform_users SET registered_at = CAST('2026-03-01 08:00:00+00' AS TIMESTAMPTZ) "
    "WHERE id = 3",  # never active
    "INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (3, 2, NULL), (3, 3, NULL), "
    "(7, 3, NULL)",
)


@pytest.fixture
def people(batch_world):
    """batch_world with dates, a formula-like username and more quests held (see SETUP)."""
    for statement in SETUP:
        batch_world.execute(statement)
    refresh_held(batch_world)  # the stored quests held, as the product's writes keep them
    return batch_world


def ids(cur, f: UserFilter | None = None, tz: str = UTC, viewer: Account = admin) -> list[int]:
    """The User IDs on the page the filter asks for, in order."""
    return find_users(cur, viewer, f or UserFilter(), tz).rows["id"].to_list()


def test_with_no_filter_every_user_is_listed_by_id_with_the_page_columns(people) -> None:
    page = find_users(people, admin, UserFilter(), UTC)
    assert page.total == 12 and page.pages == 1
    assert page.rows["id"].to_list() == list(range(1, 13))
    assert {"id", "username", "email", "active", "registered_at", "last_active_at"} <= set(
        page.rows.columns
    )
    held = dict(zip(page.rows["id"], page.rows["quests_held"], strict=True))
    assert (held[3], held[7], held[1]) == (2, 2, 0)


def test_holds_matches_any_of_its_quests_and_lacks_none_of_them(people) -> None:
    assert ids(people, UserFilter(holds=[VISIT_10])) == [7]
    assert ids(people, UserFilter(holds=[VISIT_10, VISIT_100])) == [3, 7]
    assert ids(people, UserFilter(lacks=[ANSWER])) == [1, 2, 4, 5, 6, 8, 9, 10, 11, 12]
    assert ids(people, UserFilter(lacks=[VISIT_10, VISIT_100])) == [1, 2, 4, 5, 6, 8, 9, 10, 11, 12]
    assert ids(people, UserFilter(holds=[ANSWER], lacks=[VISIT_10])) == [3]


def test_active_and_deactivated_are_told_apart(people) -> None:
    assert ids(people, UserFilter(active=False)) == [INACTIVE_USER]
    assert INACTIVE_USER not in ids(people, UserFilter(active=True))
    assert count_users(people, admin, UserFilter(active=True), UTC) == 11


def test_text_matches_username_or_email_in_any_case(people) -> None:
    assert ids(people, UserFilter(text="RENÉE")) == [11]
    assert ids(people, UserFilter(text="jür")) == [12]
    assert ids(people, UserFilter(text="JURGEN@example")) == [12]
    assert ids(people, UserFilter(text="user1")) == [1, 10]
    assert ids(people, UserFilter(text="=CMD")) == [5]


def test_like_wildcards_in_the_text_are_matched_literally(people) -> None:
    assert ids(people, UserFilter(text="_")) == []
    assert ids(people, UserFilter(text="%")) == []


def test_a_user_id_list_keeps_only_those_users(people) -> None:
    assert ids(people, UserFilter(ids=[12, 3, 999])) == [3, 12]


def test_registered_dates_are_days_in_the_viewers_time_zone(people) -> None:
    assert ids(people, UserFilter(registered="=2026-01-01"), UTC) == [2]
    assert ids(people, UserFilter(registered="=2026-01-01"), PARIS) == []
    assert ids(people, UserFilter(registered="=2026-01-02"), PARIS) == [2]
    assert ids(people, UserFilter(registered=">2026-01-01"), UTC) == [3]
    assert ids(people, UserFilter(registered=">2026-01-01"), PARIS) == [2, 3]
    assert ids(people, UserFilter(registered="<2026-01-01"), UTC) == [1]


def test_a_user_never_active_matches_no_last_active_condition(people) -> None:
    assert ids(people, UserFilter(last_active="<2026-11-01")) == [2]
    assert ids(people, UserFilter(last_active=">2025-01-01")) == [1, 2]
    assert ids(people, UserFilter(last_active="=2026-11-20")) == [1]


def test_in_a_batch_with_a_status_and_not_in_a_batch(people) -> None:
    page = find_users(people, admin, UserFilter(in_batch=1), UTC)
    assert page.rows["id"].to_list() == [7]
    assert page.rows["batch_status"].to_list() == ["published"]
    assert ids(people, UserFilter(in_batch=1, in_batch_status="published")) == [7]
    assert ids(people, UserFilter(in_batch=1, in_batch_status="error")) == []
    assert ids(people, UserFilter(not_in_batch=1)) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]


def test_filters_combine_with_and(people) -> None:
    f = UserFilter(active=True, lacks=[VISIT_10], text="user", registered="<2026-02-01")
    assert ids(people, f) == [1, 2]
    assert count_users(people, admin, f, UTC) == 2


def test_dates_and_quests_held_sort_newest_first_and_never_set_last(people) -> None:
    by_registered = ids(people, UserFilter(sort="registered_at"))
    assert by_registered[:3] == [3, 2, 1]
    assert sorted(by_registered[3:]) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert ids(people, UserFilter(sort="registered_at", desc=False))[-3:] == [1, 2, 3]
    assert set(ids(people, UserFilter(sort="quests_held"))[:2]) == {3, 7}
    assert ids(people, UserFilter(sort="username"))[0] == 5  # "=cmd" sorts before letters


def test_pages_cut_the_sorted_list_and_a_page_past_the_end_shows_the_last(people) -> None:
    assert ids(people, UserFilter(page=2, page_size=5)) == [6, 7, 8, 9, 10]
    page = find_users(people, admin, UserFilter(page=9, page_size=5), UTC)
    assert (page.filter.page, page.pages, page.total) == (3, 3, 12)
    assert page.rows["id"].to_list() == [11, 12]


def test_the_page_counts_up_to_the_bound_and_then_says_more_than(people, monkeypatch) -> None:
    monkeypatch.setattr(segment, "MAX_EXPORT_ROWS", 5)
    page = find_users(people, admin, UserFilter(page=2, page_size=4), UTC)
    assert (page.total, page.more_than, page.rows["id"].to_list()) == (6, True, [5, 6, 7, 8])
    exact = find_users(people, admin, UserFilter(active=False), UTC)
    assert (exact.total, exact.more_than) == (1, False)
    # Past the counted users: the last page the pager offers (no count past the bound).
    last = find_users(people, admin, UserFilter(page=9, page_size=5), UTC)
    assert (last.filter.page, last.pages, last.rows["id"].to_list()) == (1, 1, [1, 2, 3, 4, 5])
    assert count_users(people, admin, UserFilter(), UTC, up_to=5) == 6
    assert count_users(people, admin, UserFilter(), UTC) == 12


def test_times_come_in_the_viewers_time_zone(people) -> None:
    rows = find_users(people, admin, UserFilter(ids=[2]), PARIS).rows
    registered = rows["registered_at"][0]
    assert (registered.isoformat(), str(registered.tzinfo)) == (
        "2026-01-02T00:30:00+01:00",
        PARIS,
    )


def test_analysts_read_the_list_and_no_one_logged_out_does(people) -> None:
    assert ids(people, UserFilter(holds=[VISIT_10]), viewer=analyst) == [7]
    with pytest.raises(PermissionDenied):
        find_users(people, None, UserFilter(), UTC)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not a time zone"):
        count_users(people, admin, UserFilter(), "Mars/Olympus")


def test_the_command_lines_list_takes_more_than_a_page_and_says_how_many_match(people) -> None:
    page = list_users(people, admin, UserFilter(active=True, page=3), UTC, 4)
    assert page.rows["id"].to_list() == [1, 2, 3, 4]
    assert (page.total, page.filter.page) == (11, 1)
    with pytest.raises(InputError, match="from 1 to 100,000"):
        list_users(people, admin, UserFilter(), UTC, 0)


def test_the_template_export_is_these_exact_bytes(people) -> None:
    data = export_template(people, analyst, UserFilter(ids=[2, 5], sort="id", desc=True), UTC)
    assert data == (
        BOM + b"ID;Username;Registered email\n"
        b"5;'=cmd;user5@example.com\n"
        b"2;user2;user2@example.com\n"
    )
    assert data[len(BOM) :].startswith(template_csv())


def test_an_export_of_no_matching_user_is_the_header_alone(people) -> None:
    data = export_template(people, admin, UserFilter(text="nobody"), UTC)
    assert data == BOM + template_csv()


def test_the_template_export_reads_back_as_an_upload_of_the_same_users(people) -> None:
    f = UserFilter(active=True, lacks=[VISIT_10])
    data = export_template(people, admin, f, UTC)
    read = intake.read_upload(data, export_name(f, "template"))
    assert read.separator == ";" and read.encoding.startswith("utf-8")
    rows = read.rows.select("id", "username", "email").rows()
    stored = find_users(people, admin, f.changed(page_size=100), UTC).rows
    assert rows == [(str(i), u, e) for i, u, e in stored.select("id", "username", "email").rows()]
    assert ("5", "=cmd", "user5@example.com") in rows


def test_an_exported_list_uploaded_to_a_new_batch_is_every_row_will_be_added(people) -> None:
    f = UserFilter(active=True, holds=[ANSWER], lacks=[VISIT_10])
    data = export_template(people, admin, f, UTC)
    preview = matching.preview(people, intake.read_upload(data, "users.csv"), VISIT_10)
    assert preview.rows.height == 1
    assert preview.rows["status"].to_list() == [OK]
    everyone = matching.preview(
        people, intake.read_upload(export_template(people, admin, UserFilter(), UTC)), VISIT_10
    )
    assert everyone.counts[OK] == 10  # all but the deactivated user and the one holding it


def test_an_export_over_the_bound_is_refused_with_the_count(people, monkeypatch) -> None:
    monkeypatch.setattr(segment, "MAX_EXPORT_ROWS", 5)
    with pytest.raises(InputError) as caught:
        export_template(people, admin, UserFilter(), UTC)
    assert str(caught.value) == "12 users match; an export holds at most 5. Narrow the filters."
    assert export_template(people, admin, UserFilter(), UTC, limit=2).count(b"\n") == 3
    assert segment.export_refusal() == (
        "More than 5 users match; an export holds at most 5. Narrow the filters."
    )


def test_the_full_export_has_every_column_with_readable_headers(people) -> None:
    data = export_all(people, analyst, UserFilter(ids=[2, 5, 10]), PARIS)
    assert data.startswith(BOM)
    lines = data[len(BOM) :].decode().splitlines()
    assert lines == [
        "ID;Username;Registered email;Active;Registered;Last active;Quests held",
        "2;user2;user2@example.com;yes;2026-01-02 00:30:00+01:00;2026-10-01 14:00:00+02:00;0",
        "5;'=cmd;user5@example.com;yes;;;0",
        "10;user10;user10@example.com;no;;;0",
    ]


def test_the_full_export_of_a_batch_filter_has_each_users_status_there(people) -> None:
    data = export_all(people, admin, UserFilter(in_batch=1), UTC)
    lines = data[len(BOM) :].decode().splitlines()
    assert lines[0].endswith(";Quests held;Status in that batch (1);Error reason")
    assert lines[1] == "7;user7;user7@example.com;yes;;;2;Published;"


def test_export_names_carry_the_day_and_the_filters_numbers_only() -> None:
    day = date(2026, 12, 1)
    assert export_name(UserFilter(), "template", day) == "users-2026-12-01.csv"
    f = UserFilter(text="a/b", active=True, holds=[3], lacks=[5, 6], in_batch=48)
    assert (
        export_name(f, "template", day)
        == "users-active-holds-3-lacks-5-6-in-batch-48-2026-12-01.csv"
    )
    f = UserFilter(in_batch=48, in_batch_status="in_progress", not_in_batch=9)
    assert export_name(f, "all", day) == (
        "users-all-columns-in-progress-batch-48-not-in-batch-9-2026-12-01.csv"
    )
    long = export_name(UserFilter(holds=range(1, 60)), "template", day)
    assert len(long) < 110 and long.endswith("-27-2026-12-01.csv")  # whole numbers only


def test_export_names_say_the_date_filters_and_the_viewers_day(monkeypatch) -> None:
    f = UserFilter(active=True, registered="<2026-06-01", last_active="=2026-11-02")
    assert export_name(f, "template", date(2026, 12, 1)) == (
        "users-active-registered-before-2026-06-01-last-active-on-2026-11-02-2026-12-01.csv"
    )
    # 23:30 UTC on 1 December is already 2 December in Tokyo.
    from core.segments import export_names

    class Clock(export_names.datetime):
        @classmethod
        def now(cls, tz=None):
            return export_names.datetime(2026, 12, 1, 23, 30, tzinfo=UTC_ZONE).astimezone(tz)

    monkeypatch.setattr(export_names, "datetime", Clock)
    assert export_name(UserFilter(), "all", tz="Asia/Tokyo") == "users-all-columns-2026-12-02.csv"
    assert export_name(UserFilter(), "all", tz=UTC) == "users-all-columns-2026-12-01.csv"
    with pytest.raises(InputError):
        export_name(UserFilter(), "all", tz="Mars/Olympus")


def test_a_links_unknown_quests_and_unseen_batches_are_left_out_with_a_note_each(people) -> None:
    theirs = drafts.create_draft(people, admin, "Ada's draft", VISIT_100)
    f = UserFilter(
        active=True,
        holds=[VISIT_10, 99999],
        lacks=[88888],
        in_batch=theirs,
        in_batch_status="error",
        not_in_batch=777,
        page=3,
    )
    cleaned, notes = clean_filter(people, dev, f)
    assert cleaned == UserFilter(active=True, holds=[VISIT_10])
    assert notes == [
        "There is no quest 99999, so “Holds” leaves it out.",
        "There is no quest 88888, so “Does not hold” leaves it out.",
        f"No batch {theirs} is visible to you, so “In batch” leaves it out.",
        "No batch 777 is visible to you, so “Not in batch” leaves it out.",
    ]
    assert find_users(people, dev, cleaned, UTC).total == 1  # check_filter takes it now
    # The draft's owner sees it, so it stays; a filter with nothing to drop comes back as it is.
    kept, none = clean_filter(
        people, admin, f.changed(holds=[VISIT_10], lacks=(), not_in_batch=None).with_page(3)
    )
    assert (kept.in_batch, kept.in_batch_status, kept.page, none) == (theirs, "error", 3, [])


def test_a_users_page_says_who_they_are_what_they_hold_and_their_batches(people) -> None:
    profile = user_profile(people, analyst, "7", PARIS)
    assert profile.user[:4] == (7, "user7", "user7@example.com", True)
    assert profile.user.registered_at is None
    held = profile.held.sort("quest_id")
    assert held["quest_id"].to_list() == [VISIT_10, ANSWER]
    assert held["batch_name"].to_list() == ["Old", None]
    assert str(held.schema["unlocked_at"].time_zone) == PARIS
    assert profile.revoked.height == 0
    assert profile.batches["batch_name"].to_list() == ["Old"]
    assert profile.batches["user_status"].to_list() == ["published"]
    dated = user_profile(people, admin, 2, PARIS).user
    assert dated.registered_at.isoformat() == "2026-01-02T00:30:00+01:00"


def test_a_users_page_hides_someone_elses_draft_they_are_in(people) -> None:
    mine = drafts.create_draft(people, admin, "Ada's draft", VISIT_100)
    add_one.add_single(people, admin, mine, "id", "7")
    assert user_profile(people, admin, 7).batches["batch_id"].sort().to_list() == [1, mine]
    assert user_profile(people, dev, 7).batches["batch_id"].to_list() == [1]


def test_a_filter_on_someone_elses_draft_is_refused_as_if_it_did_not_exist(people) -> None:
    theirs = drafts.create_draft(people, admin, "Ada's draft", VISIT_100)
    add_one.add_single(people, admin, theirs, "id", "4")
    assert ids(people, UserFilter(in_batch=theirs)) == [4]
    for f in (UserFilter(in_batch=theirs), UserFilter(not_in_batch=theirs)):
        with pytest.raises(NotFound):
            count_users(people, dev, f, UTC)
        with pytest.raises(NotFound):
            export_template(people, analyst, f, UTC)


def test_a_user_that_does_not_exist_is_not_found_in_words(people) -> None:
    with pytest.raises(NotFound, match=r"There is no user with ID 999\. Check the ID"):
        user_profile(people, admin, 999)
    with pytest.raises(
        NotFound, match=r"There is no user with ID x1\. A User ID is 1 to 18 digits"
    ):
        user_profile(people, admin, "x1")
    with pytest.raises(NotFound, match=r"with ID x{40}…\. A User ID"):
        user_profile(people, admin, "x" * 5000)
