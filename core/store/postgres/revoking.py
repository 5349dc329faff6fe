"""PostgreSQL's revokes (issue 15): the publishing repository's categories, requests and chunks.

Several workers may revoke and publish at once: a revoke chunk claims its batches as a publish
chunk does, and its one statement locks the users' rows in the quest's other batches FOR SHARE
before it decides (core/store/postgres/revoking_sql.py RECORD_REVOKES says why that is enough).
"""

from __future__ import annotations

import polars as pl

from core.batches.rules import PUBLISHED, USER_REVOKING
from core.publishing.unlock_counts import QUARTER_US
from core.store.postgres.base import Repository
from core.store.postgres.claiming import claim_users
from core.store.postgres.revoking_sql import (
    ADD_REVOKE_COUNTS,
    CLAIM_REVOKES,
    GIVEN,
    MEMBERS,
    RECORD_REVOKES,
    RECOUNT_REVOKES,
    REVOKE_CATEGORIES,
    REVOKE_WORK,
)

# A revoke chunk's columns (as DuckDB's NEXT_REVOKE_CHUNK gives them).
_REVOKE_SCHEMA = {"batch_id": pl.Int64, "user_id": pl.Int64, "quest_id": pl.Int32}
# The unlocks a revoke chunk deleted.
_REVOKED_SCHEMA = {
    "batch_id": pl.Int64,
    "quest_id": pl.Int32,
    "revoked_at": pl.Datetime("us", "UTC"),
}
# The revoke categories' columns.
_CATEGORY_SCHEMA = {
    "user_id": pl.Int64,
    "category": pl.String,
    "status": pl.String,
    "other_batch": pl.Int64,
}


class PgRevoking(Repository):
    """The revoke part of `core.store.ports.publishing.PublishingRepository` on PostgreSQL."""

    def revoke_categories(self, batch_id: int, user_ids: list[int] | None) -> pl.DataFrame:
        """Each target user's revoke category: user_id, category, status, other_batch."""
        targets = MEMBERS if user_ids is None else GIVEN
        found = self.frame(
            REVOKE_CATEGORIES.format(targets=targets),
            {"batch": batch_id, "ids": None if user_ids is None else list(user_ids)},
        )
        if found.is_empty():
            return pl.DataFrame(schema=_CATEGORY_SCHEMA)
        return found.cast(_CATEGORY_SCHEMA)

    def request_revoke(self, batch_id: int, user_ids: list[int], reason: str, by: str) -> int:
        """Set those of these members that are "published" to "revoking"; return how many."""
        # The revoke's progress counts from the users revoked by now (see rules.progress).
        self.rows(
            "UPDATE batches SET revoked_before = n_revoked WHERE id = %(batch)s",
            {"batch": batch_id},
        )
        return self.changed(
            f"""UPDATE batch_users SET status = '{USER_REVOKING}', revoke_reason = %(reason)s,
                    revoked_by = %(by)s, revoke_requested_at = current_timestamp
                WHERE batch_id = %(batch)s AND status = '{PUBLISHED}'
                  AND user_id = ANY(%(ids)s::bigint[])""",
            {"batch": batch_id, "ids": list(user_ids), "reason": reason, "by": by},
        )

    def has_revoke_work(self) -> bool:
        """Tell whether any batch that is not paused is "Revoking" (with users left)."""
        return bool(self.rows(REVOKE_WORK))

    def next_revoke_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users to revoke: batch_id, user_id, quest_id, in queue order.

        Only from batches no other worker holds: they are claimed (locked) as `next_chunk`
        claims queued batches, until the chunk's transaction ends.
        """
        users = claim_users(self, CLAIM_REVOKES, limit)
        if users.is_empty():
            return pl.DataFrame(schema=_REVOKE_SCHEMA)
        return users.select(list(_REVOKE_SCHEMA)).cast(_REVOKE_SCHEMA)

    def record_revoke_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Revoke the chunk's users; return the unlocks deleted: batch_id, quest_id, revoked_at.

        One statement (publishing_sql.RECORD_REVOKES): the users' rows in the quest's other
        batches locked FOR SHARE first, then decided, deleted or handed over, and marked.
        """
        if chunk.is_empty():
            return pl.DataFrame(schema=_REVOKED_SCHEMA)
        relation, params = self.unnest(
            chunk.cast({"batch_id": pl.Int64, "user_id": pl.Int64, "quest_id": pl.Int32}),
            ["batch_id", "user_id", "quest_id"],
        )
        found = self.frame(RECORD_REVOKES.format(relation=relation), params)
        if found.is_empty():
            return pl.DataFrame(schema=_REVOKED_SCHEMA)
        return found.cast(_REVOKED_SCHEMA)

    def recount_revokes(self) -> None:
        """Count every revoke again, from the revocations (part of `recount_unlocks`)."""
        self.rows("DELETE FROM revoke_counts")
        self.rows(RECOUNT_REVOKES, {"quarter": QUARTER_US})

    def count_revokes(self, revokes: pl.DataFrame) -> None:
        """Add revokes (batch_id, quest_id, revoked_at) to the quarter-hour revoke counts."""
        # Summed here first: a chunk's revokes share one timestamp, so a few rows go over the wire.
        counts = (
            revokes.filter(pl.col("batch_id").is_not_null())
            .group_by(
                pl.col("batch_id").cast(pl.Int64),
                pl.col("quest_id").cast(pl.Int32),
                (pl.col("revoked_at").dt.epoch("us") // QUARTER_US).alias("quarter"),
            )
            .agg(pl.len().cast(pl.Int64).alias("revokes"))
        )
        if counts.is_empty():
            return
        relation, params = self.unnest(counts, ["batch_id", "quest_id", "quarter", "revokes"])
        self.rows(ADD_REVOKE_COUNTS.format(relation=relation), params)
