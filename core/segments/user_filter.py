"""Which platform users the Users page shows: one value (filters, sort, page) shared by the page,
its URL (core.segments.user_url), the command line and adding users to batches.

Every parser raises InputError with a sentence saying how to fix the value, so the page, its URL
and `users list` refuse the same things in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core import words
from core.errors import InputError
from core.history.dates import DateFilter, as_date_filter
from core.history.terms import MAX_SEARCH_LENGTH, parse_id, parse_positive
from core.platform_users import ids
from core.platform_users.names import normal_form

USER_SORTS = ("id", "username", "email", "registered_at", "last_active_at", "quests_held")
USER_SORT_LABELS = {
    "id": words.COL_ID,
    "username": words.COL_USERNAME,
    "email": words.COL_EMAIL,
    "registered_at": words.REGISTERED_AT,
    "last_active_at": words.LAST_ACTIVE_AT,
    "quests_held": words.QUESTS_HELD,
}
# Newest or most first by default; the others A-Z (ids smallest first).
NATURALLY_DESCENDING = ("registered_at", "last_active_at", "quests_held")
DEFAULT_USER_SORT = "id"
DEFAULT_USER_DESC = False
DEFAULT_USER_PAGE_SIZE = 50
MAX_USER_PAGE_SIZE = 500
MAX_FILTER_IDS = 1000  # a pasted User ID list: the URL carries it, so it stays a link's size
MAX_FILTER_QUESTS = 100  # quests in "holds" or "does not hold": more than any badge tree shows
USER_STATUS_CODES = tuple(words.USER_STATUS)  # per-user statuses in a batch
ACTIVE_WORDS = {"yes": True, "no": False}  # the URL's and the command line's active=yes|no
# A pasted list: IDs split by commas, semicolons or any whitespace (one per line from a sheet).
_ACTIVE_WORDS = {words.ACTIVE.lower(): True, words.DEACTIVATED.lower(): False}
_ID_SEPARATORS = re.compile(r"[\s,;]+")


def parse_user_id(text: str | int) -> int:
    """Return a User ID (1 to 18 ASCII digits), or raise InputError saying how to write one."""
    value = str(text).strip()
    if isinstance(text, bool) or not ids.is_digits(value) or len(value) > ids.MAX_DIGITS:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InputError(ids.NOT_AN_ID.format(text=shown))
    return int(value)


def parse_id_list(text: str) -> tuple[int, ...]:
    """Return the User IDs of a pasted list ("12, 15 18"), deduplicated and sorted."""
    return _user_ids(p for p in _ID_SEPARATORS.split(str(text or "")) if p)


def parse_active(text: str | bool | None) -> bool | None:
    """Return True (active), False (deactivated) or None (any) from yes/no, the words or a bool."""
    if text is None or isinstance(text, bool):
        return text
    key = str(text).strip().lower()
    choices = {**ACTIVE_WORDS, "": None, "any": None, **_ACTIVE_WORDS}
    if key not in choices:
        raise InputError(f"{text!r} is not an active choice; use yes (active) or no (deactivated).")
    return choices[key]


def parse_user_status(text: str) -> str:
    """Return a per-user status code from a code or its word ("Error", in_progress), any case."""
    key = re.sub(r"[\s\-]+", "_", str(text).strip().lower())
    for code in USER_STATUS_CODES:
        if key in (code, re.sub(r"\s+", "_", words.USER_STATUS[code].lower())):
            return code
    known = ", ".join(words.USER_STATUS.values())
    raise InputError(f"{text!r} is not a user's status in a batch; use one of {known}.")


def parse_user_sort(text: str) -> tuple[str, bool]:
    """Return (column, desc) from 'column' or 'column:desc' / 'column:asc'."""
    column, _, direction = str(text).strip().lower().partition(":")
    if column not in USER_SORTS or direction not in ("", "asc", "desc"):
        raise InputError(
            f"{text!r} is not a sort; use COLUMN or COLUMN:desc with COLUMN one of "
            f"{', '.join(USER_SORTS)}."
        )
    natural = column in NATURALLY_DESCENDING
    return column, natural if direction == "" else direction == "desc"


def search_text(text: str | None) -> str:
    """Return the username-or-email text trimmed, or raise InputError if it is too long."""
    text = (text or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise InputError(
            f"The username or email to search is longer than {MAX_SEARCH_LENGTH} characters. "
            "Shorten it."
        )
    return text


@dataclass(frozen=True)
class UserFilter:
    """Which platform users to show: filters (combined with AND), sort and page.

    `holds` matches users holding any of its quests, `lacks` those holding none of them; a user
    never active matches no `last_active` condition. Values are normalised (deduplicated, sorted)
    so equal filters have equal URLs; dates take a DateFilter, an (op, day) pair or '>2026-01-01'.
    """

    text: str = ""
    ids: Sequence[int] = ()
    active: bool | None = None
    registered: DateFilter | None = None
    last_active: DateFilter | None = None
    holds: Sequence[int] = ()
    lacks: Sequence[int] = ()
    in_batch: int | None = None
    in_batch_status: str | None = None
    not_in_batch: int | None = None
    sort: str = DEFAULT_USER_SORT
    desc: bool | None = None  # None: the column's natural order (NATURALLY_DESCENDING first)
    page: int = 1
    page_size: int = DEFAULT_USER_PAGE_SIZE

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__ once, here.
        set_ = object.__setattr__
        set_(self, "text", search_text(self.text))
        set_(self, "ids", _user_ids(self.ids))
        set_(self, "active", parse_active(self.active))
        set_(self, "registered", as_date_filter(self.registered))
        set_(self, "last_active", as_date_filter(self.last_active))
        set_(self, "holds", _quest_ids(self.holds, words.HOLDS))
        set_(self, "lacks", _quest_ids(self.lacks, words.LACKS))
        if both := sorted(set(self.holds) & set(self.lacks)):
            raise InputError(
                f"Quest {both[0]} cannot be both held and not held. Remove it from one of the two."
            )
        set_(self, "in_batch", _batch_id(self.in_batch))
        set_(self, "not_in_batch", _batch_id(self.not_in_batch))
        if self.in_batch_status is not None and str(self.in_batch_status).strip():
            if self.in_batch is None:
                raise InputError(
                    f"“{words.IN_BATCH_STATUS}” needs a batch. Choose the batch in "
                    f"“{words.IN_BATCH}”, or clear the status."
                )
            set_(self, "in_batch_status", parse_user_status(self.in_batch_status))
        else:
            set_(self, "in_batch_status", None)
        if self.in_batch is not None and self.in_batch == self.not_in_batch:
            raise InputError(
                f"Batch {self.in_batch} cannot be both “{words.IN_BATCH}” and "
                f"“{words.NOT_IN_BATCH}”. Remove it from one of the two."
            )
        if self.sort not in USER_SORTS:
            raise InputError(
                f"{self.sort!r} is not a column to sort on; use one of {', '.join(USER_SORTS)}."
            )
        natural = self.sort in NATURALLY_DESCENDING
        set_(self, "desc", natural if self.desc is None else bool(self.desc))
        set_(self, "page", parse_positive(self.page, "page"))
        set_(self, "page_size", parse_positive(self.page_size, "page size", MAX_USER_PAGE_SIZE))

    @property
    def uses_text(self) -> bool:
        """Tell whether the text filter is set (the slower search: no index serves "contains")."""
        return bool(self.text)

    @property
    def text_norm(self) -> str:
        """The text in the normal form the stored username_norm/email_norm columns have."""
        return normal_form(self.text)

    @property
    def is_filtered(self) -> bool:
        """Tell whether any filter (not sort or page) is set."""
        return bool(
            self.text
            or self.ids
            or self.active is not None
            or self.registered
            or self.last_active
            or self.holds
            or self.lacks
            or self.in_batch is not None
            or self.not_in_batch is not None
        )

    @property
    def offset(self) -> int:
        """How many rows come before this filter's page."""
        return (self.page - 1) * self.page_size

    @property
    def filters_only(self) -> UserFilter:
        """Return the filters alone (default sort and page size, first page): what a count needs."""
        return replace(
            self, sort=DEFAULT_USER_SORT, desc=None, page=1, page_size=DEFAULT_USER_PAGE_SIZE
        )

    def cleared(self) -> UserFilter:
        """Return this filter with every filter removed (sort and page size kept, first page)."""
        return UserFilter(sort=self.sort, desc=self.desc, page_size=self.page_size)

    def changed(self, **changes: object) -> UserFilter:
        """Return this filter with other values, back on the first page (old pages mean nothing)."""
        return replace(self, page=1, **changes)

    def with_page(self, page: int) -> UserFilter:
        """Return this filter on another page."""
        return replace(self, page=page)

    def sorted_by(self, column: str) -> UserFilter:
        """Return the filter a header click gives: the same column flips, a new one is natural."""
        if column == self.sort:
            return replace(self, desc=not self.desc, page=1)
        return replace(self, sort=column, desc=None, page=1)


def _user_ids(values: Iterable[int | str] | str | int) -> tuple[int, ...]:
    if isinstance(values, str | int):
        values = [values]
    found = sorted({parse_user_id(v) for v in values})
    if len(found) > MAX_FILTER_IDS:
        raise InputError(
            f"The User ID list has {len(found):,} IDs; it takes at most {MAX_FILTER_IDS:,}. "
            "Paste fewer, or filter another way."
        )
    return tuple(found)


def _quest_ids(values: Iterable[int | str] | str | int, what: str) -> tuple[int, ...]:
    if isinstance(values, str | int):
        values = [values]
    found = sorted({parse_id(v, "quest") for v in values})
    if len(found) > MAX_FILTER_QUESTS:
        raise InputError(
            f"“{what}” has {len(found):,} quests; it takes at most {MAX_FILTER_QUESTS}. "
            "Choose fewer."
        )
    return tuple(found)


def _batch_id(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_id(value, "batch")
