"""How deep the batch list may be paged, for every caller (page, API, CLI) alike.

DuckDB's top-N sort (core/store/duckdb/history.py) takes fewer than a million rows, so a page
past the first `MAX_LISTED_BATCHES` batches is refused in words rather than failing in the store.
"""

from __future__ import annotations

MAX_LISTED_BATCHES = 999_999
TOO_DEEP = (
    "This page lies past the first {limit:,} batches of the list, the most it is paged to. "
    "Narrow the filters, or ask for an earlier page."
)


def too_deep(page: int, per_page: int) -> bool:
    """Tell whether this page of this size reaches past the batches the list is paged to."""
    return page * per_page > MAX_LISTED_BATCHES
