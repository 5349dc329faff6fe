"""DuckDB's batches repository: the read model, drafts' lifecycle, versions and counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.batches.visibility import DraftScope
from core.store.duckdb.base import Repository
from core.store.duckdb.batches_scope import visible_sql
from core.store.duckdb.batches_sql import REFRESH_SQL

if TYPE_CHECKING:
    import polars as pl

_NAMES = "LEFT JOIN quests q ON q.id = b.quest_id LEFT JOIN badges g ON g.id = q.badge_id"
_READ = f"""
    SELECT b.id, b.name, b.quest_id, g.name AS badge, q.name AS quest,
           coalesce(q.archived OR g.archived, FALSE) AS quest_archived, b.status, b.created_by,
           b.created_at, b.updated_at, b.queued_at, b.n_users, b.n_unpublished,
           b.n_in_progress, b.n_published, b.n_error, b.version, b.paused_at, b.paused_by,
           b.n_revoking, b.n_revoked, b.revoked_before
    FROM batches b {_NAMES} WHERE b.id = ?
"""


class DuckBatches(Repository):
    """The SQL behind `core.store.ports.batches.BatchesRepository`."""

    def read(self, batch_id: int) -> dict[str, Any] | None:
        """Return one batch with its badge quest's names and its counters (None if no such id)."""
        found = self.rows(_READ, [batch_id])
        columns = [d[0] for d in self.cur.description]
        return dict(zip(columns, found[0], strict=True)) if found else None

    def quest_id(self, batch_id: int) -> int | None:
        """Return the badge quest a batch unlocks (None if no such id): a light read for hot paths."""
        return self.scalar("SELECT quest_id FROM batches WHERE id = ?", [batch_id])

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
            "INSERT INTO batches (name, quest_id, created_by) VALUES (?, ?, ?) RETURNING id",
            [name, quest_id, created_by],
        )

    def rename(self, batch_id: int, name: str) -> None:
        """Store a batch's (cleaned) name."""
        self.rows("UPDATE batches SET name = ? WHERE id = ?", [name, batch_id])

    def set_quest(self, batch_id: int, quest_id: int) -> None:
        """Point a batch at another badge quest."""
        self.rows("UPDATE batches SET quest_id = ? WHERE id = ?", [quest_id, batch_id])

    def delete(self, batch_id: int) -> None:
        """Delete a batch and its users."""
        self.rows("DELETE FROM batch_users WHERE batch_id = ?", [batch_id])
        self.rows("DELETE FROM batches WHERE id = ?", [batch_id])

    def bump_version(self, batch_id: int) -> None:
        """Mark the batch as changed: one more version, and "Last updated" now."""
        self.rows(
            "UPDATE batches SET version = version + 1, updated_at = current_timestamp WHERE id = ?",
            [batch_id],
        )

    def requeue(self, batch_id: int) -> None:
        """Put a finished batch back in the publisher's queue (unpublished, queued now)."""
        self.rows(
            "UPDATE batches SET status = 'unpublished', queued_at = current_timestamp WHERE id = ?",
            [batch_id],
        )

    def set_paused(self, batch_id: int, by: str | None) -> None:
        """Pause the batch (`by` the account pausing it), or resume it with `by` None."""
        self.rows(
            "UPDATE batches SET paused_at = CASE WHEN ?::VARCHAR IS NULL THEN NULL "
            "ELSE current_timestamp END, paused_by = ?::VARCHAR WHERE id = ?",
            [by, by, batch_id],
        )

    def cancel_to_draft(self, batch_id: int) -> None:
        """Take a queued batch out of the queue: a draft again, no longer queued."""
        self.rows("UPDATE batches SET status = 'draft', queued_at = NULL WHERE id = ?", [batch_id])

    def refresh_counts(self, batch_ids: list[int]) -> None:
        """Recount these batches' users by status and set each non-draft batch's derived status."""
        if batch_ids:
            self.rows(REFRESH_SQL, {"ids": list(batch_ids)})
