"""core.batches.rules' status, progress and draft-visibility rules in PostgreSQL's SQL.

The status and progress rules are core/store/sql_rules.py's (progress with `/` for DuckDB's
`//`); the recount locks its rows, and visibility takes psycopg's `%(name)s` parameters.
"""

from __future__ import annotations

from core.batches.rules import DRAFT
from core.batches.visibility import DraftScope
from core.store.sql_rules import DERIVED_STATUS_SQL, progress_sql

# `progress` for a batches row `b`: `/` on PostgreSQL's INTEGER counters is integer division.
PROGRESS_SQL = progress_sql("/")

_DERIVED = DERIVED_STATUS_SQL.format(
    n_users="c.n_users",
    n_published="c.n_published",
    n_error="c.n_error",
    n_in_progress="c.n_in_progress",
    n_revoking="c.n_revoking",
    n_revoked="c.n_revoked",
)

# Recount the users of the batches `%(ids)s` and set each non-draft batch's derived status.
# The batch rows are locked first, in id order, so two transactions recounting overlapping
# batches queue up instead of deadlocking. Under REPEATABLE READ a row another transaction
# changed and committed since our snapshot makes the lock fail with 40001 (the unit of work
# runs the transaction again), so a recount never writes counts from a stale snapshot.
REFRESH_SQL = f"""
    WITH locked AS MATERIALIZED (
        SELECT id FROM batches WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id FOR NO KEY UPDATE
    ), c AS (
        SELECT l.id AS batch_id,
               count(u.user_id)::INTEGER AS n_users,
               count(*) FILTER (WHERE u.status = 'unpublished')::INTEGER AS n_unpublished,
               count(*) FILTER (WHERE u.status = 'in_progress')::INTEGER AS n_in_progress,
               count(*) FILTER (WHERE u.status = 'published')::INTEGER AS n_published,
               count(*) FILTER (WHERE u.status = 'error')::INTEGER AS n_error,
               count(*) FILTER (WHERE u.status = 'revoking')::INTEGER AS n_revoking,
               count(*) FILTER (WHERE u.status = 'revoked')::INTEGER AS n_revoked
        FROM locked l LEFT JOIN batch_users u ON u.batch_id = l.id
        GROUP BY l.id
    )
    UPDATE batches b SET
        n_users = c.n_users, n_unpublished = c.n_unpublished,
        n_in_progress = c.n_in_progress, n_published = c.n_published, n_error = c.n_error,
        n_revoking = c.n_revoking, n_revoked = c.n_revoked,
        status = CASE WHEN b.status = '{DRAFT}' THEN '{DRAFT}' ELSE {_DERIVED} END,
        updated_at = current_timestamp
    FROM c
    WHERE b.id = c.batch_id
"""


def visible_sql(scope: DraftScope, alias: str = "b") -> tuple[str, dict[str, object]]:
    """Return a WHERE predicate on the batches row `alias` and its named parameters.

    The same rule as `DraftScope.sees`: non-drafts are visible, drafts to their creator or to
    an account that sees every draft. `alias` is a constant of the caller's SQL, never user text.
    """
    if scope.all_drafts:
        # Every row is visible: no predicate, so the planner keeps its index paths.
        return "TRUE", {}
    sql = f"({alias}.status <> '{DRAFT}' OR {alias}.created_by = %(scope_viewer)s)"
    return sql, {"scope_viewer": scope.viewer}
