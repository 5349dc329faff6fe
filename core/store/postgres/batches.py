"""PostgreSQL's batches repository: the read model, drafts' lifecycle, versions and counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.batches.visibility import DraftScope
from core.store.postgres.base import Repository
from core.store.postgres.batches_sql import REFRESH_SQL, visible_sql

if TYPE_CHECKING:
    import polars as pl

_NAMES = "LEFT JOIN quests q ON q.id = b.quest_id LEFT JOIN badges g ON g.id = q.badge_id"
# The read model's keys, in the SELECT's order (rows come back as tuples).
_READ_COLUMNS = (
    "id", "name", "quest_id", "badge", "quest", "quest_archived", "status", "created_by",
    "created_at", "updated_at", "queued_at", "n_users", "n_unpublished", "n_in_progress",
    "n_published", "n_error", "version", "paused_at", "paused_by", "n_revoking", "n_revoked",
    "revoked_before",
)  # fmt: skip
_READ = f"""
    SELECT b.id, b.name, b.quest_id, g.name AS badge, q.name AS quest,
           coalesce(q.archived OR g.archived, FALSE) AS quest_archived, b.status, b.created_by,
           b.created_at, b.updated_at, b.queued_at, b.n_users, b.n_unpublished,
           b.n_in_progress, b.n_published, b.n_error, b.version, b.paused_at, b.paused_by,
           b.n_revoking, b.n_revoked, b.revoked_before
    FROM batches b {_NAMES} WHERE b.id = %s
"""


class PgBatches(Repository):
    """The SQL behind `core.store.ports.batches.BatchesRepository`."""

    def read(self, batch_id: int) -> dict[str, Any] | None:
        """Return one batch with its badge quest's names and its counters (None if no such id)."""
        found = self.rows(_READ, [batch_id])
        return dict(zip(_READ_COLUMNS, found[0], strict=True)) if found else None

    def quest_id(self, batch_id: int) -> int | None:
        """Return the badge quest a batch unlocks (None if no such id): a light read for hot paths."""
        return self.scalar("SELECT quest_id FROM batches WHERE id = %s", [batch_id])

    def drafts(self, scope: DraftScope) -> pl.DataFrame:
        """Return the drafts in `scope`, newest change first (id, name, quest, counts, dates)."""
        visible, params = visible_sql(scope)
        return self.frame(
            f"""SELECT b.id, b.name, b.quest_id, g.name AS badge, q.name AS quest, b.created_by,
                       b.created_at, b.updated_at, b.n_users
                FROM batches b {_NAMES}
                WHERE b.status = 'draft' AND {visible}
                ORDER BY b.updated_at DESC, b.id DESC""",
            params,
        )

    def insert_draft(self, name: str, quest_id: int, created_by: str) -> int:
        """Insert a new draft; return its id."""
        return self.scalar(
            "INSERT INTO batches (name, quest_id, created_by) VALUES (%s, %s, %s) RETURNING id",
            [name, quest_id, created_by],
        )

    def rename(self, batch_id: int, name: str) -> None:
        """Store a batch's (cleaned) name."""
        self.changed("UPDATE batches SET name = %s WHERE id = %s", [name, batch_id])

    def set_quest(self, batch_id: int, quest_id: int) -> None:
        """Point a batch at another badge quest."""
        self.changed("UPDATE batches SET quest_id = %s WHERE id = %s", [quest_id, batch_id])

    def delete(self, batch_id: int) -> None:
        """Delete a batch and its users."""
        # One statement: the users and their batch go together even outside a transaction.
        self.changed(
            """WITH gone AS (DELETE FROM batch_users WHERE batch_id = %(id)s)
               DELETE FROM batches WHERE id = %(id)s""",
            {"id": batch_id},
        )

    def bump_version(self, batch_id: int) -> None:
        """Mark the batch as changed: one more version, and "Last updated" now."""
        self.changed(
            "UPDATE batches SET version = version + 1, updated_at = current_timestamp "
            "WHERE id = %s",
            [batch_id],
        )

    def requeue(self, batch_id: int) -> None:
        """Put a finished batch back in the publisher's queue (unpublished, queued now)."""
        self.changed(
            "UPDATE batches SET status = 'unpublished', queued_at = current_timestamp "
            "WHERE id = %s",
            [batch_id],
        )

    def set_paused(self, batch_id: int, by: str | None) -> None:
        """Pause the batch (`by` the account pausing it), or resume it with `by` None."""
        self.changed(
            "UPDATE batches SET paused_at = CASE WHEN %s::VARCHAR IS NULL THEN NULL "
            "ELSE current_timestamp END, paused_by = %s::VARCHAR WHERE id = %s",
            [by, by, batch_id],
        )

    def cancel_to_draft(self, batch_id: int) -> None:
        """Take a queued batch out of the queue: a draft again, no longer queued."""
        self.changed(
            "UPDATE batches SET status = 'draft', queued_at = NULL WHERE id = %s", [batch_id]
        )

    def refresh_counts(self, batch_ids: list[int]) -> None:
        """Recount these batches' users by status and set each non-draft batch's derived status."""
        if batch_ids:
            self.changed(REFRESH_SQL, {"ids": sorted(set(batch_ids))})
