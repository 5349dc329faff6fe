"""The Users page's filter as a URL query and back.

URL format (every key optional, defaults left out so links stay short and stable):

    q=anna                     username or email contains, case-insensitive
    ids=12,15,18               User IDs (comma-separated)
    active=yes                 yes (active) or no (deactivated)
    registered=>2026-01-01     operator > < = then a YYYY-MM-DD day (the viewer's time zone)
    last_active=<2026-11-01    same, on "Last active"
    holds=3&holds=4            badge quest ids the user holds any of, repeatable
    lacks=5                    badge quest ids the user holds none of, repeatable
    in_batch=48&in_status=error    in this batch (with this per-user status)
    not_in_batch=50            not in this batch
    sort=username:desc         a column of USER_SORTS, ":desc"/":asc" when not its natural order
    page=2&size=100            page number (from 1) and rows per page

A shared link can be stale or mistyped, so `parse_query_params` keeps every good value and
returns one note per value it left out: a bad value never hides the whole list behind an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from core.errors import InputError
from core.history import url as batch_url
from core.history.dates import DateFilter
from core.history.terms import parse_id, parse_positive
from core.segments.user_filter import (
    DEFAULT_USER_DESC,
    DEFAULT_USER_PAGE_SIZE,
    DEFAULT_USER_SORT,
    MAX_FILTER_IDS,
    MAX_FILTER_QUESTS,
    MAX_USER_PAGE_SIZE,
    NATURALLY_DESCENDING,
    UserFilter,
    parse_active,
    parse_user_id,
    parse_user_sort,
    parse_user_status,
    search_text,
)

Params = Mapping[str, str | Sequence[str]]


def to_query_params(f: UserFilter) -> dict[str, list[str]]:
    """Return the URL query parameters of a filter (defaults left out), key -> values."""
    params: dict[str, list[str]] = {}
    if f.text:
        params["q"] = [f.text]
    if f.ids:
        params["ids"] = [",".join(str(i) for i in f.ids)]
    if f.active is not None:
        params["active"] = ["yes" if f.active else "no"]
    if f.registered:
        params["registered"] = [f.registered.text]
    if f.last_active:
        params["last_active"] = [f.last_active.text]
    if f.holds:
        params["holds"] = [str(q) for q in f.holds]
    if f.lacks:
        params["lacks"] = [str(q) for q in f.lacks]
    if f.in_batch is not None:
        params["in_batch"] = [str(f.in_batch)]
    if f.in_batch_status:
        params["in_status"] = [f.in_batch_status]
    if f.not_in_batch is not None:
        params["not_in_batch"] = [str(f.not_in_batch)]
    if (f.sort, f.desc) != (DEFAULT_USER_SORT, DEFAULT_USER_DESC):
        natural = f.sort in NATURALLY_DESCENDING
        # A column alone means its natural order; say the direction only when it differs.
        direction = "" if f.desc == natural else (":desc" if f.desc else ":asc")
        params["sort"] = [f.sort + direction]
    if f.page != 1:
        params["page"] = [str(f.page)]
    if f.page_size != DEFAULT_USER_PAGE_SIZE:
        params["size"] = [str(f.page_size)]
    return params


def to_query_string(f: UserFilter) -> str:
    """Return the URL query string of a filter, e.g. 'active=yes&holds=3&sort=username:desc'."""
    pairs = [(k, v) for k, values in to_query_params(f).items() for v in values]
    return urlencode(pairs, safe=":,")


def back_params(carried: str) -> dict[str, list[str]]:
    """The Users list's query parameters from a user page's `back` value (the list's query
    string), bad values left out: what its link back to the list carries."""
    view, _notes = parse_query_params(parse_qs(carried[: batch_url.MAX_BACK_CHARS]))
    return to_query_params(view)


def parse_query_params(params: Params) -> tuple[UserFilter, list[str]]:
    """Read a filter from URL parameters, leaving out bad values, with a note for each one.

    Unknown keys belong to other parts of the app and are ignored. Values that are each good but
    contradict each other (a quest both held and not held) leave the later filter out, with a note.
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

    text = _values(params, "q", split=False)
    if text:
        kwargs["text"] = attempt("q", text[-1], search_text) or ""
    kwargs["ids"] = many("ids", parse_user_id)
    kwargs["active"] = last("active", _active)
    kwargs["registered"] = last("registered", DateFilter.parse)
    kwargs["last_active"] = last("last_active", DateFilter.parse)
    kwargs["holds"] = many("holds", lambda v: parse_id(v, "quest"))
    kwargs["lacks"] = many("lacks", lambda v: parse_id(v, "quest"))
    kwargs["in_batch"] = last("in_batch", lambda v: parse_id(v, "batch"))
    kwargs["in_batch_status"] = last("in_status", parse_user_status)
    kwargs["not_in_batch"] = last("not_in_batch", lambda v: parse_id(v, "batch"))
    sort = last("sort", parse_user_sort)
    if sort:
        kwargs["sort"], kwargs["desc"] = sort
    page = last("page", lambda v: parse_positive(v, "page"))
    if page:
        kwargs["page"] = page
    size = last("size", lambda v: parse_positive(v, "page size", MAX_USER_PAGE_SIZE))
    if size:
        kwargs["page_size"] = size
    return _combined(kwargs, notes), notes


def _active(value: str) -> bool | None:
    # "any" is the default, never written; any other value but yes/no is a mistyped link.
    parsed = parse_active(value)
    if parsed is None:
        raise InputError(
            f"{value!r} is not an active choice; use yes (active) or no (deactivated)."
        )
    return parsed


def _combined(kwargs: dict[str, object], notes: list[str]) -> UserFilter:
    """Build the filter; drop what contradicts (each value was good alone), one note each."""
    lacks = kwargs.get("lacks") or []
    if clash := sorted(set(kwargs.get("holds") or []) & set(lacks)):
        kwargs["lacks"] = [q for q in lacks if q not in clash]
        notes.extend(
            f"The link's lacks={q} was left out: quest {q} is in holds too." for q in clash
        )
    if kwargs.get("in_batch") is not None and kwargs["in_batch"] == kwargs.get("not_in_batch"):
        notes.append(
            f"The link's not_in_batch={kwargs['not_in_batch']} was left out: "
            "it is the same batch as in_batch."
        )
        kwargs["not_in_batch"] = None
    if kwargs.get("in_batch_status") is not None and kwargs.get("in_batch") is None:
        notes.append(
            f"The link's in_status={kwargs['in_batch_status']} was left out: it needs in_batch."
        )
        kwargs["in_batch_status"] = None
    for key, bound in (
        ("ids", MAX_FILTER_IDS),
        ("holds", MAX_FILTER_QUESTS),
        ("lacks", MAX_FILTER_QUESTS),
    ):
        if len(set(kwargs.get(key) or [])) > bound:
            notes.append(f"The link's {key} was left out: it names more than {bound:,}.")
            kwargs[key] = []
    return UserFilter(**kwargs)


def _values(params: Params, key: str, split: bool) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    if split:  # Also read "holds=3,4" and pasted "ids=1 2 3".
        values = [part for v in values for part in str(v).replace(" ", ",").split(",")]
    return [str(v).strip() for v in values if str(v).strip()]
