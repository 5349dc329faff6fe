"""The Users page's filter in the URL: every field round trips, defaults stay out of the link,
and a bad or contradicting value is left out with a note instead of hiding the list."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from core.segments.user_filter import MAX_FILTER_IDS, UserFilter
from core.segments.user_url import (
    back_params,
    parse_query_params,
    to_query_params,
    to_query_string,
)

EVERY_FIELD = UserFilter(
    text="Ann & Bob=1",
    ids=[12, 3],
    active=False,
    registered=">2026-01-01",
    last_active="<2026-11-01",
    holds=[3, 4],
    lacks=[5],
    in_batch=48,
    in_batch_status="error",
    not_in_batch=50,
    sort="username",
    desc=True,
    page=2,
    page_size=100,
)


def _round_trip(f: UserFilter) -> tuple[UserFilter, list[str]]:
    return parse_query_params(parse_qs(to_query_string(f)))


def test_the_default_filter_has_an_empty_link() -> None:
    assert to_query_params(UserFilter()) == {}
    assert to_query_string(UserFilter()) == ""


def test_every_field_has_its_key() -> None:
    assert to_query_params(EVERY_FIELD) == {
        "q": ["Ann & Bob=1"],
        "ids": ["3,12"],
        "active": ["no"],
        "registered": [">2026-01-01"],
        "last_active": ["<2026-11-01"],
        "holds": ["3", "4"],
        "lacks": ["5"],
        "in_batch": ["48"],
        "in_status": ["error"],
        "not_in_batch": ["50"],
        "sort": ["username:desc"],
        "page": ["2"],
        "size": ["100"],
    }


def test_a_filter_with_every_field_round_trips_through_its_link() -> None:
    assert _round_trip(EVERY_FIELD) == (EVERY_FIELD, [])


@pytest.mark.parametrize(
    ("f", "sort"),
    [
        (UserFilter(sort="registered_at"), "registered_at"),
        (UserFilter(sort="registered_at", desc=False), "registered_at:asc"),
        (UserFilter(sort="quests_held", desc=True), "quests_held"),
        (UserFilter(sort="email"), "email"),
        (UserFilter(sort="id", desc=True), "id:desc"),
    ],
)
def test_a_sort_names_its_direction_only_when_it_is_not_the_natural_one(
    f: UserFilter, sort: str
) -> None:
    assert to_query_params(f)["sort"] == [sort]
    assert _round_trip(f) == (f, [])


def test_active_yes_and_the_other_date_operator_round_trip() -> None:
    f = UserFilter(active=True, last_active="=2026-03-08")
    assert "active=yes" in to_query_string(f)
    assert _round_trip(f) == (f, [])


def test_a_single_string_value_and_comma_lists_are_read_like_repeated_keys() -> None:
    f, notes = parse_query_params({"holds": "3,4", "lacks": ["7", "6"], "ids": "5 1,2"})
    assert (f.holds, f.lacks, f.ids, notes) == ((3, 4), (6, 7), (1, 2, 5), [])


def test_unknown_keys_belong_to_other_parts_and_are_ignored() -> None:
    assert parse_query_params({"batch": "3", "tab": "x"}) == (UserFilter(), [])


def test_each_bad_value_is_left_out_with_a_note_and_the_good_ones_kept() -> None:
    f, notes = parse_query_params(
        {
            "ids": "1,x",
            "active": "maybe",
            "registered": ">2026-13-01",
            "last_active": "soon",
            "holds": ["3", "q"],
            "lacks": "0",
            "in_batch": "-1",
            "in_status": "lost",
            "not_in_batch": "zero",
            "sort": "password",
            "page": "0",
            "size": "9999",
            "q": "a" * 201,
        }
    )
    assert f == UserFilter(ids=[1], holds=[3])
    assert len(notes) == 13
    assert "The link's ids=x was left out: “x” is not a User ID." in notes[1]
    assert any(n.startswith("The link's active=maybe was left out: ") for n in notes)
    assert any("registered=>2026-13-01" in n and "not a day of the calendar" in n for n in notes)
    assert any(n.startswith("The link's size=9999 was left out: ") for n in notes)


def test_an_empty_active_value_means_any_while_any_other_word_is_a_note() -> None:
    assert parse_query_params({"active": ""}) == (UserFilter(), [])
    f, notes = parse_query_params({"active": "any"})
    assert f.active is None and notes == [
        "The link's active=any was left out: 'any' is not an active choice; "
        "use yes (active) or no (deactivated)."
    ]


def test_a_quest_in_both_holds_and_lacks_keeps_the_holds_and_notes_the_lacks() -> None:
    f, notes = parse_query_params({"holds": ["3", "4"], "lacks": ["3", "5"]})
    assert (f.holds, f.lacks) == ((3, 4), (5,))
    assert notes == ["The link's lacks=3 was left out: quest 3 is in holds too."]


def test_a_status_without_its_batch_is_left_out_with_a_note() -> None:
    f, notes = parse_query_params({"in_status": "error"})
    assert f == UserFilter()
    assert notes == ["The link's in_status=error was left out: it needs in_batch."]


def test_the_same_batch_in_and_not_in_keeps_in_and_notes_not_in() -> None:
    f, notes = parse_query_params({"in_batch": "8", "not_in_batch": "8"})
    assert (f.in_batch, f.not_in_batch) == (8, None)
    assert notes == ["The link's not_in_batch=8 was left out: it is the same batch as in_batch."]


def test_a_link_with_more_ids_than_a_filter_takes_drops_the_list_with_a_note() -> None:
    ids = ",".join(str(i) for i in range(1, MAX_FILTER_IDS + 2))
    f, notes = parse_query_params({"ids": ids, "holds": "3"})
    assert (f.ids, f.holds) == ((), (3,))
    assert notes == ["The link's ids was left out: it names more than 1,000."]


def test_the_last_of_repeated_single_values_wins() -> None:
    f, notes = parse_query_params({"in_batch": ["4", "9"], "sort": ["id", "email:desc"]})
    assert (f.in_batch, f.sort, f.desc, notes) == (9, "email", True, [])


def test_a_user_page_leads_back_to_the_list_it_came_from_without_the_bad_values() -> None:
    carried = to_query_string(UserFilter(text="emma", holds=[3], page=2))
    assert back_params(carried) == {"q": ["emma"], "holds": ["3"], "page": ["2"]}
    assert back_params("q=emma&active=maybe&nonsense=1") == {"q": ["emma"]}
    assert back_params("") == {}
    assert back_params("q=" + "x" * 10_000) == {}  # cut at the bound: too long a text to search
