"""The batch list's view as a URL query and back.

URL format (every key optional, defaults left out so links stay short and stable):

    status=published&status=in_progress   status codes, repeatable (spec words accepted too);
                                          status=paused: running batches that are paused
    name=spring                           part of the batch name, case-insensitive
    quest=3&quest=4                       badge quest ids, repeatable
    badge=2                               badge ids (all the badge's quests), repeatable
    created=>2026-10-01                   operator > < = then a YYYY-MM-DD day
    updated=<2026-10-01                   same, on "Last updated"
    sort=name:desc                        a column of SORT_COLUMNS, ":desc" for descending
    page=2&size=100                       page number (from 1) and rows per page

A batch's page opened from the list carries the list's query in `back` (BACK_KEY), so its "Back
to Batch unlock" link returns to the same filters, sort and page (`back_params`).

A shared link can be stale or mistyped, so `parse_query_params` keeps every good value and
returns one note per value it left out: a bad value never hides the whole list behind an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from core.errors import InputError
from core.history.dates import DateFilter
from core.history.terms import (
    DEFAULT_DESC,
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    MAX_PAGE_SIZE,
    parse_id,
    parse_positive,
    parse_sort,
    parse_status,
    search_name,
)
from core.history.view import BatchFilter

Params = Mapping[str, str | Sequence[str]]


def to_query_params(view: BatchFilter) -> dict[str, list[str]]:
    """Return the URL query parameters of a view (defaults left out), key -> values."""
    params: dict[str, list[str]] = {}
    if view.statuses:
        params["status"] = list(view.statuses)
    if view.name:
        params["name"] = [view.name]
    if view.quest_ids:
        params["quest"] = [str(i) for i in view.quest_ids]
    if view.badge_ids:
        params["badge"] = [str(i) for i in view.badge_ids]
    if view.created:
        params["created"] = [view.created.text]
    if view.updated:
        params["updated"] = [view.updated.text]
    if (view.sort, view.desc) != (DEFAULT_SORT, DEFAULT_DESC):
        params["sort"] = [f"{view.sort}:desc" if view.desc else view.sort]
    if view.page != 1:
        params["page"] = [str(view.page)]
    if view.page_size != DEFAULT_PAGE_SIZE:
        params["size"] = [str(view.page_size)]
    return params


def to_query_string(view: BatchFilter) -> str:
    """Return the URL query string of a view, e.g. 'status=published&sort=name:desc'."""
    pairs = [(k, v) for k, values in to_query_params(view).items() for v in values]
    return urlencode(pairs, safe=":")


# The detail page's parameter holding the list's query string it was opened from.
BACK_KEY = "back"
MAX_BACK_CHARS = 4096


def back_params(carried: str) -> dict[str, list[str]]:
    """The list's query parameters from a `back` value (a view's query string), bad values left
    out: what the detail page's link back to the list carries."""
    # A list's query is a few hundred characters; a longer value is cut, not parsed whole.
    view, _notes = parse_query_params(parse_qs(carried[:MAX_BACK_CHARS]))
    return to_query_params(view)


def parse_query_params(params: Params) -> tuple[BatchFilter, list[str]]:
    """Read a view from URL parameters, leaving out bad values, with a note for each one.

    Unknown keys belong to other parts of the app and are ignored.
    """
    notes: list[str] = []
    kwargs: dict[str, object] = {}

    def attempt(key: str, value: str, parse: Callable[[str], object]) -> object:
        try:
            return parse(value)
        except InputError as exc:
            notes.append(f"The link's {key}={value} was left out: {exc}")
            return None

    def many(key: str, parse: Callable[[str], object]) -> list:
        found = [attempt(key, v, parse) for v in _values(params, key, split=True)]
        return [v for v in found if v is not None]

    def last(key: str, parse: Callable[[str], object]) -> object:
        values = _values(params, key, split=False)
        return attempt(key, values[-1], parse) if values else None

    kwargs["statuses"] = many("status", parse_status)
    kwargs["quest_ids"] = many("quest", lambda v: parse_id(v, "quest"))
    kwargs["badge_ids"] = many("badge", lambda v: parse_id(v, "badge"))
    name = _values(params, "name", split=False)
    if name:
        kwargs["name"] = attempt("name", name[-1], search_name) or ""
    for key in ("created", "updated"):
        kwargs[key] = last(key, DateFilter.parse)
    sort = last("sort", parse_sort)
    if sort:
        kwargs["sort"], kwargs["desc"] = sort
    page = last("page", lambda v: parse_positive(v, "page"))
    if page:
        kwargs["page"] = page
    size = last("size", lambda v: parse_positive(v, "page size", MAX_PAGE_SIZE))
    if size:
        kwargs["page_size"] = size
    return BatchFilter(**kwargs), notes


def _values(params: Params, key: str, split: bool) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    if split:  # Also read "status=published,in_progress", which some link builders write.
        values = [part for v in values for part in str(v).split(",")]
    return [str(v).strip() for v in values if str(v).strip()]
