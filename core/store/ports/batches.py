"""The batches repository's port: the batches table: the read model, drafts' lifecycle,
versions and counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import polars as pl

    from core.batches.visibility import DraftScope


class BatchesRepository(Protocol):
    """What domain code may ask the store about batches."""

    def read(self, batch_id: int) -> dict[str, Any] | None:
        """Return one batch with its badge quest's names and its counters (None if no such id).

        Keys: the batches row's columns (with `paused_at`, `paused_by`, `n_revoking`,
        `n_revoked`, `revoked_before`), and `badge`, `quest`, `quest_archived`.
        """
        ...

    def quest_id(self, batch_id: int) -> int | None:
        """Return the badge quest a batch unlocks (None if no such id): a light read for hot paths."""
        ...

    def drafts(self, scope: DraftScope) -> pl.DataFrame:
        """Return the drafts in `scope`, newest change first (id, name, quest, counts, dates)."""
        ...

    def insert_draft(self, name: str, quest_id: int, created_by: str) -> int:
        """Insert a new draft; return its id."""
        ...

    def rename(self, batch_id: int, name: str) -> None:
        """Store a batch's (cleaned) name."""
        ...

    def set_quest(self, batch_id: int, quest_id: int) -> None:
        """Point a batch at another badge quest."""
        ...

    def delete(self, batch_id: int) -> None:
        """Delete a batch and its users."""
        ...

    def bump_version(self, batch_id: int) -> None:
        """Mark the batch as changed: one more version, and "Last updated" now."""
        ...

    def requeue(self, batch_id: int) -> None:
        """Put a finished batch back in the publisher's queue (unpublished, queued now)."""
        ...

    def set_paused(self, batch_id: int, by: str | None) -> None:
        """Pause the batch (paused now, by `by`), or resume it when `by` is None."""
        ...

    def cancel_to_draft(self, batch_id: int) -> None:
        """Take a queued batch out of the queue: status draft, `queued_at` NULL."""
        ...

    def refresh_counts(self, batch_ids: list[int]) -> None:
        """Recount these batches' users by status and set each non-draft batch's derived status."""
        ...
