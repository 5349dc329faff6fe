"""The batch history: filters, date operators in the viewer's time zone, sorting, paging, drafts,
shareable URLs, chips, CSV export and chart data."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest

from core.catalog.badge_tree import Quest
from core.errors import InputError
from core.history.dates import DateFilter
from core.history.screen import status_choices, view_from_url, with_checked, with_dates
from core.history.url import (
    back_params,
    parse_query_params,
    to_query_params,
    to_query_string,
)
from core.history.view import BatchFilter
from tests.support.batch_list import (
    ANSWER,
    EXPLORER,
    MENTOR,
    VISIT_10,
    VISIT_100,
)
from tests.support.world import admin, analyst, dev


def test_the_status_filter_accepts_the_spec_words_as_well_as_codes() -> None:
    words = BatchFilter(statuses=["In Progress", "Partially published", "PUBLISHED"])
    assert words.statuses == ("in_progress", "published", "partially_published")


def test_an_unknown_status_is_refused_with_the_statuses_to_use() -> None:
    with pytest.raises(InputError, match="'Done' is not a batch status; use one of Draft, "):
        BatchFilter(statuses=["Done"])


def test_a_date_filter_without_an_operator_or_with_a_bad_day_is_refused() -> None:
    with pytest.raises(InputError, match="“2026-03-01” needs an operator first: > after"):
        DateFilter.parse("2026-03-01")
    with pytest.raises(InputError, match="not a day of the calendar"):
        DateFilter.parse(">2026-02-30")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        DateFilter.parse("=01/03/2026")


def test_the_draft_status_choice_is_offered_only_to_who_can_see_drafts() -> None:
    assert ("draft", "Draft") in status_choices(dev)
    assert ("draft", "Draft") in status_choices(admin)
    assert [word for _, word in status_choices(analyst)] == [
        "Unpublished",
        "In Progress",
        "Published",
        "Partially published",
        "Revoking",
        "Revoked",
        "Partially revoked",
        "Paused",
    ]


def test_a_link_asking_for_drafts_keeps_its_other_statuses_for_who_cannot_see_drafts() -> None:
    view, notes = view_from_url({"status": ["draft", "published"], "name": "x"}, analyst)
    assert view == BatchFilter(statuses=["published"], name="x")
    assert notes == [
        "The link's status filter Draft was left out: your role does not see those batches."
    ]
    assert view_from_url({"status": "draft"}, dev) == (BatchFilter(statuses=["draft"]), [])


def test_a_fully_checked_badge_filters_as_the_badge_and_a_partial_one_as_its_quests() -> None:
    tree = {
        "Explorer": [Quest(VISIT_10, EXPLORER, "Explorer", "Visit 10 pages", False),
                     Quest(VISIT_100, EXPLORER, "Explorer", "Visit 100 pages", False)],
        "Mentor": [Quest(ANSWER, MENTOR, "Mentor", "Answer a question", False)],
    }  # fmt: skip
    view = with_checked(BatchFilter(page=3), tree, {VISIT_100, ANSWER})
    assert view == BatchFilter(badge_ids=[MENTOR], quest_ids=[VISIT_100])


def test_a_date_search_needs_a_day_in_one_of_its_two_rows() -> None:
    with pytest.raises(InputError, match="Pick a whole date"):
        with_dates(BatchFilter(), (">", None), ("=", None))
    day = date(2026, 3, 1)
    assert with_dates(BatchFilter(page=2), ("<", day), ("=", None)) == BatchFilter(
        created=DateFilter("<", day)
    )


# -- URL ----------------------------------------------------------------------------------------


def read(params: dict) -> BatchFilter:
    """The view URL parameters give, as the page reads them, checking no value was left out."""
    view, notes = parse_query_params(params)
    assert notes == []
    return view


def read_link(query: str) -> BatchFilter:
    """The view a link's query string gives (a browser's URL decoding, then the page's)."""
    return read(parse_qs(query, keep_blank_values=True))


def test_the_default_view_has_an_empty_query_string() -> None:
    assert to_query_string(BatchFilter()) == ""
    assert read_link("") == BatchFilter()


def test_the_url_uses_short_readable_keys() -> None:
    flt = BatchFilter(
        statuses=["in_progress", "published"],
        name="foo",
        quest_ids=[3],
        created=">2026-10-01",
        sort="name",
        desc=True,
        page=2,
    )
    assert to_query_params(flt) == {
        "status": ["in_progress", "published"],
        "name": ["foo"],
        "quest": ["3"],
        "created": [">2026-10-01"],
        "sort": ["name:desc"],
        "page": ["2"],
    }
    assert to_query_string(flt) == (
        "status=in_progress&status=published&name=foo&quest=3&created=%3E2026-10-01"
        "&sort=name:desc&page=2"
    )


def test_every_filter_sort_and_page_survives_the_url_round_trip() -> None:
    flt = BatchFilter(
        statuses=["draft", "partially_published"],
        name="50% & more_",
        quest_ids=[7, 3],
        badge_ids=[2],
        created="=2026-03-02",
        updated="<2026-04-01",
        sort="users",
        desc=False,
        page=3,
        page_size=100,
    )
    assert read(to_query_params(flt)) == flt
    assert read_link(to_query_string(flt)) == flt


def test_equal_views_give_equal_urls_whatever_the_order_of_choices() -> None:
    a = BatchFilter(statuses=["published", "draft", "published"], quest_ids=[3, 1, 3])
    b = BatchFilter(statuses=["Draft", "Published"], quest_ids=["1", "3"])
    assert a == b
    assert to_query_string(a) == to_query_string(b)


def test_single_values_and_comma_lists_from_a_url_are_read() -> None:
    flt = read({"status": "published,In Progress", "quest": ["3", "4"], "sort": "created_at"})
    assert flt == BatchFilter(
        statuses=["published", "in_progress"], quest_ids=[3, 4], sort="created_at", desc=False
    )


def test_a_shared_link_with_bad_values_keeps_the_good_ones_and_says_what_was_left_out() -> None:
    flt, notes = parse_query_params(
        {
            "status": ["published", "done"],
            "quest": ["3", "x"],
            "sort": "colour",
            "page": "0",
            "name": "spring",
            "batch": "42",
        }
    )
    assert flt == BatchFilter(statuses=["published"], quest_ids=[3], name="spring")
    assert len(notes) == 4
    assert notes[0].startswith("The link's status=done was left out: 'done' is not a batch status")


def test_clicking_a_column_header_sorts_then_reverses() -> None:
    flt = BatchFilter(page=4)
    by_name = flt.sorted_by("name")
    assert (by_name.sort, by_name.desc, by_name.page) == ("name", False, 1)
    assert by_name.sorted_by("name").desc is True
    assert flt.sorted_by("updated_at").desc is True  # Dates start newest first.


def test_a_view_s_filters_alone_ignore_its_sort_page_and_page_size():
    view = BatchFilter(statuses=["published"], name="spring", quest_ids=[3], sort="name")
    moved = view.sorted_by("status").with_page(4).changed(page_size=50).with_page(2)
    assert moved.filters_only == view.filters_only
    assert view.filters_only == BatchFilter(statuses=["published"], name="spring", quest_ids=[3])
    assert view.changed(name="autumn").filters_only != view.filters_only


def test_a_batch_page_leads_back_to_the_list_it_came_from_without_the_bad_values() -> None:
    carried = to_query_string(
        BatchFilter(statuses=["published"], name="forum", sort="name", page=3)
    )
    assert back_params(carried) == {
        "status": ["published"],
        "name": ["forum"],
        "sort": ["name"],
        "page": ["3"],
    }
    assert back_params("status=nonsense&quest=x&badge=2&evil=1") == {"badge": ["2"]}
    assert back_params("") == {}
