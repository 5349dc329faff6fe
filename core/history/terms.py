"""The batch list's vocabulary: its status order, sort columns, defaults and limits, and the
parsers of one value each (a status, an id, a sort, a page number, a time zone).

Every parser raises InputError with a sentence saying how to fix the value, so the page, its
URL and `batch list` refuse the same things in the same words.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import words
from core.batches import rules
from core.errors import InputError
from core.platform_users import ids

# Canonical order: the spec's lifecycle, our "draft" first, then undo's (issue 15).
STATUS_CODES = (
    rules.DRAFT,
    rules.UNPUBLISHED,
    rules.IN_PROGRESS,
    rules.PUBLISHED,
    rules.PARTIALLY_PUBLISHED,
    rules.REVOKING,
    rules.REVOKED,
    rules.PARTIALLY_REVOKED,
)
# A filter, not a status: "Paused" matches running batches ("In Progress" or "Revoking") the
# publisher has been told to leave alone. A paused batch keeps its status, so it matches both
# its status and "Paused". Kept out of STATUS_CODES, which the status sort ranks.
PAUSED = "paused"
PAUSED_FROM = rules.PAUSABLE_STATUSES
FILTER_CODES = (*STATUS_CODES, PAUSED)
# The word of each filter code: the status words and "Paused".
FILTER_WORDS = {**words.BATCH_STATUS, PAUSED: words.PAUSED}
SORT_COLUMNS = (
    "name", "badge", "quest", "users", "status", "created_at", "updated_at", "created_by"
)  # fmt: skip
SORT_LABELS = {
    "name": words.TITLE,
    "badge": words.BADGE,
    "quest": words.QUEST,
    "users": words.USERS,
    "status": words.STATUS,
    "created_at": words.CREATED_AT,
    "updated_at": words.LAST_UPDATED,
    "created_by": words.CREATED_BY,
}
DATE_OPS = (">", "<", "=")
DEFAULT_SORT = "created_at"
DEFAULT_DESC = True  # Newest first.
DATE_COLUMNS = ("created_at", "updated_at")
DEFAULT_PAGE_SIZE = 25
PAGE_SIZE_CHOICES = (25, 50, 100)  # the page's "Rows per page"; a link may ask for another
MAX_PAGE_SIZE = 500
# The longest text the name filter takes: a bound on what a link may ask, not the batch-name
# rule (core.batches.names, 120). It is longer so old links that asked for more still work.
MAX_SEARCH_LENGTH = 200


def check_tz(tz: str) -> ZoneInfo:
    """Return the time zone of an IANA name such as 'Europe/Paris', or raise InputError."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(
            f"{tz!r} is not a time zone name. Use an IANA name such as Europe/Paris or UTC."
        ) from None


def parse_status(text: str) -> str:
    """Return the filter code for a code or a word ("In Progress", in_progress, Paused), any case."""
    key = re.sub(r"[\s\-]+", "_", str(text).strip().lower())
    for code in FILTER_CODES:
        if key in (code, re.sub(r"\s+", "_", FILTER_WORDS[code].lower())):
            return code
    known = ", ".join(FILTER_WORDS[c] for c in FILTER_CODES)
    raise InputError(f"{text!r} is not a batch status; use one of {known}.")


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


def search_name(text: str, sentence_end: str = "") -> str:
    """Return the name filter's text trimmed, or raise InputError if it is too long."""
    text = (text or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise InputError(
            f"The batch name to search is longer than {MAX_SEARCH_LENGTH} characters."
            + sentence_end
        )
    return text
