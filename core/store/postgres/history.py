"""PostgreSQL's history repository: the batch list: filtered pages, counts, charts and exports.

Every query reads `batches` and its n_* counters (kept by core.batches.rules), never the batch
users. The count and the page are two subqueries of one statement (one round trip), each planned
on its own: the count over the filtered rows, the page read in order off the sort key's index
(migration m005) and stopped after `offset + limit` rows, names joined to the page's rows only.
A deep page is read from the nearer end of the order; a sort by badge or quest name, which no
index of batches holds, reads quest group by quest group. Each gives the plain sort's rows
(tests/store/test_pg_history.py compares them).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.batches.visibility import DraftScope
from core.history.terms import PAUSED
from core.history.view import BatchFilter
from core.store.postgres.base import Repository
from core.store.postgres.history_sql import (
    COLUMNS,
    NAMES,
    PAUSED_SQL,
    order_sql,
    sort_keys,
    unlocks_per_sql,
    where_sql,
)
from core.store.shared.unlock_periods import SharedUnlocksPerPeriod

if TYPE_CHECKING:
    import polars as pl

# Sorts by a name of another table (the badge's, the quest's).
_BY_NAMES = ("badge", "quest")
# From this offset on, a page is read from whichever end of the order is nearer.
_DEEP_FROM = 5_000
# From this many matching batches on, a sort by name reads the page quest group by group.
_GROUPED_FROM = 20_000


class PgHistory(SharedUnlocksPerPeriod, Repository):
    """The SQL behind `core.store.ports.history.HistoryRepository`."""

    _where_sql = staticmethod(where_sql)
    _unlocks_per_sql = staticmethod(unlocks_per_sql)

    def page(
        self, view: BatchFilter, scope: DraftScope, tz: str, limit: int, offset: int
    ) -> tuple[pl.DataFrame, int]:
        """Return `limit` sorted rows from `offset` (times in UTC) and how many rows match."""
        where, params = where_sql(view, scope, tz)
        params = {**params, "limit": limit, "offset": offset}
        if view.sort not in _BY_NAMES:
            if offset >= _DEEP_FROM:
                return self._uow.transaction(lambda _: self._deep_page(view, where, params))
            return self._page_by_index(view, where, params)
        # Badge and quest names live in other tables, so no index of batches is in their order.
        # Sorting many rows by a joined name costs more than the 50 ms budget: past a size the
        # page is read quest group by quest group instead. The count decides (same snapshot).
        return self._uow.transaction(lambda _: self._page_by_names(view, where, params))

    def _page_by_index(
        self, view: BatchFilter, where: str, params: dict[str, object]
    ) -> tuple[pl.DataFrame, int]:
        # The count and the page are two subqueries of one statement, each planned on its own:
        # the page read in order off the sort key's index and stopped after offset + limit rows.
        keys = sort_keys(view)
        key_columns = ", ".join(f"{key} AS _k{i}" for i, key in enumerate(keys))
        aliases = [f"p._k{i}" for i in range(len(keys))]
        names_for_sort = NAMES if view.sort in _BY_NAMES else ""
        rows = self.frame(
            f"""
            SELECT {COLUMNS}, c.total, p._k0
            FROM (SELECT count(*) AS total FROM batches b {where}) c
            LEFT JOIN (
                SELECT b.id, {key_columns} FROM batches b {names_for_sort}
                {where}
                ORDER BY {order_sql(view)}
                LIMIT %(limit)s OFFSET %(offset)s
            ) p ON TRUE
            LEFT JOIN batches b ON b.id = p.id
            {NAMES}
            ORDER BY {order_sql(view, aliases, "p.id")}
            """,
            params,
        )
        # With no row on the page the count still comes back, on one row of nulls.
        total = int(rows["total"][0])
        return rows.filter(rows["id"].is_not_null()), total

    def _deep_page(
        self, view: BatchFilter, where: str, params: dict[str, object]
    ) -> tuple[pl.DataFrame, int]:
        # Far from the first page the index walk would pass every row before it; nearer the
        # end, the same rows come sooner from the other end, read in the opposite order and
        # turned round. Exact: these keys are never NULL and the id breaks ties, so the
        # descending order is the ascending one reversed.
        total = int(self.scalar(f"SELECT count(*) FROM batches b {where}", params))
        limit, offset = int(params["limit"]), int(params["offset"])
        if offset <= total // 2:
            return self._page_by_index(view, where, params)
        start = max(0, total - offset - limit)
        count = max(0, min(limit, total - offset))
        flipped = replace(view, desc=not view.desc)
        rows, _ = self._page_by_index(flipped, where, {**params, "limit": count, "offset": start})
        return rows.reverse(), total

    def _page_by_names(
        self, view: BatchFilter, where: str, params: dict[str, object]
    ) -> tuple[pl.DataFrame, int]:
        total = int(self.scalar(f"SELECT count(*) FROM batches b {where}", params))
        if total <= _GROUPED_FROM:
            return self._page_by_index(view, where, params)
        key = sort_keys(view)[0]
        direction = "DESC" if view.desc else "ASC"
        # The quests the batches use (a loose index scan: one probe per quest, not per batch),
        # grouped by their sort name; groups in order, each group's batches by id, stopping
        # once offset + limit rows are in (the outer sort is incremental: group by group). A
        # quest or badge that is gone gives the NULL name, last both ways as in the plain sort.
        # `b.id + 0` keeps the group's rows coming from the quest index (then a small sort):
        # walking the primary key in order for a group smaller than offset + limit would read
        # every batch once per group.
        rows = self.frame(
            f"""
            WITH RECURSIVE used AS (
                (SELECT quest_id FROM batches ORDER BY quest_id LIMIT 1)
                UNION ALL
                SELECT (SELECT b.quest_id FROM batches b WHERE b.quest_id > u.quest_id
                        ORDER BY b.quest_id LIMIT 1)
                FROM used u WHERE u.quest_id IS NOT NULL
            ), grp AS (
                SELECT {key} AS k, array_agg(u.quest_id) AS ids
                FROM used u LEFT JOIN quests q ON q.id = u.quest_id
                LEFT JOIN badges g ON g.id = q.badge_id
                WHERE u.quest_id IS NOT NULL
                GROUP BY 1
            ), page AS (
                SELECT x.id, grp.k AS _k0
                FROM (SELECT k, ids FROM grp ORDER BY k {direction} NULLS LAST) grp
                CROSS JOIN LATERAL (
                    SELECT b.id FROM batches b {where} AND b.quest_id = ANY(grp.ids)
                    ORDER BY b.id + 0 {direction} LIMIT %(upto)s
                ) x
                ORDER BY grp.k {direction} NULLS LAST, x.id {direction}
                LIMIT %(limit)s OFFSET %(offset)s
            )
            SELECT {COLUMNS}, %(total)s::BIGINT AS total, p._k0
            FROM page p JOIN batches b ON b.id = p.id
            {NAMES}
            ORDER BY p._k0 {direction} NULLS LAST, p.id {direction}
            """,
            {**params, "upto": int(params["limit"]) + int(params["offset"]), "total": total},
        )
        return rows, total

    def every_row(self, view: BatchFilter, scope: DraftScope, tz: str) -> pl.DataFrame:
        """Return every matching row, sorted as the view asks (times in UTC)."""
        where, params = where_sql(view, scope, tz)
        keys = sort_keys(view)
        key_columns = ", ".join(f"{key} AS _k{i}" for i, key in enumerate(keys))
        return self.frame(
            f"SELECT {COLUMNS}, {key_columns} FROM batches b {NAMES} {where} "
            f"ORDER BY {order_sql(view)}",
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
            "SELECT id, name FROM badges WHERE id = ANY(%(ids)s::bigint[])",
            {"ids": list(badge_ids)},
        )
        return dict(found)

    def quest_names(self, quest_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Return (badge name, quest name) of these quests, by id (unknown ids left out)."""
        found = self.rows(
            "SELECT q.id, b.name, q.name FROM quests q JOIN badges b ON b.id = q.badge_id "
            "WHERE q.id = ANY(%(ids)s::bigint[])",
            {"ids": list(quest_ids)},
        )
        return {quest_id: (badge, quest) for quest_id, badge, quest in found}
