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
# Undo (issue 15): a batch whose unlocks are being taken back, and after.
REVOKING = "revoking"
REVOKED = "revoked"
PARTIALLY_REVOKED = "partially_revoked"
# Publishing is over: nothing of the batch is waiting for the publisher.
FINISHED_STATUSES = (PUBLISHED, PARTIALLY_PUBLISHED, REVOKED, PARTIALLY_REVOKED)
# Waiting for the publisher: a batch in these statuses is in the queue; a user in them
# (the same codes) is still to be unlocked.
PENDING_STATUSES = (UNPUBLISHED, IN_PROGRESS)
# A user's statuses beside the spec's four: waiting to be revoked, and revoked (the reason,
# who and when kept with them). A batch with a user "revoking" is "Revoking" itself.
USER_REVOKING = "revoking"
USER_REVOKED = "revoked"
# What may be revoked: a finished batch with users still "Published" by it.
REVOCABLE_STATUSES = (PUBLISHED, PARTIALLY_PUBLISHED, PARTIALLY_REVOKED)
# What may be paused (the publisher stops taking its users) and resumed.
PAUSABLE_STATUSES = (IN_PROGRESS, REVOKING)
# What may take more users: a draft, or a finished batch (it is queued again).
ADDABLE_STATUSES = (DRAFT, PUBLISHED, REVOKED, PARTIALLY_REVOKED)

# The most users one batch may hold (the spec's limit); messages format this number in.
MAX_USERS_PER_BATCH = 5000


def derive_status(
    n_users: int,
    n_in_progress: int,
    n_published: int,
    n_error: int,
    n_revoking: int = 0,
    n_revoked: int = 0,
) -> str:
    """Return the status of a published (non-draft) batch from its counts, as the spec defines it.

    A batch never revoked gets the spec's four. A user waiting to be revoked makes it
    "Revoking"; once none waits and none waits to be unlocked, it is "Revoked" when no user is
    "Published" any more, "Partially revoked" when some still are.
    """
    if n_revoking:
        return REVOKING
    if n_users == n_published + n_error + n_revoked:
        if n_revoked:
            return PARTIALLY_REVOKED if n_published else REVOKED
        return PARTIALLY_PUBLISHED if n_error else PUBLISHED
    if n_published + n_error + n_in_progress + n_revoked == 0:
        return UNPUBLISHED
    return IN_PROGRESS


def progress(
    n_users: int,
    n_published: int,
    n_error: int,
    status: str,
    n_revoking: int = 0,
    n_revoked: int = 0,
    revoked_before: int = 0,
) -> int:
    """Return the percentage done (0-100): of users processed, or while "Revoking" of the
    users the latest revoke asked for (`revoked_before`: those revoked before it); a finished
    empty batch is 100."""
    if status == REVOKING:
        asked = n_revoking + n_revoked - revoked_before
        return int(100 * (n_revoked - revoked_before) // asked) if asked > 0 else 0
    if n_users == 0:
        return 100 if status in FINISHED_STATUSES else 0
    return int(100 * (n_published + n_error + n_revoked) // n_users)


def status_label(status: str, percent: int | None = None, paused: bool = False) -> str:
    """Return the word for a batch status, with the percentage while it runs, and "· Paused"."""
    word = words.BATCH_STATUS[status]
    if status in (IN_PROGRESS, REVOKING) and percent is not None:
        word = f"{word} ({percent}%)"
    return f"{word} · {words.PAUSED}" if paused else word
