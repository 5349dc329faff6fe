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
        """The queued batches in queue order with their place, counts and progress."""
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
        """The next `limit` users of the queue: batch_id, user_id, quest_id, rank, failure."""
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

    def count_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Add unlocks (batch_id, quest_id, unlocked_at) to the quarter-hour counts."""
        ...

    def recount_unlocks(self) -> None:
        """Count every stored unlock again."""
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
