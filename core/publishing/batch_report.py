"""A batch's publishing summary as the command line prints it, and its users' error reasons."""

from __future__ import annotations

from core import words
from core.batches.read_model import read
from core.store.ports import UnitOfWork


def batch_summary(uow: UnitOfWork, batch_id: int) -> dict:
    """Return a batch's id, name, badge, quest, status word, progress (0-100), whether it is
    paused, users and counts (the spec's four, then "Revoking" and "Revoked")."""
    batch = read(uow, batch_id)
    return {
        "id": batch.id,
        "name": batch.name,
        "badge": batch.badge,
        "quest": batch.quest,
        "status": words.BATCH_STATUS.get(batch.status, batch.status),
        "progress": batch.progress,
        "paused": batch.is_paused,
        "users": batch.n_users,
        "counts": {
            words.UNPUBLISHED: batch.n_unpublished,
            words.IN_PROGRESS: batch.n_in_progress,
            words.PUBLISHED: batch.n_published,
            words.ERROR: batch.n_error,
            words.REVOKING: batch.n_revoking,
            words.REVOKED: batch.n_revoked,
        },
    }


def error_reasons(uow: UnitOfWork, batch_id: int) -> list[tuple[str, int]]:
    """Return each error reason of the batch's users with how many users have it, most first."""
    return uow.publishing.error_reasons(batch_id)
