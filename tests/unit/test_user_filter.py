"""The Users page's filter value: every field normalised, contradictions and bad values refused
in words that say what to do, and the helpers the page's callbacks build on."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InputError
from core.history.dates import DateFilter
from core.segments.user_filter import (
    MAX_FILTER_IDS,
    MAX_FILTER_QUESTS,
    MAX_USER_PAGE_SIZE,
    USER_SORTS,
    USER_STATUS_CODES,
    UserFilter,
    parse_active,
    parse_id_list,
    parse_user_id,
    parse_user_sort,
    parse_user_status,
)


def test_an_empty_filter_filters_nothing_and_sorts_by_id_ascending() -> None:
    f = UserFilter()
    assert not f.is_filtered
    assert (f.sort, f.desc, f.page, f.page_size, f.offset) == ("id", False, 1, 50, 0)


def test_the_text_is_trimmed_and_kept_as_typed_with_its_normal_form_beside_it() -> None:
    f = UserFilter(text="  Anna.B@Example.COM ")
    assert f.text == "Anna.B@Example.COM"
    assert f.text_norm == "anna.b@example.com"
    assert f.uses_text and f.is_filtered


def test_blank_text_is_no_filter() -> None:
    f = UserFilter(text="   ")
    assert f.text == "" and not f.uses_text and not f.is_filtered


def test_text_longer_than_the_search_bound_is_refused_with_what_to_do() -> None:
    with pytest.raises(InputError, match=r"longer than 200 characters\. Shorten it"):
        UserFilter(text="x" * 201)
    assert len(UserFilter(text="x" * 200).text) == 200


def test_user_ids_are_deduplicated_and_sorted_from_numbers_or_text() -> None:
    assert UserFilter(ids=["30", 4, " 4 ", 30]).ids == (4, 30)
    assert UserFilter(ids="7").ids == (7,)


def test_a_user_id_that_is_not_digits_is_refused_naming_the_value() -> None:
    for bad in ("12a", "-3", "１２", "1" * 19, True):
        with pytest.raises(InputError, match="Write it as 1 to 18 digits"):
            UserFilter(ids=[bad])


def test_more_ids_than_a_filter_takes_are_refused_with_the_bound() -> None:
    UserFilter(ids=range(1, MAX_FILTER_IDS + 1))
    with pytest.raises(InputError, match=r"1,001 IDs; it takes at most 1,000"):
        UserFilter(ids=range(1, MAX_FILTER_IDS + 2))


def test_a_pasted_id_list_splits_on_commas_semicolons_and_whitespace() -> None:
    assert parse_id_list("12, 15;18\n12\t3 ") == (3, 12, 15, 18)
    assert parse_id_list("") == ()
    with pytest.raises(InputError, match="“x1”"):
        parse_id_list("1, x1")


def test_active_takes_a_bool_yes_no_or_the_words() -> None:
    assert UserFilter(active=True).active is True
    assert UserFilter(active="no").active is False
    assert UserFilter(active="Deactivated").active is False
    assert UserFilter(active="yes").is_filtered
    assert UserFilter(active="any").active is None
    with pytest.raises(InputError, match=r"use yes \(active\) or no \(deactivated\)"):
        parse_active("maybe")


def test_dates_take_text_pairs_or_date_filters() -> None:
    f = UserFilter(registered=">2026-01-01", last_active=("<", date(2026, 11, 1)))
    assert f.registered == DateFilter(">", date(2026, 1, 1))
    assert f.last_active == DateFilter("<", date(2026, 11, 1))
    assert f.is_filtered
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        UserFilter(registered=">1 Jan")


def test_quests_held_and_lacked_are_deduplicated_and_sorted() -> None:
    f = UserFilter(holds=[4, "3", 4], lacks=9)
    assert (f.holds, f.lacks) == ((3, 4), (9,))
    assert f.is_filtered


def test_a_quest_both_held_and_not_held_is_refused_saying_to_remove_it_from_one() -> None:
    with pytest.raises(InputError) as caught:
        UserFilter(holds=[3, 4], lacks=[3])
    assert str(caught.value) == (
        "Quest 3 cannot be both held and not held. Remove it from one of the two."
    )


def test_a_bad_quest_id_or_too_many_quests_are_refused() -> None:
    with pytest.raises(InputError, match="Quest id 'x'"):
        UserFilter(holds=["x"])
    with pytest.raises(InputError, match=f"at most {MAX_FILTER_QUESTS}"):
        UserFilter(lacks=range(1, MAX_FILTER_QUESTS + 2))


def test_a_batch_status_takes_codes_or_words_and_needs_its_batch() -> None:
    assert UserFilter(in_batch=48, in_batch_status="Error").in_batch_status == "error"
    assert UserFilter(in_batch="48", in_batch_status="In Progress").in_batch_status == (
        "in_progress"
    )
    assert UserFilter(in_batch=48, in_batch_status=" ").in_batch_status is None
    with pytest.raises(InputError, match=r"needs a batch\. Choose the batch in “In batch”"):
        UserFilter(in_batch_status="error")
    with pytest.raises(InputError, match="not a user's status in a batch; use one of"):
        UserFilter(in_batch=1, in_batch_status="draft")


def test_every_per_user_status_is_a_status_the_filter_takes() -> None:
    assert USER_STATUS_CODES == (
        "unpublished", "in_progress", "published", "error", "revoking", "revoked"
    )  # fmt: skip
    assert all(parse_user_status(code) == code for code in USER_STATUS_CODES)


def test_one_batch_both_in_and_not_in_is_refused() -> None:
    assert UserFilter(in_batch=1, not_in_batch=2).is_filtered
    assert UserFilter(not_in_batch=2).is_filtered
    with pytest.raises(InputError, match="Batch 5 cannot be both “In batch” and “Not in batch”"):
        UserFilter(in_batch=5, not_in_batch="5")
    with pytest.raises(InputError, match="Batch id 0 is not a positive whole number"):
        UserFilter(in_batch=0)


def test_dates_and_quests_held_sort_newest_or_most_first_by_default() -> None:
    natural = {col: UserFilter(sort=col).desc for col in USER_SORTS}
    assert natural == {
        "id": False,
        "username": False,
        "email": False,
        "registered_at": True,
        "last_active_at": True,
        "quests_held": True,
    }
    assert UserFilter(sort="registered_at", desc=False).desc is False


def test_an_unknown_sort_column_is_refused_listing_the_columns() -> None:
    with pytest.raises(InputError, match="use one of id, username, email"):
        UserFilter(sort="password")


def test_a_sort_text_reads_column_and_direction() -> None:
    assert parse_user_sort("username:desc") == ("username", True)
    assert parse_user_sort("Quests_held") == ("quests_held", True)
    assert parse_user_sort("quests_held:asc") == ("quests_held", False)
    with pytest.raises(InputError, match="COLUMN:desc"):
        parse_user_sort("id:up")


def test_page_and_page_size_must_be_whole_numbers_within_bounds() -> None:
    assert UserFilter(page="3", page_size=20).offset == 40
    with pytest.raises(InputError, match="page 0"):
        UserFilter(page=0)
    with pytest.raises(InputError, match=f"more than {MAX_USER_PAGE_SIZE}"):
        UserFilter(page_size=MAX_USER_PAGE_SIZE + 1)


def test_changing_a_filter_goes_back_to_the_first_page() -> None:
    f = UserFilter(page=4, holds=[3]).changed(lacks=[5])
    assert (f.page, f.holds, f.lacks) == (1, (3,), (5,))
    assert f.with_page(2).page == 2


def test_clicking_a_header_flips_the_same_column_and_takes_a_new_one_naturally() -> None:
    f = UserFilter(page=3)
    by_name = f.sorted_by("username")
    assert (by_name.sort, by_name.desc, by_name.page) == ("username", False, 1)
    assert by_name.sorted_by("username").desc is True
    assert by_name.sorted_by("last_active_at").desc is True


def test_cleared_keeps_sort_and_page_size_but_no_filter() -> None:
    f = UserFilter(text="a", active=True, sort="email", desc=True, page=5, page_size=100)
    assert f.cleared() == UserFilter(sort="email", desc=True, page_size=100)


def test_filters_only_drops_sort_and_page_so_a_count_is_shared() -> None:
    a = UserFilter(holds=[3], sort="email", page=3, page_size=100)
    b = UserFilter(holds=[3], sort="quests_held", desc=False)
    assert a.filters_only == b.filters_only == UserFilter(holds=[3])


def test_equal_filters_are_equal_whatever_order_values_came_in() -> None:
    assert UserFilter(ids=[3, 1], holds=[5, 2]) == UserFilter(ids=[1, 3], holds=[2, 5])
    assert hash(UserFilter(ids=[3, 1])) == hash(UserFilter(ids=(1, 3)))


def test_a_user_id_of_18_digits_is_read_whole() -> None:
    assert parse_user_id(" 123456789012345678 ") == 123456789012345678
