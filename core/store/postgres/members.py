"""PostgreSQL's members repository: a batch's users: adding, listing, removing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.postgres.base import Repository

if TYPE_CHECKING:
    import polars as pl

# The sort keys of core.batches.members, in SQL; constants only, never user text. Text sorts
# by code point (COLLATE "C"), as DuckDB's do, whatever the database's collation.
# A user's statuses in the order of their lifecycle (the status sort), then revoked ones.
_STATUS_ORDER = "'unpublished', 'in_progress', 'published', 'error', 'revoking', 'revoked'"
ORDER_BY = {
    "user_id": "bu.user_id",
    "username": 'lower(p.username) COLLATE "C"',
    "email": 'lower(p.email) COLLATE "C"',
    "status": f"array_position(ARRAY[{_STATUS_ORDER}], bu.status)",
    "added_at": "bu.added_at",
}
# A revoked member made a new one: unpublished, nothing of its past run or revoke kept.
REVIVED = """status = 'unpublished', error_reason = NULL, processed_at = NULL,
    revoke_reason = NULL, revoked_by = NULL, revoke_requested_at = NULL, revoked_at = NULL,
    kept_by_batch = NULL"""
# strpos: a plain "contains" (no LIKE pattern, so the needle's % and _ are literal).
_SELECT = """
    SELECT bu.user_id, p.username, p.email, bu.status, bu.error_reason, bu.added_via,
           bu.added_by, bu.added_at, bu.processed_at, bu.revoke_reason, bu.revoked_by,
           bu.revoked_at, bu.kept_by_batch
    FROM batch_users bu LEFT JOIN platform_users p ON p.id = bu.user_id
    WHERE bu.batch_id = %(batch)s
      AND (%(status)s::text IS NULL OR bu.status = %(status)s::text)
      AND (%(needle)s::text = '' OR strpos(p.username_norm, %(needle)s::text) > 0
           OR strpos(p.email_norm, %(needle)s::text) > 0)
"""


class PgMembers(Repository):
    """The SQL behind `core.store.ports.members.MembersRepository`."""

    def add(self, batch_id: int, user_ids: list[int], via: str, added_by: str) -> int:
        """Add users as unpublished, skipping any already in the batch; return how many went in."""
        # A member revoked comes back as a new one (a revoke can be followed by re-adding);
        # RETURNING gives the rows inserted and those revived, not the others skipped.
        inserted = self.rows(
            f"""INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by)
               SELECT DISTINCT %(batch)s::bigint, t.user_id, 'unpublished', %(via)s, %(by)s
               FROM unnest(%(ids)s::bigint[]) AS t(user_id)
               ON CONFLICT (batch_id, user_id) DO UPDATE SET {REVIVED},
                   added_via = excluded.added_via, added_by = excluded.added_by,
                   added_at = current_timestamp
               WHERE batch_users.status = 'revoked'
               RETURNING user_id""",
            {"batch": batch_id, "via": via, "by": added_by, "ids": list(user_ids)},
        )
        return len(inserted)

    def count(self, batch_id: int) -> int:
        """Return how many users the batch holds (inside a transaction: as it stands now)."""
        return int(self.scalar("SELECT count(*) FROM batch_users WHERE batch_id = %s", [batch_id]))

    def remove(self, batch_id: int, user_ids: list[int]) -> list[int]:
        """Take these users out of the batch; return the User IDs that were in it."""
        gone = self.rows(
            "DELETE FROM batch_users WHERE batch_id = %(batch)s "
            "AND user_id = ANY(%(ids)s::bigint[]) RETURNING user_id",
            {"batch": batch_id, "ids": list(user_ids)},
        )
        return [r[0] for r in gone]

    def holders(self, batch_id: int, quest_id: int) -> list[tuple[int, str]]:
        """Return (User ID, username) of the batch's users who hold the quest, by User ID."""
        found = self.rows(
            """SELECT bu.user_id, coalesce(u.username, '') FROM batch_users bu
               JOIN unlocks x ON x.user_id = bu.user_id AND x.quest_id = %s
               LEFT JOIN platform_users u ON u.id = bu.user_id
               WHERE bu.batch_id = %s ORDER BY bu.user_id""",
            [quest_id, batch_id],
        )
        return [(int(uid), name) for uid, name in found]

    def count_matching(self, batch_id: int, status: str | None, needle: str) -> int:
        """Return how many of the batch's users have `status` (None: any) and match `needle`."""
        params = {"batch": batch_id, "status": status, "needle": needle}
        return int(self.scalar(f"SELECT count(*) FROM ({_SELECT}) AS m", params))

    def page(
        self,
        batch_id: int,
        status: str | None,
        needle: str,
        sort: str,
        desc: bool,
        limit: int,
        offset: int,
    ) -> pl.DataFrame:
        """Return one page of the batch's users with their platform names, sorted by `sort`."""
        # NULLS LAST both ways, as DuckDB sorts (a user missing from platform_users has no name).
        order = f"{ORDER_BY[sort]} {'DESC' if desc else 'ASC'} NULLS LAST, bu.user_id"
        return self.frame(
            f"{_SELECT} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
            {
                "batch": batch_id,
                "status": status,
                "needle": needle,
                "limit": limit,
                "offset": offset,
            },
        )
