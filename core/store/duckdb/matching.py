"""DuckDB's matching repository: an upload's rows joined once against the platform users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.user_index import UserIndex, check_sql
from core.store.sql_rules import UNLOCK_BATCH_ROW, UNLOCK_HELD

if TYPE_CHECKING:
    import polars as pl

# Every (row, user) pair where a filled field of the row matches the user, with what the
# statuses need to know about that user. The per-row judgement is done in polars afterwards
# (core.batches.judging, a few thousand rows), which costs less than windows and groupings here.
_MATCH_SQL = f"""
WITH u AS (SELECT * FROM {{upload}}),
-- Joined on one hash, confirmed by a second independent one: two 64-bit hashes colliding at once
-- does not happen. Materialised, so the optimiser cannot fold the check into the join, which
-- would drop the bloom filter that keeps the scan of user_lookup cheap.
keyed AS MATERIALIZED (
    SELECT u.row, l.id AS user_id, 2 AS field, l.username_check = {{check_username}} AS same
    FROM u JOIN user_lookup l ON l.username_key = hash(u.username_norm)
    WHERE u.username_norm IS NOT NULL
    UNION ALL
    SELECT u.row, l.id, 4, l.email_check = {{check_email}}
    FROM u JOIN user_lookup l ON l.email_key = hash(u.email_norm)
    WHERE u.email_norm IS NOT NULL
),
hits AS (
    SELECT row, id_num AS user_id, 1 AS field FROM u WHERE id_num IS NOT NULL
    UNION ALL
    SELECT row, user_id, field FROM keyed WHERE same
)
SELECT h.row, h.user_id, h.field, p.active,
       bu.user_id IS NOT NULL AS in_batch, {UNLOCK_HELD} AS unlocked
FROM hits h
JOIN platform_users p ON p.id = h.user_id
-- A member revoked is not in the batch any more: adding it again revives it.
LEFT JOIN batch_users bu ON bu.batch_id = $batch AND bu.user_id = h.user_id
    AND bu.status <> 'revoked'
LEFT JOIN unlocks x ON x.quest_id = $quest AND x.user_id = h.user_id
-- An unlock a pending revoke is about to delete is not held: the add goes through (its revoke
-- hands the unlock to this batch if it publishes first, else this batch unlocks it itself).
{UNLOCK_BATCH_ROW}
"""


class DuckMatching(UserIndex):
    """The SQL behind `core.store.ports.matching.MatchingRepository` (the index: UserIndex)."""

    def match(self, keys: pl.DataFrame, quest_id: int, batch_id: int | None) -> pl.DataFrame:
        """Return every (row, user_id, field, active, in_batch, unlocked) hit of the keys' rows."""
        with self.registered(keys, "upload") as name:
            return self.frame(
                _MATCH_SQL.format(
                    upload=name,
                    check_username=check_sql("u.username_norm"),
                    check_email=check_sql("u.email_norm"),
                ),
                {"batch": batch_id, "quest": quest_id},
            )

    def usernames(self, user_ids: pl.Series) -> pl.DataFrame:
        """Return (user_id, username) of the given users."""
        with self.registered(user_ids.unique().to_frame("user_id"), "users") as name:
            return self.frame(
                f"SELECT p.id AS user_id, p.username FROM platform_users p SEMI JOIN {name} m "
                "ON m.user_id = p.id"
            )
