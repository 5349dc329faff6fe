"""The publishing repository's port: the queue, chunks of the queue, unlocks and their counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import threading
    from contextlib import AbstractContextManager

    import polars as pl


class QueueWaiter(Protocol):
    """An idle worker's way to wait for a batch to be queued (see `PublishingRepository.listen`)."""

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a queued batch or the wake event; tell whether woken."""
        ...


class PublishingRepository(Protocol):
    """What domain code may ask the store about the queue, its chunks and the unlocks."""

    def queue(self) -> pl.DataFrame:
        """The queued batches in queue order with their place, counts, progress and `paused`.

        Paused batches stay listed in their place (`paused` True); the publisher skips them.
        """
        ...

    def queue_position(self, batch_id: int) -> int | None:
        """The batch's place in the queue (1 is next), or None if it is not queued."""
        ...

    def has_queue(self) -> bool:
        """Tell whether any batch is queued."""
        ...

    def user_counts(self, batch_id: int) -> tuple[int, int]:
        """Count the batch's users, and those still to unlock, from the users themselves."""
        ...

    def failures(self, batch_id: int, statuses: tuple[str, ...]) -> list[tuple[int, str | None]]:
        """Each user of the batch in one of `statuses`, by User ID, with the failure that holds now."""
        ...

    def would_fail(self, batch_id: int) -> list[tuple[str, int]]:
        """Count the batch's users still to unlock by the failure that holds now, most first."""
        ...

    def requeue_errors(self, batch_id: int, user_ids: list[int] | None) -> int:
        """Set the batch's users in "Error" (only `user_ids`, unless None) back to "Unpublished"."""
        ...

    def error_reasons(self, batch_id: int) -> list[tuple[str, int]]:
        """Each error reason of the batch's users with how many have it, most first."""
        ...

    def next_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users of the queue: batch_id, user_id, quest_id, rank, failure.

        Never a user of a paused batch.
        """
        ...

    def record_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Set the chunk's statuses, insert its unlocks; return the unlocks inserted."""
        ...

    def settled_batches(self) -> list[int]:
        """Queued batches with no user left to unlock (none another worker is publishing)."""
        ...

    def finished_among(self, batch_ids: list[int]) -> tuple[int, ...]:
        """Those of these batches that are finished, by id."""
        ...

    # --- revoking (issue 15) ----------------------------------------------------------------------

    def revoke_categories(self, batch_id: int, user_ids: list[int] | None) -> pl.DataFrame:
        """Each target user's revoke category: user_id, category, status, other_batch.

        `category` is revoke | kept_from_other_batch | not_unlocked_by_this_batch | not_in_batch
        (core/publishing/revoking.py words them); `status` the user's status in the batch (null
        when not a member); `other_batch` the lowest other batch of the quest that keeps the
        user's unlock (kept ones only). `user_ids` None: every member of the batch.
        """
        ...

    def request_revoke(self, batch_id: int, user_ids: list[int], reason: str, by: str) -> int:
        """Set those of these members that are "published" to "revoking"; return how many.

        Also notes the batch's users revoked so far (`revoked_before`): the progress of this
        revoke counts only the users it asked for.
        """
        ...

    def has_revoke_work(self) -> bool:
        """Tell whether any batch that is not paused is "Revoking"."""
        ...

    def next_revoke_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users to revoke: batch_id, user_id, quest_id, in queue order.

        Users "revoking" of batches "Revoking" and not paused, batch order then User ID.
        """
        ...

    def record_revoke_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Revoke the chunk's users; return the unlocks deleted: batch_id, quest_id, revoked_at.

        Each user's category is decided again now: an unlock this batch alone gave is deleted
        (a `revocations` row kept), one another batch of the quest also gave is kept (handed to
        that batch if it was this one's); the users become "revoked" (`kept_by_batch` set for
        the kept ones). A handed-over unlock's unlock_counts move to its keeper in the same
        step (its quarter hour; the batch's row may stay at 0). The batches' counters and the
        revoke counts are the caller's (`batches.refresh_counts`, `count_revokes`).
        """
        ...

    def count_revokes(self, revokes: pl.DataFrame) -> None:
        """Add revokes (batch_id, quest_id, revoked_at) to the quarter-hour revoke counts."""
        ...

    def count_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Add unlocks (batch_id, quest_id, unlocked_at) to the quarter-hour counts."""
        ...

    def recount_unlocks(self) -> None:
        """Count every unlock again, and every revoke (the chart's counts, rebuilt).

        unlock_counts are gross: every unlock made, held now or revoked since (its revocations
        row), under the batch that holds or revoked it; revoke_counts count the revocations.
        """
        ...

    # --- waking idle workers --------------------------------------------------------------------

    def announce_queued(self, batch_id: int) -> None:
        """Tell idle workers a batch was queued, when the caller's transaction commits.

        Workers in other processes hear it on PostgreSQL (NOTIFY); DuckDB has one process, whose
        worker the page wakes itself (`Worker.wake`), so there it does nothing.
        """
        ...

    def listen(self, wake: threading.Event) -> AbstractContextManager[QueueWaiter]:
        """A waiter for an idle worker: woken by `wake`, or by `announce_queued` from any process.

        The waiter may also return early (e.g. once it starts listening): the caller then just
        looks at the queue again.
        """
        ...
