"""The batch list's SQL fragments: a view's WHERE clause and sort keys, and the list's columns.

The text is made of constant fragments only; every value the user typed (a name, ids, days)
travels as a named parameter. The filter value itself is the domain's (core.history.view).
"""

from __future__ import annotations

from core.batches.visibility import DraftScope
from core.history.terms import PAUSED_FROM
from core.history.view import BatchFilter
from core.publishing.unlock_counts import QUARTER_US
from core.store.duckdb.batches_scope import visible_sql
from core.store.duckdb.batches_sql import PROGRESS_SQL
from core.store.sql_rules import NAMES, STATUS_RANK, escape_like, sql_list

__all__ = ["COLUMNS", "NAMES", "PAUSED_SQL", "sort_sql", "where_sql"]

# A batches row `b` the "Paused" filter matches: running, and the publisher told to leave it.
PAUSED_SQL = f"(b.paused_at IS NOT NULL AND b.status IN {sql_list(PAUSED_FROM)})"

_SORT_KEYS = {
    "name": ["lower(b.name)"],
    "badge": ["lower(g.name)"],
    "quest": ["lower(q.name)"],
    "users": ["b.n_users"],
    "status": [STATUS_RANK, PROGRESS_SQL],
    "created_at": ["b.created_at"],
    "updated_at": ["b.updated_at"],
    "created_by": ["lower(b.created_by)"],
}
COLUMNS = f"""b.id, b.name, g.name AS badge, g.id AS badge_id, q.name AS quest, b.quest_id,
    b.n_users AS users, b.created_at, b.updated_at, b.created_by, b.status,
    ({PROGRESS_SQL})::INTEGER AS progress, {PAUSED_SQL} AS paused,
    b.n_unpublished, b.n_in_progress, b.n_published, b.n_error, b.n_revoking, b.n_revoked"""


def where_sql(view: BatchFilter, scope: DraftScope, tz: str) -> tuple[str, dict[str, object]]:
    """Return the WHERE clause (constant text) and its parameters for a view and a draft scope."""
    visible, params = visible_sql(scope, "b")
    clauses = [visible]
    if view.statuses:
        # Statuses match any of them; "Paused" is one more way to match (a paused batch also
        # keeps matching its own status).
        either = [PAUSED_SQL] if view.paused else []
        if view.batch_statuses:
            either.append("list_contains($statuses, b.status)")
            params["statuses"] = list(view.batch_statuses)
        clauses.append("(" + " OR ".join(either) + ")")
    if view.name:
        escaped = escape_like(view.name)
        # ESCAPE costs a slower match path; only text with % _ or \\ needs it.
        escape = " ESCAPE '\\'" if escaped != view.name else ""
        clauses.append(f"b.name ILIKE $name{escape}")
        params["name"] = f"%{escaped}%"
    if view.quest_ids or view.badge_ids:
        # One "Badge" filter: a checked badge stands for all its quests, present and future.
        # The quests of the badges come from a tiny subquery, so no join runs per batch row.
        either = []
        if view.quest_ids:
            either.append("list_contains($quests, b.quest_id)")
            params["quests"] = list(view.quest_ids)
        if view.badge_ids:
            either.append(
                "b.quest_id IN (SELECT id FROM quests WHERE list_contains($badges, badge_id))"
            )
            params["badges"] = list(view.badge_ids)
        clauses.append("(" + " OR ".join(either) + ")")
    for column, condition in (("created_at", view.created), ("updated_at", view.updated)):
        if condition is None:
            continue
        start, end = condition.bounds(tz)
        # Instants computed in Python from the viewer's local midnights: no per-row conversion.
        if start is not None:
            clauses.append(f"b.{column} >= ${column}_from")
            params[f"{column}_from"] = start
        if end is not None:
            clauses.append(f"b.{column} < ${column}_to")
            params[f"{column}_to"] = end
    return "WHERE " + "\n  AND ".join(clauses), params


def sort_sql(view: BatchFilter) -> tuple[str, str]:
    """Return the sort keys as columns (`... AS _k0`) and the ORDER BY list that uses them."""
    direction = "DESC" if view.desc else "ASC"
    keys = _SORT_KEYS[view.sort]
    key_columns = ", ".join(f"{key} AS _k{i}" for i, key in enumerate(keys))
    # Ties follow the id in the same direction, so desc is exactly asc reversed.
    order = [f"_k{i} {direction} NULLS LAST" for i in range(len(keys))]
    return key_columns, ", ".join([*order, f"b.id {direction}"])


# The chart's periods: each one's label column after the period's first day (a month's label
# is made in core, from the date).
_PERIOD_LABELS = {"week": ", strftime(first_day, '%G-W%V') AS iso_week", "month": ""}


def unlocks_per_sql(unit: str, picked: str) -> str:
    """The unlocks and revokes per `unit` ("week" or "month") and badge, of the batches
    `picked` (a WHERE clause on c.batch_id, or nothing: every batch)."""
    label = _PERIOD_LABELS[unit]  # one of this module's two words, never user text
    # unlock_counts and revoke_counts hold a few rows per batch (per UTC quarter hour with
    # unlocks, or revokes), kept by the publisher; only the buckets, not the millions of
    # unlocks, become local weeks. Every UTC offset is a whole number of quarter hours, so
    # a bucket lies in one local week (and month).
    return f"""
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
            """
