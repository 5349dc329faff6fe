"""A batch's rules: its statuses, the status its users' counts give it, its progress, the
status word shown for it, and how many users it may hold. The one home of each rule.

The store keeps each batch's counters and status up to date in the transaction of every write
to its users (`uow.batches.refresh_counts`); its SQL is this module's `derive_status` and
`progress` in the store's dialect (core/store/duckdb/batches_sql.py, checked against them by a test).
"""

from __future__ import annotations

from core import words

# Batch status codes; "draft" is ours (not yet published), the rest are the spec's four.
DRAFT = "draft"
UNPUBLISHED = "unpublished"
IN_PROGRESS = "in_progress"
PUBLISHED = "published"
PARTIALLY_PUBLISHED = "partially_published"
FINISHED_STATUSES = (PUBLISHED, PARTIALLY_PUBLISHED)
# Waiting for the publisher: a batch in these statuses is in the queue; a user in them
# (the same codes) is still to be unlocked.
PENDING_STATUSES = (UNPUBLISHED, IN_PROGRESS)

# The most users one batch may hold (the spec's limit); messages format this number in.
MAX_USERS_PER_BATCH = 5000


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
        return 100 if status in FINISHED_STATUSES else 0
    return int(100 * (n_published + n_error) // n_users)


def status_label(status: str, percent: int | None = None) -> str:
    """Return the spec's word for a batch status, with the percentage for "In Progress"."""
    word = words.BATCH_STATUS[status]
    if status == IN_PROGRESS and percent is not None:
        return f"{word} ({percent}%)"
    return word
