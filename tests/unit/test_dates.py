"""A date filter's day: within the calendar's countable days, and its refusals in words."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InputError
from core.history.dates import LAST_DAY, DateFilter


@pytest.mark.parametrize("text", [">9999-12-31", "=9999-12-31", "<0001-01-01", ">0999-12-31"])
def test_a_day_at_the_calendar_s_edge_is_refused_in_words_not_overflowed(text: str) -> None:
    with pytest.raises(InputError, match="too far away to filter by"):
        DateFilter.parse(text)


def test_the_last_countable_day_has_bounds_in_any_zone() -> None:
    start, end = DateFilter("=", LAST_DAY).bounds("Pacific/Kiritimati")
    assert start is not None and end is not None and start < end
    assert DateFilter(">", date(2026, 10, 1)).bounds("UTC")[0] is not None


def test_a_missing_operator_is_refused_with_an_example() -> None:
    with pytest.raises(InputError, match=r"e\.g\. “>2026-10-01”"):
        DateFilter.parse("tomorrow")


def test_a_bare_day_is_refused_as_needing_an_operator_not_as_a_strange_one() -> None:
    with pytest.raises(InputError) as refused:
        DateFilter.parse("2026-10-01")

    assert str(refused.value) == (
        "“2026-10-01” needs an operator first: > after, < before or = on, e.g. “>2026-10-01”."
    )
