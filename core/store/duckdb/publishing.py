"""DuckDB's publishing repository: the queue, chunks of the queue, unlocks and their counts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from core.batches.rules import PENDING_STATUSES, REVOKING
from core.publishing.unlock_counts import QUARTER_US
from core.store.duckdb.batches_sql import PROGRESS_SQL
from core.store.duckdb.publishing_sql import (
    BATCH_ORDER,
    FINISHED,
    NEXT_CHUNK,
    PENDING,
    USER_FAILURES,
)
from core.store.duckdb.revoking import DuckRevoking

if TYPE_CHECKING:
    import threading

    import polars as pl

_QUEUE = f"""
    SELECT row_number() OVER (ORDER BY {BATCH_ORDER}) AS position,
           b.id, b.name, b.status, b.queued_at, b.n_users AS users,
           b.n_unpublished + b.n_in_progress AS pending, ({PROGRESS_SQL})::INTEGER AS progress,
           b.paused_at IS NOT NULL AS paused
    FROM batches b WHERE b.status IN {PENDING}
"""

# Queued batches with nobody left to process (e.g. emptied after queueing): a recount finishes them.
_SETTLED = f"""
    SELECT b.id FROM batches b
    WHERE b.status IN {PENDING} AND b.paused_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM batch_users u
                      WHERE u.batch_id = b.id AND u.status IN {PENDING})
    ORDER BY b.id
"""

# Work for the publisher: a batch queued, or one "Revoking" with users left (its counters say
# so: they are recounted in every write to its users), not paused.
_HAS_WORK = f"""
    SELECT 1 FROM batches
    WHERE (status IN {PENDING} OR status = '{REVOKING}' AND n_revoking > 0)
      AND paused_at IS NULL
    LIMIT 1
"""
# Every unlock ever made: those held now and those revoked since (unlock_counts are gross; the
# chart subtracts revoke_counts).
_EVERY_UNLOCK = """(SELECT batch_id, quest_id, unlocked_at FROM unlocks
    UNION ALL SELECT batch_id, quest_id, unlocked_at FROM revocations)"""

_COUNT_UNLOCKS = """
    INSERT INTO unlock_counts
    SELECT batch_id, quest_id, epoch_us(unlocked_at) // $quarter AS quarter, count(*)
    FROM {relation} WHERE batch_id IS NOT NULL
    GROUP BY batch_id, quest_id, quarter
    ON CONFLICT DO UPDATE SET unlocks = unlocks + excluded.unlocks
"""


class _EventWaiter:
    """Waiting for the in-process wake event only: a DuckDB file has one process."""

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the wake event; tell whether it was set."""
        return self._wake.wait(timeout)


class DuckPublishing(DuckRevoking):
    """The SQL behind `core.store.ports.publishing.PublishingRepository` (revokes: DuckRevoking)."""

    # --- the queue ----------------------------------------------------------------------------

    def queue(self) -> pl.DataFrame:
        """The queued batches in queue order with their place, counts and progress."""
        return self.frame(_QUEUE + " ORDER BY position")

    def queue_position(self, batch_id: int) -> int | None:
        """The batch's place in the queue (1 is next), or None if it is not queued."""
        return self.scalar(f"SELECT position FROM ({_QUEUE}) WHERE id = ?", [batch_id])

    def has_queue(self) -> bool:
        """Tell whether the publisher has work: a batch queued or "Revoking", not paused."""
        return bool(self.rows(_HAS_WORK))

    # --- publishing and retrying one batch ----------------------------------------------------

    def user_counts(self, batch_id: int) -> tuple[int, int]:
        """Count the batch's users, and those still to unlock, from the users themselves."""
        found = self.rows(
            f"SELECT count(*), count(*) FILTER (WHERE status IN {PENDING}) "
            "FROM batch_users WHERE batch_id = ?",
            [batch_id],
        )
        return found[0][0], found[0][1]

    def failures(self, batch_id: int, statuses: tuple[str, ...]) -> list[tuple[int, str | None]]:
        """Each user of the batch in one of `statuses`, by User ID, with the failure that holds now."""
        return self.rows(
            USER_FAILURES + " ORDER BY u.user_id",
            {"batch": batch_id, "statuses": list(statuses)},
        )

    def would_fail(self, batch_id: int) -> list[tuple[str, int]]:
        """Count the batch's users still to unlock by the failure that holds now, most first."""
        return self.rows(
            f"""SELECT failure, count(*)::INTEGER FROM ({USER_FAILURES})
                WHERE failure IS NOT NULL GROUP BY failure ORDER BY 2 DESC, 1""",
            {"batch": batch_id, "statuses": list(PENDING_STATUSES)},
        )

    def requeue_errors(self, batch_id: int, user_ids: list[int] | None) -> int:
        """Set the batch's users in "Error" (only `user_ids`, unless None) back to "Unpublished"."""
        return self.scalar(
            """UPDATE batch_users SET status = 'unpublished', error_reason = NULL,
                   processed_at = NULL
               WHERE batch_id = $batch AND status = 'error'
                 AND ($ids IS NULL OR list_contains($ids, user_id))""",
            {"batch": batch_id, "ids": user_ids},
        )

    def error_reasons(self, batch_id: int) -> list[tuple[str, int]]:
        """Each error reason of the batch's users with how many have it, most first."""
        return self.rows(
            """SELECT coalesce(error_reason, 'No reason recorded.'), count(*)::INTEGER AS n
               FROM batch_users WHERE batch_id = ? AND status = 'error'
               GROUP BY 1 ORDER BY n DESC, 1""",
            [batch_id],
        )

    # --- one chunk ------------------------------------------------------------------------------

    def next_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users of the queue: batch_id, user_id, quest_id, rank, failure."""
        return self.frame(NEXT_CHUNK, {"limit": limit})

    def record_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Set the chunk's statuses (Error where `error_reason` is set), insert its unlocks.

        Returns the unlocks inserted (batch_id, quest_id, unlocked_at): a user who holds the
        quest already keeps the old unlock, and one user in two batches of the chunk is credited
        to the earlier batch (lowest `rank`). Each new unlock counts in its user's quests_held.
        """
        with self.registered(chunk, "chunk") as name:
            # Statuses first: a concurrent writer of these rows conflicts here, before any unlock.
            self.rows(
                f"""UPDATE batch_users u SET
                        status = CASE WHEN c.error_reason IS NULL THEN 'published' ELSE 'error' END,
                        error_reason = c.error_reason,
                        processed_at = current_timestamp
                    FROM {name} c
                    WHERE u.batch_id = c.batch_id AND u.user_id = c.user_id
                      AND u.status IN {PENDING}"""
            )
            # INSERT … RETURNING through a relation: it runs once, its rows read as a frame.
            inserted = self.frame(
                f"""INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
                    SELECT DISTINCT ON (user_id, quest_id)
                           user_id, quest_id, batch_id, current_timestamp
                    FROM {name} WHERE error_reason IS NULL
                    ORDER BY user_id, quest_id, rank
                    ON CONFLICT DO NOTHING
                    RETURNING user_id, batch_id, quest_id, unlocked_at"""
            )
        self.add_held(inserted, 1)
        return inserted.drop("user_id")

    def settled_batches(self) -> list[int]:
        """Queued batches with no user left to unlock."""
        return [r[0] for r in self.rows(_SETTLED)]

    def finished_among(self, batch_ids: list[int]) -> tuple[int, ...]:
        """Those of these batches that are finished, by id."""
        found = self.rows(
            f"SELECT id FROM batches WHERE list_contains($ids, id) AND status IN {FINISHED} "
            "ORDER BY id",
            {"ids": batch_ids},
        )
        return tuple(r[0] for r in found)

    # --- the chart's counts ---------------------------------------------------------------------

    def count_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Add unlocks (batch_id, quest_id, unlocked_at) to the quarter-hour counts."""
        with self.registered(unlocks, "unlocks") as name:
            self.rows(_COUNT_UNLOCKS.format(relation=name), {"quarter": QUARTER_US})

    def recount_unlocks(self) -> None:
        """Count every unlock again (those revoked since too: the counts are gross), and revokes."""
        self.rows("DELETE FROM unlock_counts")
        self.rows(_COUNT_UNLOCKS.format(relation=_EVERY_UNLOCK), {"quarter": QUARTER_US})
        self.recount_revokes()

    # --- waking idle workers --------------------------------------------------------------------

    def announce_queued(self, batch_id: int) -> None:
        """Nothing to send: the one process's page wakes its own worker (`Worker.wake`)."""

    @contextlib.contextmanager
    def listen(self, wake: threading.Event) -> Iterator[_EventWaiter]:
        """A waiter on the in-process wake event alone."""
        yield _EventWaiter(wake)
