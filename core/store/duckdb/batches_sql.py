"""core.batches.rules' status and progress rules in DuckDB's SQL, for set-based reads and writes.

Each is the Python rule of the same name in core.batches.rules, for many batches in one
statement, built from its constants only; tests/store/test_batches.py checks every small count
against the Python rule.
"""

from __future__ import annotations

from core.batches.rules import (
    DRAFT,
    FINISHED_STATUSES,
    IN_PROGRESS,
    PARTIALLY_PUBLISHED,
    PUBLISHED,
    UNPUBLISHED,
)

_FINISHED = "(" + ", ".join(f"'{s}'" for s in FINISHED_STATUSES) + ")"

# `derive_status` over a row's counts; format with the four count expressions.
DERIVED_STATUS_SQL = f"""
    CASE
        WHEN {{n_users}} = {{n_published}} + {{n_error}} AND {{n_error}} > 0
            THEN '{PARTIALLY_PUBLISHED}'
        WHEN {{n_users}} = {{n_published}} + {{n_error}} THEN '{PUBLISHED}'
        WHEN {{n_published}} + {{n_error}} + {{n_in_progress}} = 0 THEN '{UNPUBLISHED}'
        ELSE '{IN_PROGRESS}'
    END"""

# `progress` for a batches row `b` (the list sorts and shows it in SQL).
PROGRESS_SQL = f"""CASE WHEN b.n_users = 0
         THEN CASE WHEN b.status IN {_FINISHED} THEN 100 ELSE 0 END
         ELSE (100 * (b.n_published + b.n_error)) // b.n_users END"""

_DERIVED = DERIVED_STATUS_SQL.format(
    n_users="c.n_users",
    n_published="c.n_published",
    n_error="c.n_error",
    n_in_progress="c.n_in_progress",
)

# Recount the users of the batches `$ids` and set each non-draft batch's derived status.
REFRESH_SQL = f"""
    UPDATE batches b SET
        n_users = c.n_users, n_unpublished = c.n_unpublished,
        n_in_progress = c.n_in_progress, n_published = c.n_published, n_error = c.n_error,
        status = CASE WHEN b.status = '{DRAFT}' THEN '{DRAFT}' ELSE {_DERIVED} END,
        updated_at = current_timestamp
    FROM (
        SELECT ids.id AS batch_id,
               count(u.user_id)::INTEGER AS n_users,
               count(*) FILTER (WHERE u.status = 'unpublished')::INTEGER AS n_unpublished,
               count(*) FILTER (WHERE u.status = 'in_progress')::INTEGER AS n_in_progress,
               count(*) FILTER (WHERE u.status = 'published')::INTEGER AS n_published,
               count(*) FILTER (WHERE u.status = 'error')::INTEGER AS n_error
        FROM unnest($ids) ids(id) LEFT JOIN batch_users u ON u.batch_id = ids.id
        GROUP BY ids.id
    ) c
    WHERE b.id = c.batch_id
"""
