"""What the batch list shows: one value (filters, sort, page) shared by the page, its URL
(core.history.url) and `batch list`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.errors import InputError
from core.history.dates import DateFilter, as_date_filter
from core.history.terms import (
    DATE_COLUMNS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    FILTER_CODES,
    MAX_PAGE_SIZE,
    PAUSED,
    SORT_COLUMNS,
    parse_id,
    parse_positive,
    parse_status,
    search_name,
)


@dataclass(frozen=True)
class BatchFilter:
    """What the batch list shows: filters (combined with AND), sort and page.

    Several statuses match any of them ("paused", a filter code beside the statuses, matches
    the running batches that are paused); quests and badges together are one "Badge" filter
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
        set_(self, "statuses", tuple(c for c in FILTER_CODES if c in statuses))
        set_(self, "name", search_name(self.name, " Shorten it."))
        set_(self, "quest_ids", _ids(self.quest_ids, "quest"))
        set_(self, "badge_ids", _ids(self.badge_ids, "badge"))
        set_(self, "created", as_date_filter(self.created))
        set_(self, "updated", as_date_filter(self.updated))
        if self.sort not in SORT_COLUMNS:
            raise InputError(
                f"{self.sort!r} is not a column to sort on; use one of {', '.join(SORT_COLUMNS)}."
            )
        natural = self.sort in DATE_COLUMNS
        set_(self, "desc", natural if self.desc is None else bool(self.desc))
        set_(self, "page", parse_positive(self.page, "page"))
        set_(self, "page_size", parse_positive(self.page_size, "page size", MAX_PAGE_SIZE))

    @property
    def paused(self) -> bool:
        """Tell whether the status filter asks for paused batches (whatever their status)."""
        return PAUSED in self.statuses

    @property
    def batch_statuses(self) -> tuple[str, ...]:
        """Return the status filter's batch statuses, without the "paused" filter code."""
        return tuple(s for s in self.statuses if s != PAUSED)

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

    @property
    def offset(self) -> int:
        """How many rows come before this view's page."""
        return (self.page - 1) * self.page_size

    def cleared(self) -> BatchFilter:
        """Return this view with every filter removed (sort and page size kept, first page)."""
        return BatchFilter(sort=self.sort, desc=self.desc, page_size=self.page_size)

    @property
    def filters_only(self) -> BatchFilter:
        """Return this view's filters alone: default sort and page size, first page.

        What the charts and the count depend on, so a sort or a page change reuses them.
        """
        return BatchFilter(
            statuses=self.statuses,
            name=self.name,
            quest_ids=self.quest_ids,
            badge_ids=self.badge_ids,
            created=self.created,
            updated=self.updated,
        )

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


def _ids(values: Iterable[int | str], what: str) -> tuple[int, ...]:
    if isinstance(values, str | int):
        values = [values]
    return tuple(sorted({parse_id(v, what) for v in values}))
