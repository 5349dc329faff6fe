"""DuckDB's history repository: the batch list: filtered pages, counts, charts and exports.

Every query reads `batches` and its n_* counters (kept by core.batches.rules), never the batch
users, so a page of 100,000 batches costs a scan of one small table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.batches.visibility import DraftScope
from core.history.terms import PAUSED
from core.history.view import BatchFilter
from core.store.duckdb.base import Repository
from core.store.duckdb.history_sql import (
    COLUMNS,
    NAMES,
    PAUSED_SQL,
    sort_sql,
    unlocks_per_sql,
    where_sql,
)
from core.store.shared.unlock_periods import SharedUnlocksPerPeriod

if TYPE_CHECKING:
    import polars as pl


class DuckHistory(SharedUnlocksPerPeriod, Repository):
    """The SQL behind `core.store.ports.history.HistoryRepository`."""

    _where_sql = staticmethod(where_sql)
    _unlocks_per_sql = staticmethod(unlocks_per_sql)

    def page(
        self, view: BatchFilter, scope: DraftScope, tz: str, limit: int, offset: int
    ) -> tuple[pl.DataFrame, int]:
        """Return `limit` sorted rows from `offset` (times in UTC) and how many rows match."""
        where, params = where_sql(view, scope, tz)
        key_columns, order = sort_sql(view)
        names_for_sort = NAMES if view.sort in ("badge", "quest") else ""
        params = {**params, "limit": limit, "offset": offset}
        cut = ""
        if view.desc and view.sort in ("created_at", "updated_at"):
            # New batches are appended, so newest-first makes the top-N heap take almost every
            # row; bounding the candidates by the N-th newest value first (a cheap aggregate)
            # leaves the sort only a page's worth of rows. Ties at the bound stay in.
            cut = "WHERE m._k0 >= (SELECT list_min(max(_k0, $limit + $offset)) FROM matching)"
        # The filters run once, over `batches` alone, keeping only ids and sort keys; the count
        # and the page come from that, and only the page's rows are fetched and named.
        rows = self.frame(
            f"""
            WITH matching AS MATERIALIZED (
                SELECT b.id, {key_columns} FROM batches b {names_for_sort}
                {where}
            ), page AS (
                SELECT m.* FROM matching m {cut}
                ORDER BY {order.replace("b.id", "m.id")}
                LIMIT $limit OFFSET $offset
            )
            SELECT {COLUMNS}, c.total, p._k0
            FROM (SELECT count(*) AS total FROM matching) c
            LEFT JOIN page p ON TRUE
            LEFT JOIN batches b ON b.id = p.id
            {NAMES}
            ORDER BY {order.replace("b.id", "p.id")}
            """,
            params,
        )
        # With no row on the page the count still comes back, on one row of nulls.
        total = int(rows["total"][0])
        return rows.filter(rows["id"].is_not_null()), total

    def every_row(self, view: BatchFilter, scope: DraftScope, tz: str) -> pl.DataFrame:
        """Return every matching row, sorted as the view asks (times in UTC)."""
        where, params = where_sql(view, scope, tz)
        key_columns, order = sort_sql(view)
        return self.frame(
            f"SELECT {COLUMNS}, {key_columns} FROM batches b {NAMES} {where} ORDER BY {order}",
            params,
        )

    def status_counts(self, view: BatchFilter, scope: DraftScope, tz: str) -> dict[str, int]:
        """Return how many matching batches have each status (statuses with none left out).

        "paused" counts the paused ones, which are also counted under their own status.
        """
        where, params = where_sql(view, scope, tz)
        found = self.rows(
            f"SELECT b.status, count(*), count(*) FILTER (WHERE {PAUSED_SQL}) "
            f"FROM batches b {where} GROUP BY b.status",
            params,
        )
        counts = {status: int(n) for status, n, _ in found}
        if paused := sum(int(p) for _, _, p in found):
            counts[PAUSED] = paused
        return counts

    def badge_names(self, badge_ids: list[int]) -> dict[int, str]:
        """Return the names of these badges, by id (unknown ids left out)."""
        found = self.rows(
            "SELECT id, name FROM badges WHERE list_contains($ids, id)", {"ids": badge_ids}
        )
        return dict(found)

    def quest_names(self, quest_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Return (badge name, quest name) of these quests, by id (unknown ids left out)."""
        found = self.rows(
            "SELECT q.id, b.name, q.name FROM quests q JOIN badges b ON b.id = q.badge_id "
            "WHERE list_contains($ids, q.id)",
            {"ids": quest_ids},
        )
        return {quest_id: (badge, quest) for quest_id, badge, quest in found}
