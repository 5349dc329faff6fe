"""PostgreSQL's publishing repository: the queue, chunks claimed by concurrent workers, unlocks.

Any number of workers (processes, app replicas, threads) publish from one database:
- A chunk claims whole batches, in queue order, with a transaction-level advisory lock per batch
  taken only if free (`pg_try_advisory_xact_lock`, publishing_sql.claim_lock), and takes only
  those batches' users: no user is handed to two workers, and two workers take two different
  batches. The claim is the chunk's transaction itself (no lease column): a worker killed with
  SIGKILL drops its connection, PostgreSQL rolls the chunk back and releases its locks at once; a
  hung one holding an idle transaction is ended after `idle_in_transaction_session_timeout` (60 s,
  set in connection.py), and its batch is taken over. The claim locks no row: a pause, cancel or
  add on the batch row never waits for a chunk (a row lock held for the whole chunk, re-taken by
  the next chunk at once, kept a pause retrying in vain); the chunk's recount then fails to
  serialize and the chunk runs again, seeing the change.
- Unlocks stay exactly-once per (user, quest) by the unlocks primary key: `ON CONFLICT DO
  NOTHING`, and under REPEATABLE READ an unlock committed by another worker after this chunk's
  snapshot fails the chunk with 40001, which core.store.retry runs again (it then sees the unlock).
- The batch counters are recounted (`batches.refresh_counts`) only for batches the chunk has
  claimed, and the recount locks their rows, so two workers never write one batch's counters at
  once: no lost update.
- `announce_queued` sends a NOTIFY in the caller's transaction; `listen` waits for it on a
  dedicated connection (core/store/postgres/notices.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import polars as pl

from core.batches.rules import PENDING_STATUSES
from core.publishing.unlock_counts import QUARTER_US
from core.store.postgres.batches_sql import PROGRESS_SQL
from core.store.postgres.claiming import claim_users
from core.store.postgres.notices import CHANNEL, NOTIFY_SQL, QueueListener
from core.store.postgres.publishing_sql import (
    ADD_COUNTS,
    CLAIM_BATCHES,
    HAS_WORK,
    RECORD_CHUNK,
    RECOUNT,
    SETTLED,
    USER_FAILURES,
)
from core.store.postgres.revoking import PgRevoking
from core.store.sql_rules import BATCH_ORDER, FINISHED, PENDING

if TYPE_CHECKING:
    import threading

_QUEUE = f"""
    SELECT row_number() OVER (ORDER BY {BATCH_ORDER}) AS position,
           b.id, b.name, b.status, b.queued_at, b.n_users AS users,
           b.n_unpublished + b.n_in_progress AS pending, ({PROGRESS_SQL})::INTEGER AS progress,
           b.paused_at IS NOT NULL AS paused
    FROM batches b WHERE b.status IN {PENDING}
"""

# The chunk frame's columns as DuckDB's NEXT_CHUNK gives them.
_CHUNK_SCHEMA = {
    "batch_id": pl.Int64,
    "user_id": pl.Int64,
    "quest_id": pl.Int32,
    "rank": pl.Int64,
    "failure": pl.String,
}


class PgPublishing(PgRevoking):
    """The SQL behind `core.store.ports.publishing.PublishingRepository` on PostgreSQL."""

    # --- the queue ----------------------------------------------------------------------------

    def queue(self) -> pl.DataFrame:
        """The queued batches in queue order with their place, counts and progress."""
        return self.frame(_QUEUE + " ORDER BY position")

    def queue_position(self, batch_id: int) -> int | None:
        """The batch's place in the queue (1 is next), or None if it is not queued."""
        return self.scalar(f"SELECT position FROM ({_QUEUE}) q WHERE id = %s", [batch_id])

    def has_queue(self) -> bool:
        """Tell whether the publisher has work: a batch queued or "Revoking", not paused."""
        return bool(self.rows(HAS_WORK))

    # --- publishing and retrying one batch ----------------------------------------------------

    def user_counts(self, batch_id: int) -> tuple[int, int]:
        """Count the batch's users, and those still to unlock, from the users themselves."""
        found = self.rows(
            f"SELECT count(*), count(*) FILTER (WHERE status IN {PENDING}) "
            "FROM batch_users WHERE batch_id = %s",
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
            f"""SELECT failure, count(*)::INTEGER FROM ({USER_FAILURES}) f
                WHERE failure IS NOT NULL GROUP BY failure ORDER BY 2 DESC, 1""",
            {"batch": batch_id, "statuses": list(PENDING_STATUSES)},
        )

    def requeue_errors(self, batch_id: int, user_ids: list[int] | None) -> int:
        """Set the batch's users in "Error" (only `user_ids`, unless None) back to "Unpublished"."""
        return self.changed(
            """UPDATE batch_users SET status = 'unpublished', error_reason = NULL,
                   processed_at = NULL
               WHERE batch_id = %(batch)s AND status = 'error'
                 AND (%(ids)s::bigint[] IS NULL OR user_id = ANY(%(ids)s::bigint[]))""",
            {"batch": batch_id, "ids": user_ids},
        )

    def error_reasons(self, batch_id: int) -> list[tuple[str, int]]:
        """Each error reason of the batch's users with how many have it, most first."""
        return self.rows(
            """SELECT coalesce(error_reason, 'No reason recorded.'), count(*)::INTEGER AS n
               FROM batch_users WHERE batch_id = %s AND status = 'error'
               GROUP BY 1 ORDER BY n DESC, 1""",
            [batch_id],
        )

    # --- one chunk ------------------------------------------------------------------------------

    def next_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users of the queue: batch_id, user_id, quest_id, rank, failure.

        Only from batches no other worker holds: the batches the chunk reads are claimed (locked)
        until the chunk's transaction ends. One batch is claimed first, then 2, 4, 8… more while
        the chunk has room: a chunk spans small batches in a few statements, in queue order.
        """
        users = claim_users(self, CLAIM_BATCHES, limit)
        if users.is_empty():
            return pl.DataFrame(schema=_CHUNK_SCHEMA)
        # Claimed in queue order, users in id order: the rank is the row's place.
        return (
            users.with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
            .select(list(_CHUNK_SCHEMA))
            .cast(_CHUNK_SCHEMA)
        )

    def record_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Set the chunk's statuses (Error where `error_reason` is set), insert its unlocks.

        Returns the unlocks inserted (batch_id, quest_id, unlocked_at): a user who holds the
        quest already keeps the old unlock, and one user in two batches of the chunk is credited
        to the earlier batch (lowest `rank`).
        """
        relation, params = self.unnest(
            chunk, ["batch_id", "user_id", "quest_id", "rank", "error_reason"]
        )
        batches = chunk["batch_id"].unique().to_list()
        return self.frame(RECORD_CHUNK.format(relation=relation), [*params, batches])

    def settled_batches(self) -> list[int]:
        """Queued batches with no user left to unlock, locked (none another worker holds)."""
        return [r[0] for r in self.rows(SETTLED)]

    def finished_among(self, batch_ids: list[int]) -> tuple[int, ...]:
        """Those of these batches that are finished, by id."""
        found = self.rows(
            f"SELECT id FROM batches WHERE id = ANY(%(ids)s::bigint[]) AND status IN {FINISHED} "
            "ORDER BY id",
            {"ids": list(batch_ids)},
        )
        return tuple(r[0] for r in found)

    # --- the chart's counts ---------------------------------------------------------------------

    def count_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Add unlocks (batch_id, quest_id, unlocked_at) to the quarter-hour counts."""
        # Summed here first: a chunk's unlocks share one timestamp, so a few rows go over the wire.
        counts = (
            unlocks.filter(pl.col("batch_id").is_not_null())
            .group_by(
                pl.col("batch_id").cast(pl.Int64),
                pl.col("quest_id").cast(pl.Int32),
                (pl.col("unlocked_at").dt.epoch("us") // QUARTER_US).alias("quarter"),
            )
            .agg(pl.len().cast(pl.Int64).alias("unlocks"))
        )
        if counts.is_empty():
            return
        relation, params = self.unnest(counts, ["batch_id", "quest_id", "quarter", "unlocks"])
        self.rows(ADD_COUNTS.format(relation=relation), params)

    def recount_unlocks(self) -> None:
        """Count every unlock again (those revoked since too: the counts are gross), and revokes."""
        self.rows("DELETE FROM unlock_counts")
        self.rows(RECOUNT, {"quarter": QUARTER_US})
        self.recount_revokes()

    # --- waking idle workers --------------------------------------------------------------------

    def announce_queued(self, batch_id: int) -> None:
        """NOTIFY idle workers in every process; PostgreSQL delivers it when this transaction commits."""
        self.rows(NOTIFY_SQL, [CHANNEL, str(batch_id)])

    @contextlib.contextmanager
    def listen(self, wake: threading.Event) -> Iterator[QueueListener]:
        """A waiter on a dedicated LISTEN connection (opened at its first wait) and on `wake`."""
        listener = QueueListener(self._conninfo(), wake)
        try:
            yield listener
        finally:
            listener.close()

    def _conninfo(self) -> str:
        """The database the unit of work's pool connects to (the listener opens its own)."""
        pool: Any = self._uow.pool
        return pool.conninfo
