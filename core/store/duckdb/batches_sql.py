"""core.batches.rules' status and progress rules in DuckDB's SQL, for set-based reads and writes.

The rules themselves are in core/store/sql_rules.py (one text for both stores); here they are
put to work in DuckDB's recount. tests/store/test_batches.py checks every small count against
the Python rule.
"""

from __future__ import annotations

from core.batches.rules import DRAFT
from core.store.sql_rules import DERIVED_STATUS_SQL, progress_sql

__all__ = ["DERIVED_STATUS_SQL", "PROGRESS_SQL", "REFRESH_SQL"]

# `progress` for a batches row `b` (the list sorts and shows it in SQL).
PROGRESS_SQL = progress_sql("//")

_DERIVED = DERIVED_STATUS_SQL.format(
    n_users="c.n_users",
    n_published="c.n_published",
    n_error="c.n_error",
    n_in_progress="c.n_in_progress",
    n_revoking="c.n_revoking",
    n_revoked="c.n_revoked",
)

# Recount the users of the batches `$ids` and set each non-draft batch's derived status.
REFRESH_SQL = f"""
    UPDATE batches b SET
        n_users = c.n_users, n_unpublished = c.n_unpublished,
        n_in_progress = c.n_in_progress, n_published = c.n_published, n_error = c.n_error,
        n_revoking = c.n_revoking, n_revoked = c.n_revoked,
        status = CASE WHEN b.status = '{DRAFT}' THEN '{DRAFT}' ELSE {_DERIVED} END,
        updated_at = current_timestamp
    FROM (
        SELECT ids.id AS batch_id,
               count(u.user_id)::INTEGER AS n_users,
               count(*) FILTER (WHERE u.status = 'unpublished')::INTEGER AS n_unpublished,
               count(*) FILTER (WHERE u.status = 'in_progress')::INTEGER AS n_in_progress,
               count(*) FILTER (WHERE u.status = 'published')::INTEGER AS n_published,
               count(*) FILTER (WHERE u.status = 'error')::INTEGER AS n_error,
               count(*) FILTER (WHERE u.status = 'revoking')::INTEGER AS n_revoking,
               count(*) FILTER (WHERE u.status = 'revoked')::INTEGER AS n_revoked
        FROM unnest($ids) ids(id) LEFT JOIN batch_users u ON u.batch_id = ids.id
        GROUP BY ids.id
    ) c
    WHERE b.id = c.batch_id
"""
