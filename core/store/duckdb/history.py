"""DuckDB's history repository: the batch list: filtered pages, counts, charts and exports.

Every query reads `batches` and its n_* counters (kept by core.batches.rules), never the batch
users, so a page of 100,000 batches costs a scan of one small table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.batches.visibility import DraftScope
from core.history.terms import PAUSED
from core.history.view import BatchFilter
from core.publishing.unlock_counts import QUARTER_US
from core.store.duckdb.base import Repository
from core.store.duckdb.history_sql import COLUMNS, NAMES, PAUSED_SQL, sort_sql, where_sql

if TYPE_CHECKING:
    import polars as pl


# The chart's periods: each one's label column after the period's first day (a month's label
# is made in core, from the date).
_PERIOD_LABELS = {"week": ", strftime(first_day, '%G-W%V') AS iso_week", "month": ""}


class DuckHistory(Repository):
    """The SQL behind `core.store.ports.history.HistoryRepository`."""

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
        label = _PERIOD_LABELS[unit]  # one of this module's two words, never user text
        params: dict[str, object] = {}
        picked = ""
        if view.is_filtered:
            where, params = where_sql(view, scope, tz)
            # Unfiltered, every batch's unlocks count: drafts never unlock, so there's no need
            # to check visibility batch by batch.
            picked = f"WHERE c.batch_id IN (SELECT b.id FROM batches b {where})"
        # unlock_counts and revoke_counts hold a few rows per batch (per UTC quarter hour with
        # unlocks, or revokes), kept by the publisher; only the buckets, not the millions of
        # unlocks, become local weeks. Every UTC offset is a whole number of quarter hours, so
        # a bucket lies in one local week (and month).
        return self.frame(
            f"""
            WITH buckets AS (
                SELECT c.quest_id, c.quarter, sum(c.unlocks) AS n, 0 AS r
                FROM unlock_counts c {picked}
                GROUP BY c.quest_id, c.quarter
                UNION ALL
                SELECT c.quest_id, c.quarter, 0 AS n, sum(c.revokes) AS r
                FROM revoke_counts c {picked}
                GROUP BY c.quest_id, c.quarter
            ), periods AS (
                SELECT date_trunc('{unit}', timezone($tz, make_timestamptz(quarter * {QUARTER_US})))
                           AS first_day, quest_id, n, r
                FROM buckets
            )
            SELECT first_day::DATE AS {unit}{label},
                   coalesce(g.name, $other) AS badge, sum(n)::BIGINT AS unlocks,
                   sum(r)::BIGINT AS revokes
            FROM periods w LEFT JOIN quests q ON q.id = w.quest_id
            LEFT JOIN badges g ON g.id = q.badge_id
            GROUP BY ALL
            """,
            {**params, "tz": tz, "other": no_badge},
        )

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
