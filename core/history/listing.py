"""The batch history: the filtered, sorted, paged list and its count, for one viewer.

Rows come from the store (`uow.history`) with times in UTC; here they get the viewer's time
zone and the spec's status word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from core.access.roles import Account, Permission, require
from core.batches import rules
from core.batches.visibility import DraftScope, draft_scope
from core.history.terms import STATUS_CODES, check_tz
from core.history.view import BatchFilter
from core.store.ports import UnitOfWork

COLUMNS = (
    "id", "name", "badge", "badge_id", "quest", "quest_id", "users", "created_at",
    "updated_at", "created_by", "status", "status_label", "progress", "paused",
    "n_unpublished", "n_in_progress", "n_published", "n_error", "n_revoking", "n_revoked",
)  # fmt: skip
# Each status's word from the one rule, computed once per status (paused or not) and looked up
# per row (a join on (status, percent) pairs would double what a page of the list costs here).
_STATUS_WORDS = {code: rules.status_label(code) for code in STATUS_CODES}
_PAUSED_WORDS = {code: rules.status_label(code, paused=True) for code in STATUS_CODES}


@dataclass(frozen=True)
class BatchPage:
    """One page of the list, with how many batches match in all."""

    rows: pl.DataFrame
    total: int
    page: int  # The page shown: a page past the end shows the last one.
    page_size: int

    @property
    def pages(self) -> int:
        """Return how many pages the matching batches fill (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))


def reader_scope(viewer: Account, tz: str) -> DraftScope:
    """Check the viewer may read the list in this time zone; return the drafts they see."""
    require(viewer, Permission.VIEW)
    check_tz(tz)
    return draft_scope(viewer)


def for_display(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Add the spec's status word and show times in the viewer's time zone."""
    return frame.with_columns(
        pl.col("created_at").dt.convert_time_zone(tz),
        pl.col("updated_at").dt.convert_time_zone(tz),
        # No percentage here: rows carry `progress` in a column of its own.
        pl.when(pl.col("paused"))
        .then(pl.col("status").replace_strict(_PAUSED_WORDS, default=pl.col("status")))
        .otherwise(pl.col("status").replace_strict(_STATUS_WORDS, default=pl.col("status")))
        .cast(pl.String)
        .alias("status_label"),
    ).select(COLUMNS)


def list_batches(uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str) -> BatchPage:
    """Return the page `flt.page` of the filtered list, sorted as a whole before paging.

    Columns: id, name, badge, badge_id, quest, quest_id, users, created_at, updated_at (in tz),
    created_by, status (code), status_label (spec word, "· Paused" if so), progress (0-100),
    paused (Boolean) and the n_* counts.
    """
    scope = reader_scope(viewer, tz)
    size = flt.page_size
    rows, total = uow.history.page(flt, scope, tz, size, flt.offset)
    last_page = max(1, math.ceil(total / size))
    if flt.page > last_page:
        # A link to a page that no longer exists shows the last one, not an empty table.
        rows, total = uow.history.page(flt, scope, tz, size, (last_page - 1) * size)
    return BatchPage(for_display(rows, tz), total, min(flt.page, last_page), size)


def all_batches(uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str) -> pl.DataFrame:
    """Return the whole filtered, sorted list (every page), with list_batches' columns."""
    return for_display(uow.history.every_row(flt, reader_scope(viewer, tz), tz), tz)
