"""How the Users page says its count: exact up to the bound every action has, "more than" beyond."""

import polars as pl

from core.segments.segment import MAX_EXPORT_ROWS, UserPage
from core.segments.user_filter import UserFilter


def _page(total: int, size: int = 50) -> UserPage:
    return UserPage(pl.DataFrame(), total, UserFilter(page_size=size))


def test_an_exact_count_is_said_in_words_that_agree() -> None:
    assert (_page(1).count_text, _page(12_345).count_text) == (
        "1 matching user",
        "12,345 matching users",
    )


def test_a_count_past_the_bound_says_more_than_the_bound() -> None:
    page = _page(MAX_EXPORT_ROWS + 1)
    assert page.more_than
    assert page.count_text == "More than 100,000 matching users"


def test_the_pager_offers_the_pages_the_counted_users_fill() -> None:
    assert (_page(0).pages, _page(51).pages, _page(MAX_EXPORT_ROWS + 1, 100).pages) == (1, 2, 1_000)
