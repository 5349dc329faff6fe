"""A date condition of the batch list: '>' after a day, '<' before it, '=' during it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core import words
from core.errors import InputError
from core.history.terms import DATE_OPS, check_tz
from core.platform_users import ids

_DAY = re.compile(rf"{ids.DIGITS}{{4}}-{ids.DIGITS}{{2}}-{ids.DIGITS}{{2}}")


FIRST_DAY, LAST_DAY = date(1000, 1, 1), date(9998, 12, 31)


OPERATOR_WORDS = "> after, < before or = on"
EXAMPLE_DAY = "2026-10-01"


def not_an_operator(op: str, day: str) -> InputError:
    """The refusal of a date condition whose operator is none of > < = (the day as written)."""
    example = day if _DAY.fullmatch(day) else EXAMPLE_DAY
    if not op and not day:
        return InputError(
            f"The day condition is empty: give {OPERATOR_WORDS} and a day, e.g. “>{example}”."
        )
    if ids.is_digits(op[:1]):  # a bare day: its first digit was taken for the operator
        return InputError(
            f"“{op}{day}” needs an operator first: {OPERATOR_WORDS}, e.g. “>{example}”."
        )
    return InputError(
        f"“{op}” is not a date operator: put {OPERATOR_WORDS} before the day, e.g. “>{example}”."
    )


@dataclass(frozen=True)
class DateFilter:
    """A date condition: '>' after the day ends, '<' before it starts, '=' during it."""

    op: str
    day: date

    def __post_init__(self) -> None:
        if self.op not in DATE_OPS:
            raise not_an_operator(str(self.op), self.day.isoformat())
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError("DateFilter.day must be a date (a calendar day), not a datetime")
        # A day's bounds are its local midnights and the next day's: the calendar's very first
        # and last days have none (an overflow, not an answer).
        if not FIRST_DAY <= self.day <= LAST_DAY:
            raise InputError(
                f"{self.day.isoformat()} is too far away to filter by; use a day between "
                f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."
            )

    @classmethod
    def parse(cls, text: str, op: str | None = None) -> DateFilter:
        """Parse '>2026-10-01' (or a day with a separate operator) into a DateFilter."""
        text = str(text).strip()
        if op is None:
            op, text = text[:1], text[1:].strip()
        op = op.strip()
        if op not in DATE_OPS:
            raise not_an_operator(op, text)
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
        return f"{words.DATE_OPERATORS[self.op]} {self.day.isoformat()}"

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


def as_date_filter(value: DateFilter | tuple | str | None) -> DateFilter | None:
    """Return a DateFilter from a DateFilter, an (op, day) pair or text such as '>2026-10-01'."""
    if value is None or isinstance(value, DateFilter):
        return value
    if isinstance(value, str):
        return DateFilter.parse(value)
    op, day = value
    return DateFilter(op, day)
