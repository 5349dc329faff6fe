"""The batch list's SQL fragments on PostgreSQL: a view's WHERE clause, sort keys and columns.

The same rules as core/store/duckdb/history_sql.py. The text is made of constant fragments only;
every value the user typed (a name, ids, days) travels as a named parameter. Sort keys are
written exactly as the expression indexes of migration m005 are, so the planner can read the
first page straight off an index instead of sorting every batch.
"""

from __future__ import annotations

from core.batches.visibility import DraftScope
from core.history.terms import PAUSED_FROM
from core.history.view import BatchFilter
from core.publishing.unlock_counts import QUARTER_US
from core.store.postgres.batches_sql import PROGRESS_SQL, visible_sql
from core.store.sql_rules import NAMES, escape_like, sql_list
from core.store.sql_rules import STATUS_RANK as STATUS_RANK_SQL

__all__ = [
    "COLUMNS", "NAMES", "PAUSED_SQL", "STATUS_RANK_SQL", "order_sql", "sort_keys",
    "unlocks_per_sql", "where_sql",
]  # fmt: skip

# A batches row `b` the "Paused" filter matches: running, and the publisher told to leave it.
PAUSED_SQL = f"(b.paused_at IS NOT NULL AND b.status IN {sql_list(PAUSED_FROM)})"

# Text sorts by code point (COLLATE "C"), as DuckDB's do, whatever the database's collation.
_SORT_KEYS = {
    "name": ['lower(b.name) COLLATE "C"'],
    "badge": ['lower(g.name) COLLATE "C"'],
    "quest": ['lower(q.name) COLLATE "C"'],
    "users": ["b.n_users"],
    "status": [STATUS_RANK_SQL, PROGRESS_SQL],
    "created_at": ["b.created_at"],
    "updated_at": ["b.updated_at"],
    "created_by": ['lower(b.created_by) COLLATE "C"'],
}
# Keys that can be NULL (a batch whose quest or badge is gone): they sort last both ways. The
# others are never NULL, so their order needs no NULLS clause, which a backward index scan
# could not give for DESC.
_NULLABLE = {"badge", "quest"}
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
            either.append("b.status = ANY(%(statuses)s::text[])")
            params["statuses"] = list(view.batch_statuses)
        clauses.append("(" + " OR ".join(either) + ")")
    if view.quest_ids or view.badge_ids:
        # One "Badge" filter: a checked badge stands for all its quests, present and future.
        # The checked quests and the badges' quests make one array (a tiny subquery run once),
        # so the quest index answers it rather than an OR checked row by row.
        clauses.append(
            "b.quest_id = ANY(%(quests)s::bigint[] || ARRAY(SELECT id::bigint FROM quests "
            "WHERE badge_id = ANY(%(badges)s::bigint[])))"
        )
        params["quests"] = list(view.quest_ids)
        params["badges"] = list(view.badge_ids)
    for column, condition in (("created_at", view.created), ("updated_at", view.updated)):
        if condition is None:
            continue
        start, end = condition.bounds(tz)
        # Instants computed in Python from the viewer's local midnights: no per-row conversion.
        if start is not None:
            clauses.append(f"b.{column} >= %({column}_from)s")
            params[f"{column}_from"] = start
        if end is not None:
            clauses.append(f"b.{column} < %({column}_to)s")
            params[f"{column}_to"] = end
    if view.name:
        # Last, so the cheaper conditions pass fewer rows to it. lower() LIKE lower() is what
        # ILIKE does, without lowering the pattern again on every row, and the trigram index
        # on lower(name) (m005) serves it. LIKE escapes with a backslash by default.
        clauses.append("lower(b.name) LIKE lower(%(name)s)")
        params["name"] = f"%{escape_like(view.name)}%"
    return "WHERE " + "\n  AND ".join(clauses), params


def sort_keys(view: BatchFilter) -> list[str]:
    """Return the view's sort key expressions (constant text), most significant first."""
    return _SORT_KEYS[view.sort]


def order_sql(view: BatchFilter, keys: list[str] | None = None, tie: str = "b.id") -> str:
    """Return the ORDER BY list: the sort keys (or `keys`, their aliases), then the id."""
    direction = "DESC" if view.desc else "ASC"
    nulls = " NULLS LAST" if view.sort in _NULLABLE and view.desc else ""
    # Ties follow the id in the same direction, so desc is exactly asc reversed.
    order = [f"{key} {direction}{nulls}" for key in (keys or sort_keys(view))]
    return ", ".join([*order, f"{tie} {direction}"])


# The chart's periods: each one's label column after the period's first day (a month's label
# is made in core, from the date).
_PERIOD_LABELS = {"week": """, to_char(w.week::TIMESTAMP, 'IYYY-"W"IW') AS iso_week""", "month": ""}
# unlock_counts.quarter is microseconds since the epoch // QUARTER_US; this is seconds.
_QUARTER_S = QUARTER_US // 1_000_000


def unlocks_per_sql(unit: str, picked: str) -> str:
    """The unlocks and revokes per `unit` ("week" or "month") and badge, of the batches
    `picked` (a WHERE clause on c.batch_id, or nothing: every batch)."""
    label = _PERIOD_LABELS[unit]  # one of this module's two words, never user text
    # unlock_counts and revoke_counts hold a few rows per batch (per UTC quarter hour with
    # unlocks, or revokes), kept by the publisher; only those buckets, not the millions of
    # unlocks, become local weeks. Every UTC offset is a whole number of quarter hours, so
    # a bucket lies in one local week (and month). One aggregation by (week, badge)
    # straight from the buckets of both tables (the planner reads the UNION ALL as one
    # Append under the same joins and filter): summing them per quarter first would group
    # as many rows again for nothing. Sums are cast back to BIGINT (PostgreSQL sums BIGINT
    # into NUMERIC, which is slower to add).
    return f"""
            SELECT w.{unit}{label},
                   coalesce(w.badge, %(other)s) AS badge, sum(w.n)::BIGINT AS unlocks,
                   sum(w.r)::BIGINT AS revokes
            FROM (
                SELECT date_trunc('{unit}', to_timestamp(c.quarter * {_QUARTER_S})
                                          AT TIME ZONE %(tz)s)::DATE AS {unit},
                       g.name AS badge, sum(c.n)::BIGINT AS n, sum(c.r)::BIGINT AS r
                FROM (
                    SELECT batch_id, quest_id, quarter, unlocks AS n, 0::BIGINT AS r
                    FROM unlock_counts
                    UNION ALL
                    SELECT batch_id, quest_id, quarter, 0::BIGINT, revokes FROM revoke_counts
                ) c
                LEFT JOIN quests q ON q.id = c.quest_id
                LEFT JOIN badges g ON g.id = q.badge_id
                {picked}
                GROUP BY 1, 2
            ) w
            GROUP BY w.{unit}, {3 if label else 2}
"""
