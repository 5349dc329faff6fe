"""DuckDB's revokes (issue 15): the publishing repository's categories, requests and chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.batches.rules import PUBLISHED, REVOKING, USER_REVOKED, USER_REVOKING
from core.publishing.unlock_counts import QUARTER_US
from core.store.duckdb.base import Repository
from core.store.duckdb.publishing_sql import ADD_HELD
from core.store.duckdb.revoking_sql import (
    GIVEN,
    MEMBERS,
    NEXT_REVOKE_CHUNK,
    REVOKE_CATEGORIES,
    REVOKE_DECISIONS,
)

if TYPE_CHECKING:
    import polars as pl

_HAS_REVOKE_WORK = f"""
    SELECT 1 FROM batches
    WHERE status = '{REVOKING}' AND paused_at IS NULL AND n_revoking > 0 LIMIT 1
"""

# A chunk's handed-over unlocks (`{decided}`: action 'hand') per batch, quest and quarter hour
# of their unlock: taken off the batch's unlock counts (a row may stay at 0), added to the
# keeper's (unlock_counts count every unlock made, under the batch that holds or revoked it).
_HANDED = """SELECT {batch} AS batch_id, quest_id, epoch_us(unlocked_at) // $quarter AS quarter,
           count(*) AS n
    FROM {{decided}} WHERE action = 'hand' GROUP BY ALL"""
_HANDED_FROM = f"""
    UPDATE unlock_counts c SET unlocks = c.unlocks - h.n
    FROM ({_HANDED.format(batch="batch_id")}) h
    WHERE c.batch_id = h.batch_id AND c.quest_id = h.quest_id AND c.quarter = h.quarter
"""
_HANDED_TO = f"""
    INSERT INTO unlock_counts {_HANDED.format(batch="keeper")}
    ON CONFLICT DO UPDATE SET unlocks = unlocks + excluded.unlocks
"""

_COUNT_REVOKES = """
    INSERT INTO revoke_counts
    SELECT batch_id, quest_id, epoch_us(revoked_at) // $quarter AS quarter, count(*)
    FROM {relation} WHERE batch_id IS NOT NULL
    GROUP BY batch_id, quest_id, quarter
    ON CONFLICT DO UPDATE SET revokes = revokes + excluded.revokes
"""


class DuckRevoking(Repository):
    """The revoke part of `core.store.ports.publishing.PublishingRepository` on DuckDB.

    One process serves a DuckDB file and its chunks run one at a time (the publisher's process
    lock): a revoke chunk decides, deletes and marks in a few set-based statements of its
    transaction, with nobody writing in between.
    """

    def revoke_categories(self, batch_id: int, user_ids: list[int] | None) -> pl.DataFrame:
        """Each target user's revoke category: user_id, category, status, other_batch."""
        targets = MEMBERS if user_ids is None else GIVEN
        return self.frame(
            REVOKE_CATEGORIES.format(targets=targets),
            {"batch": batch_id} | ({} if user_ids is None else {"ids": list(user_ids)}),
        )

    def request_revoke(self, batch_id: int, user_ids: list[int], reason: str, by: str) -> int:
        """Set those of these members that are "published" to "revoking"; return how many."""
        # The revoke's progress counts from the users revoked by now (see rules.progress).
        self.rows(
            "UPDATE batches SET revoked_before = n_revoked WHERE id = $batch", {"batch": batch_id}
        )
        return self.scalar(
            f"""UPDATE batch_users SET status = '{USER_REVOKING}', revoke_reason = $reason,
                    revoked_by = $by, revoke_requested_at = current_timestamp
                WHERE batch_id = $batch AND status = '{PUBLISHED}'
                  AND user_id IN (SELECT unnest($ids::BIGINT[]))""",
            {"batch": batch_id, "ids": list(user_ids), "reason": reason, "by": by},
        )

    def has_revoke_work(self) -> bool:
        """Tell whether any batch that is not paused is "Revoking"."""
        return bool(self.rows(_HAS_REVOKE_WORK))

    def next_revoke_chunk(self, limit: int) -> pl.DataFrame:
        """The next `limit` users to revoke: batch_id, user_id, quest_id, in queue order."""
        return self.frame(NEXT_REVOKE_CHUNK, {"limit": limit})

    def record_revoke_chunk(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Revoke the chunk's users; return the unlocks deleted: batch_id, quest_id, revoked_at.

        One statement per step over the whole chunk: decide each user again now, keep a record
        of the unlocks to delete, delete them (and take them off their users' quests_held), hand
        the kept ones over, mark the users revoked.
        """
        with self.registered(chunk.select("batch_id", "user_id", "quest_id"), "revoke") as name:
            decided = self.frame(REVOKE_DECISIONS.format(chunk=name))
        with self.registered(decided, "decided") as name:
            self.rows(
                f"""INSERT INTO revocations (user_id, quest_id, batch_id, unlocked_at,
                                             revoked_at, revoked_by, reason)
                    SELECT user_id, quest_id, batch_id, unlocked_at, current_timestamp,
                           revoked_by, revoke_reason
                    FROM {name} WHERE action = 'delete'"""
            )
            gone = self.frame(
                f"""DELETE FROM unlocks x USING {name} d
                    WHERE d.action = 'delete' AND x.user_id = d.user_id
                      AND x.quest_id = d.quest_id AND x.batch_id = d.batch_id
                    RETURNING x.user_id, x.batch_id, x.quest_id, current_timestamp AS revoked_at"""
            )
            # A handed-over unlock stays held (by another batch): only deletions count.
            self.add_held(gone, -1)
            if (decided["action"] == "hand").any():
                self.rows(
                    f"""UPDATE unlocks x SET batch_id = d.keeper FROM {name} d
                        WHERE d.action = 'hand' AND x.user_id = d.user_id
                          AND x.quest_id = d.quest_id AND x.batch_id = d.batch_id"""
                )
                # The chart's counts follow the unlock to its keeper, at its own quarter hour.
                params = {"quarter": QUARTER_US}
                self.rows(_HANDED_FROM.format(decided=name), params)
                self.rows(_HANDED_TO.format(decided=name), params)
            self.rows(
                f"""UPDATE batch_users u SET status = '{USER_REVOKED}',
                        revoked_at = current_timestamp, kept_by_batch = d.keeper
                    FROM {name} d
                    WHERE u.batch_id = d.batch_id AND u.user_id = d.user_id
                      AND u.status = '{USER_REVOKING}'"""
            )
        return gone.drop("user_id")

    def add_held(self, unlocks: pl.DataFrame, sign: int) -> None:
        """Add (sign 1) or take off (-1) unlocks (a `user_id` column) from their users' quests_held."""
        if unlocks.is_empty():
            return
        with self.registered(unlocks.select("user_id"), "held") as name:
            self.rows(ADD_HELD.format(relation=name), {"sign": sign})

    def recount_revokes(self) -> None:
        """Count every revoke again, from the revocations (part of `recount_unlocks`)."""
        self.rows("DELETE FROM revoke_counts")
        self.rows(_COUNT_REVOKES.format(relation="revocations"), {"quarter": QUARTER_US})

    def count_revokes(self, revokes: pl.DataFrame) -> None:
        """Add revokes (batch_id, quest_id, revoked_at) to the quarter-hour revoke counts."""
        if revokes.is_empty():
            return
        with self.registered(revokes, "revokes") as name:
            self.rows(_COUNT_REVOKES.format(relation=name), {"quarter": QUARTER_US})
