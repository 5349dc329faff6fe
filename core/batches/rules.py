"""A batch's status and counters, derived from its users' statuses.

Every write that changes `batch_users` calls `refresh` in the same transaction, so the list can
read `batches` alone (no aggregation over millions of batch users per query).
"""

from __future__ import annotations

import duckdb

from core import words

# Batch status codes; "draft" is ours (not yet published), the rest are the spec's four.
DRAFT = "draft"
UNPUBLISHED = "unpublished"
IN_PROGRESS = "in_progress"
PUBLISHED = "published"
PARTIALLY_PUBLISHED = "partially_published"
QUEUED_STATUSES = (UNPUBLISHED, IN_PROGRESS)

# Per-user status codes.
USER_UNPUBLISHED = "unpublished"
USER_IN_PROGRESS = "in_progress"
USER_PUBLISHED = "published"
USER_ERROR = "error"

DERIVED_STATUS_SQL = """
    CASE
        WHEN {n_users} = {n_published} + {n_error} AND {n_error} > 0 THEN 'partially_published'
        WHEN {n_users} = {n_published} + {n_error} THEN 'published'
        WHEN {n_published} + {n_error} + {n_in_progress} = 0 THEN 'unpublished'
        ELSE 'in_progress'
    END"""


# The percentage of users processed, for a batch row `b` (the list sorts and shows it in SQL);
# `progress` below is the same rule for one batch in Python, and a test checks they agree.
PROGRESS_SQL = """CASE WHEN b.n_users = 0
         THEN CASE WHEN b.status IN ('published', 'partially_published') THEN 100 ELSE 0 END
         ELSE (100 * (b.n_published + b.n_error)) // b.n_users END"""


def derive_status(n_users: int, n_in_progress: int, n_published: int, n_error: int) -> str:
    """Return the status of a published (non-draft) batch from its counts, as the spec defines it."""
    if n_users == n_published + n_error:
        return PARTIALLY_PUBLISHED if n_error else PUBLISHED
    if n_published + n_error + n_in_progress == 0:
        return UNPUBLISHED
    return IN_PROGRESS


def progress(n_users: int, n_published: int, n_error: int, status: str) -> int:
    """Return the percentage of users processed (0-100); a finished empty batch is 100."""
    if n_users == 0:
        return 100 if status in (PUBLISHED, PARTIALLY_PUBLISHED) else 0
    return int(100 * (n_published + n_error) // n_users)


def status_label(status: str, percent: int | None = None) -> str:
    """Return the spec's word for a batch status, with the percentage for "In Progress"."""
    word = words.BATCH_STATUS[status]
    if status == IN_PROGRESS and percent is not None:
        return f"{word} ({percent}%)"
    return word


def refresh(cur: duckdb.DuckDBPyConnection, batch_ids: list[int]) -> None:
    """Recount the users of these batches by status and set each non-draft batch's status."""
    if not batch_ids:
        return
    derived = DERIVED_STATUS_SQL.format(
        n_users="c.n_users",
        n_published="c.n_published",
        n_error="c.n_error",
        n_in_progress="c.n_in_progress",
    )
    cur.execute(
        f"""
        UPDATE batches b SET
            n_users = c.n_users, n_unpublished = c.n_unpublished,
            n_in_progress = c.n_in_progress, n_published = c.n_published, n_error = c.n_error,
            status = CASE WHEN b.status = 'draft' THEN 'draft' ELSE {derived} END,
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
        """,
        {"ids": list(batch_ids)},
    )
