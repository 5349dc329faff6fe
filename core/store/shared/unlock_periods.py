"""The history repository's unlocks per week and per month, once for both stores: which
batches count and which period; each store's `unlocks_per_sql` holds its dialect's query.

Mixed into each adapter's history class (`core/store/duckdb/history.py`,
`core/store/postgres/history.py`) before its `Repository`, whose `frame` it runs on; the class
names its store's `where_sql` and `unlocks_per_sql` as `_where_sql` and `_unlocks_per_sql`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.batches.visibility import DraftScope
from core.history.view import BatchFilter

if TYPE_CHECKING:
    import polars as pl


class SharedUnlocksPerPeriod:
    """`weekly_unlocks` and `monthly_unlocks` of `core.store.ports.history.HistoryRepository`."""

    def weekly_unlocks(
        self, view: BatchFilter, scope: DraftScope, tz: str, no_badge: str
    ) -> pl.DataFrame:
        """Return unlocks and revokes of the matching batches per week (in tz) and badge name.

        Columns: week (the Monday), iso_week ('2026-W14'), badge (`no_badge` if none), unlocks
        (every unlock made, revoked or not) and revokes (unlocks taken back that week).
        """
        return self._unlocks_per("week", view, scope, tz, no_badge)

    def monthly_unlocks(
        self, view: BatchFilter, scope: DraftScope, tz: str, no_badge: str
    ) -> pl.DataFrame:
        """Return weekly_unlocks' sums per calendar month (in tz): columns month (its 1st),
        badge, unlocks, revokes."""
        return self._unlocks_per("month", view, scope, tz, no_badge)

    def _unlocks_per(
        self, unit: str, view: BatchFilter, scope: DraftScope, tz: str, no_badge: str
    ) -> pl.DataFrame:
        params: dict[str, object] = {}
        picked = ""
        if view.is_filtered:
            where, params = self._where_sql(view, scope, tz)
            # Unfiltered, every batch's unlocks count: drafts never unlock, so there's no need
            # to check visibility batch by batch.
            picked = f"WHERE c.batch_id IN (SELECT b.id FROM batches b {where})"
        return self.frame(
            self._unlocks_per_sql(unit, picked), {**params, "tz": tz, "other": no_badge}
        )
