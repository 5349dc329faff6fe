"""The batch list's filters and sort: one value shared by the page, its URL and the command line.

URL format (every key optional, defaults left out so links stay short and stable):

    status=published&status=in_progress   status codes, repeatable (spec words accepted too)
    name=spring                           part of the batch name, case-insensitive
    quest=3&quest=4                       badge quest ids, repeatable
    badge=2                               badge ids (all the badge's quests), repeatable
    created=>2026-10-01                   operator > < = then a YYYY-MM-DD day
    updated=<2026-10-01                   same, on "Last updated"
    sort=name:desc                        a column of SORT_COLUMNS, ":desc" for descending
    page=2&size=100                       page number (from 1) and rows per page

A shared link can be stale or mistyped, so the page reads it with `parse_query_params`, which
keeps every good value and returns one note per value it left out (a bad value never hides the
whole list behind an error); `BatchFilter.from_query_params` is the strict form that raises
InputError, for callers that must not guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from core import words as labels
from core.access.roles import Account, Permission
from core.batches import rules
from core.errors import InputError
from core.platform_users import ids
from core.store import frame as query

# Canonical order: the spec's lifecycle, our "draft" first.
STATUS_CODES = (
    rules.DRAFT,
    rules.UNPUBLISHED,
    rules.IN_PROGRESS,
    rules.PUBLISHED,
    rules.PARTIALLY_PUBLISHED,
)
SORT_COLUMNS = (
    "name", "badge", "quest", "users", "status", "created_at", "updated_at", "created_by"
)  # fmt: skip
SORT_LABELS = {
    "name": labels.TITLE,
    "badge": labels.BADGE,
    "quest": labels.QUEST,
    "users": labels.USERS,
    "status": labels.STATUS,
    "created_at": labels.CREATED_AT,
    "updated_at": labels.LAST_UPDATED,
    "created_by": labels.CREATED_BY,
}
DATE_OPS = (">", "<", "=")
DEFAULT_SORT = "created_at"
DEFAULT_DESC = True  # Newest first.
DATE_COLUMNS = ("created_at", "updated_at")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
MAX_NAME_LENGTH = 200
QUERY_KEYS = ("status", "name", "quest", "badge", "created", "updated", "sort", "page", "size")

_DAY = re.compile(rf"{ids.DIGITS}{{4}}-{ids.DIGITS}{{2}}-{ids.DIGITS}{{2}}")


def check_tz(tz: str) -> ZoneInfo:
    """Return the time zone of an IANA name such as 'Europe/Paris', or raise InputError."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(
            f"{tz!r} is not a time zone name. Use an IANA name such as Europe/Paris or UTC."
        ) from None


def parse_status(text: str) -> str:
    """Return the status code for a code or a spec word ("In Progress", in_progress), any case."""
    key = re.sub(r"[\s\-]+", "_", str(text).strip().lower())
    for code, word in labels.BATCH_STATUS.items():
        if key in (code, re.sub(r"\s+", "_", word.lower())):
            return code
    words = ", ".join(labels.BATCH_STATUS[c] for c in STATUS_CODES)
    raise InputError(f"{text!r} is not a batch status; use one of {words}.")


def parse_id(text: str | int, what: str) -> int:
    """Return a positive id, or raise InputError naming what it should identify."""
    value = str(text).strip()
    if not ids.is_digits(value) or int(value) < 1:
        raise InputError(f"{what.capitalize()} id {text!r} is not a positive whole number.")
    return int(value)


def parse_sort(text: str) -> tuple[str, bool]:
    """Return (column, desc) from 'column' or 'column:desc' / 'column:asc'."""
    column, _, direction = str(text).strip().lower().partition(":")
    if column not in SORT_COLUMNS or direction not in ("", "asc", "desc"):
        raise InputError(
            f"{text!r} is not a sort; use COLUMN or COLUMN:desc with COLUMN one of "
            f"{', '.join(SORT_COLUMNS)}."
        )
    return column, direction == "desc"


def parse_positive(text: str | int, what: str, maximum: int | None = None) -> int:
    """Return a whole number from 1 to `maximum`, or raise InputError."""
    value = str(text).strip()
    if not ids.is_digits(value) or int(value) < 1:
        raise InputError(f"The {what} {text!r} is not a whole number of 1 or more.")
    if maximum is not None and int(value) > maximum:
        raise InputError(f"The {what} {text!r} is more than {maximum}.")
    return int(value)


@dataclass(frozen=True)
class DateFilter:
    """A date condition: '>' after the day ends, '<' before it starts, '=' during it."""

    op: str
    day: date

    def __post_init__(self) -> None:
        if self.op not in DATE_OPS:
            raise InputError(f"{self.op!r} is not a date operator; use one of > < =.")
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError("DateFilter.day must be a date (a calendar day), not a datetime")

    @classmethod
    def parse(cls, text: str, op: str | None = None) -> DateFilter:
        """Parse '>2026-10-01' (or a day with a separate operator) into a DateFilter."""
        text = str(text).strip()
        if op is None:
            op, text = text[:1], text[1:].strip()
        op = op.strip()
        if op not in DATE_OPS:
            raise InputError(f"{op!r} is not a date operator; use > (after), < (before) or = (on).")
        if not _DAY.fullmatch(text):
            raise InputError(f"{text!r} is not a day; write it as YYYY-MM-DD.")
        try:
            return cls(op, date.fromisoformat(text))
        except ValueError:
            raise InputError(f"{text!r} is not a day of the calendar.") from None

    @property
    def text(self) -> str:
        """The URL form, e.g. '>2026-10-01'."""
        return f"{self.op}{self.day.isoformat()}"

    @property
    def label(self) -> str:
        """The page's words, e.g. '> After 2026-10-01'."""
        return f"{labels.DATE_OPERATORS[self.op]} {self.day.isoformat()}"

    def bounds(self, tz: str) -> tuple[datetime | None, datetime | None]:
        """Return the half-open instant range [start, end) this condition keeps, in time zone tz."""
        zone = check_tz(tz)
        # Local midnights, so a 23- or 25-hour day (DST change) still counts as one day.
        start = datetime.combine(self.day, time(0), tzinfo=zone)
        end = datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=zone)
        if self.op == "=":
            return start, end
        if self.op == ">":
            return end, None
        return None, start


def _as_date_filter(value: DateFilter | tuple | str | None) -> DateFilter | None:
    if value is None or isinstance(value, DateFilter):
        return value
    if isinstance(value, str):
        return DateFilter.parse(value)
    op, day = value
    return DateFilter(op, day)


@dataclass(frozen=True)
class BatchFilter:
    """What the batch list shows: filters (combined with AND), sort and page.

    Several statuses match any of them; quests and badges together are one "Badge" filter
    (a batch matches if its quest is checked or its badge is), as in the page's tree.
    Values are normalised (deduplicated, canonical order) so equal views have equal URLs;
    statuses take codes or spec words, and `created`/`updated` take a DateFilter, an
    (op, date) pair or text such as '>2026-10-01'.
    """

    statuses: Sequence[str] = ()
    name: str = ""
    quest_ids: Sequence[int] = ()
    badge_ids: Sequence[int] = ()
    created: DateFilter | None = None
    updated: DateFilter | None = None
    sort: str = DEFAULT_SORT
    desc: bool | None = None  # None: the column's natural order (dates newest first, else A-Z).
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__ once, here.
        if isinstance(self.statuses, str):
            raise TypeError("statuses must be a list of status codes, not one string")
        statuses = {parse_status(s) for s in self.statuses}
        set_ = object.__setattr__
        set_(self, "statuses", tuple(c for c in STATUS_CODES if c in statuses))
        name = (self.name or "").strip()
        if len(name) > MAX_NAME_LENGTH:
            raise InputError(
                f"The batch name to search is longer than {MAX_NAME_LENGTH} characters. Shorten it."
            )
        set_(self, "name", name)
        set_(self, "quest_ids", _ids(self.quest_ids, "quest"))
        set_(self, "badge_ids", _ids(self.badge_ids, "badge"))
        set_(self, "created", _as_date_filter(self.created))
        set_(self, "updated", _as_date_filter(self.updated))
        if self.sort not in SORT_COLUMNS:
            raise InputError(
                f"{self.sort!r} is not a column to sort on; use one of {', '.join(SORT_COLUMNS)}."
            )
        natural = self.sort in DATE_COLUMNS
        set_(self, "desc", natural if self.desc is None else bool(self.desc))
        set_(self, "page", parse_positive(self.page, "page"))
        set_(self, "page_size", parse_positive(self.page_size, "page size", MAX_PAGE_SIZE))

    # -- the view ---------------------------------------------------------------------------

    @property
    def is_filtered(self) -> bool:
        """Tell whether any filter (not sort or page) is set."""
        return bool(
            self.statuses
            or self.name
            or self.quest_ids
            or self.badge_ids
            or self.created
            or self.updated
        )

    def cleared(self) -> BatchFilter:
        """Return this view with every filter removed (sort and page size kept, first page)."""
        return BatchFilter(sort=self.sort, desc=self.desc, page_size=self.page_size)

    def with_page(self, page: int) -> BatchFilter:
        """Return this view on another page."""
        return replace(self, page=page)

    def changed(self, **changes: object) -> BatchFilter:
        """Return this view with other filters, back on the first page (old pages mean nothing)."""
        return replace(self, page=1, **changes)

    def sorted_by(self, column: str) -> BatchFilter:
        """Return the view a click on a column header gives: same column flips, new one natural."""
        if column == self.sort:
            return replace(self, desc=not self.desc, page=1)
        return replace(self, sort=column, desc=None, page=1)

    # -- URL ---------------------------------------------------------------------------------

    def to_query_params(self) -> dict[str, list[str]]:
        """Return the URL query parameters of this view (defaults left out), key -> values."""
        params: dict[str, list[str]] = {}
        if self.statuses:
            params["status"] = list(self.statuses)
        if self.name:
            params["name"] = [self.name]
        if self.quest_ids:
            params["quest"] = [str(i) for i in self.quest_ids]
        if self.badge_ids:
            params["badge"] = [str(i) for i in self.badge_ids]
        if self.created:
            params["created"] = [self.created.text]
        if self.updated:
            params["updated"] = [self.updated.text]
        if (self.sort, self.desc) != (DEFAULT_SORT, DEFAULT_DESC):
            params["sort"] = [f"{self.sort}:desc" if self.desc else self.sort]
        if self.page != 1:
            params["page"] = [str(self.page)]
        if self.page_size != DEFAULT_PAGE_SIZE:
            params["size"] = [str(self.page_size)]
        return params

    def to_query_string(self) -> str:
        """Return the URL query string of this view, e.g. 'status=published&sort=name:desc'."""
        pairs = [(k, v) for k, values in self.to_query_params().items() for v in values]
        return urlencode(pairs, safe=":")

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | Sequence[str]]) -> BatchFilter:
        """Read a view from URL query parameters; raise InputError on the first bad value."""
        return _from_params(params, notes=None)

    @classmethod
    def from_query_string(cls, query: str) -> BatchFilter:
        """Read a view from a URL query string (strict, like from_query_params)."""
        return _from_params(_pairs_to_params(parse_qsl(query.lstrip("?"))), notes=None)


def parse_query_params(params: Mapping[str, str | Sequence[str]]) -> tuple[BatchFilter, list[str]]:
    """Read a view from URL parameters, leaving out bad values, with a note for each one."""
    notes: list[str] = []
    return _from_params(params, notes), notes


def _pairs_to_params(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


def _values(params: Mapping[str, str | Sequence[str]], key: str, split: bool) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    if split:  # Also read "status=published,in_progress", which some link builders write.
        values = [part for v in values for part in str(v).split(",")]
    return [str(v).strip() for v in values if str(v).strip()]


def _from_params(params: Mapping[str, str | Sequence[str]], notes: list[str] | None) -> BatchFilter:
    """Parse each known key; unknown keys belong to other parts of the app and are ignored."""
    kwargs: dict[str, object] = {}

    def attempt(key: str, value: str, parse: Callable[[str], object]) -> object:
        try:
            return parse(value)
        except InputError as exc:
            if notes is None:
                raise InputError(f"The link's {key}={value} cannot be used: {exc}") from None
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
        kwargs["name"] = attempt("name", name[-1], lambda v: _checked_name(v)) or ""
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
    return BatchFilter(**kwargs)


def _checked_name(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NAME_LENGTH:
        raise InputError(f"The batch name to search is longer than {MAX_NAME_LENGTH} characters.")
    return text


def _ids(values: Iterable[int | str], what: str) -> tuple[int, ...]:
    if isinstance(values, str | int):
        values = [values]
    return tuple(sorted({parse_id(v, what) for v in values}))


# -- active filters as chips -------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """One active filter as the page shows it: a label, and the view once it is removed."""

    key: str  # Stable across reruns, for widget keys: e.g. "status:published".
    label: str  # The spec's words: e.g. "Status: Published".
    without: BatchFilter  # The view after clicking the chip's ✕ (back to the first page).


def filter_chips(cur: duckdb.DuckDBPyConnection, flt: BatchFilter) -> list[Chip]:
    """Return the active filters of a view as removable chips, in the Filters box's order."""
    chips = [
        Chip(
            f"status:{code}",
            f"{labels.STATUS}: {labels.BATCH_STATUS[code]}",
            flt.changed(statuses=[s for s in flt.statuses if s != code]),
        )
        for code in flt.statuses
    ]
    if flt.name:
        chips.append(Chip("name", f"{labels.BATCH_NAME}: {flt.name}", flt.changed(name="")))
    badge_names, quest_names = _catalog_names(cur, flt)
    for badge_id in flt.badge_ids:
        label = badge_names.get(badge_id, f"#{badge_id}")
        chips.append(
            Chip(
                f"badge:{badge_id}",
                f"{labels.BADGE}: {label}",
                flt.changed(badge_ids=[b for b in flt.badge_ids if b != badge_id]),
            )
        )
    for quest_id in flt.quest_ids:
        label = quest_names.get(quest_id, f"#{quest_id}")
        chips.append(
            Chip(
                f"quest:{quest_id}",
                f"{labels.QUEST}: {label}",
                flt.changed(quest_ids=[q for q in flt.quest_ids if q != quest_id]),
            )
        )
    if flt.created:
        chips.append(
            Chip("created", f"{labels.CREATED_AT}: {flt.created.label}", flt.changed(created=None))
        )
    if flt.updated:
        chips.append(
            Chip(
                "updated", f"{labels.LAST_UPDATED}: {flt.updated.label}", flt.changed(updated=None)
            )
        )
    return chips


def _catalog_names(
    cur: duckdb.DuckDBPyConnection, flt: BatchFilter
) -> tuple[dict[int, str], dict[int, str]]:
    badges: dict[int, str] = {}
    quests: dict[int, str] = {}
    if flt.badge_ids:
        found = query(
            cur, "SELECT id, name FROM badges WHERE list_contains($ids, id)",
            {"ids": list(flt.badge_ids)},
        )  # fmt: skip
        badges = dict(zip(found["id"], found["name"], strict=True))
    if flt.quest_ids:
        # A quest's name alone is ambiguous ("First review" of which badge?): show both.
        found = query(
            cur,
            "SELECT q.id, b.name || ' › ' || q.name AS name FROM quests q "
            "JOIN badges b ON b.id = q.badge_id WHERE list_contains($ids, q.id)",
            {"ids": list(flt.quest_ids)},
        )
        quests = dict(zip(found["id"], found["name"], strict=True))
    return badges, quests


def status_choices(viewer: Account) -> list[tuple[str, str]]:
    """Return (code, spec word) for the Status dropdown; "Draft" only for who can see drafts."""
    # Drafts are seen by their creators (who can edit batches) and by admins.
    drafts = viewer.can(Permission.EDIT_BATCHES) or viewer.can(Permission.SEE_ALL_DRAFTS)
    return [
        (code, labels.BATCH_STATUS[code]) for code in STATUS_CODES if code != rules.DRAFT or drafts
    ]
