"""PostgreSQL's demo loader: the generated frames inserted set-based, the big ones with COPY.

Users, batch users, unlocks and audit entries (millions of rows at 10M users) go in with COPY
(psycopg's `cursor.copy()`), the fastest bulk load PostgreSQL has, straight into the tables
inside the caller's one transaction. (PgBouncer's transaction mode only weighs on unnest
against COPY where a statement runs outside a transaction, as matching's may.) The few rows
whose new ids come back (batches), the catalog and the updates go through `unnest`.
"""

from __future__ import annotations

import polars as pl

from core.store.postgres.base import Repository
from core.store.postgres.publishing_sql import held_ctes
from core.store.postgres.users import copy_frame

_MEMBER_COLUMNS = [
    "batch_id", "user_id", "status", "error_reason", "added_via", "added_by", "added_at",
    "processed_at",
]  # fmt: skip


# The columns a demo's users frame has; the two dates are optional (NULL when absent).
_USER_COLUMNS = (
    "id", "username", "email", "username_norm", "email_norm", "active", "registered_at",
    "last_active_at",
)  # fmt: skip


class PgDemo(Repository):
    """The SQL behind `core.store.ports.demo.DemoRepository`."""

    def _copy(self, table: str, frame: pl.DataFrame) -> None:
        """Append a frame's rows to a table with COPY."""
        copy_frame(self._uow, table, frame)

    def platform_users(self) -> tuple[int, int]:
        """How many platform users there are, and their highest id (0 when none)."""
        count, top = self.rows("SELECT count(*), coalesce(max(id), 0) FROM platform_users")[0]
        return count, top

    def load_catalog(self, quests: pl.DataFrame) -> None:
        """Add badges (badge, quest, archived, in order) whose name is new, with their quests."""
        relation, params = self.unnest(
            quests.with_row_index("pos").with_columns(pl.col("pos").cast(pl.Int64)),
            ["pos", "badge", "quest", "archived"],
        )
        new = [
            name
            for (name,) in self.rows(
                f"INSERT INTO badges (name) SELECT t.badge FROM {relation} "
                "WHERE t.badge NOT IN (SELECT name FROM badges) "
                "GROUP BY t.badge ORDER BY min(t.pos) RETURNING name",
                params,
            )
        ]
        self.rows(
            "INSERT INTO quests (badge_id, name, archived) "
            f"SELECT b.id, t.quest, t.archived FROM {relation} JOIN badges b ON b.name = t.badge "
            "WHERE t.badge = ANY(%s::text[]) ORDER BY t.pos",
            [*params, new],
        )

    def open_quests(self) -> list[int]:
        """The ids of the quests not archived, in id order."""
        return [r[0] for r in self.rows("SELECT id FROM quests WHERE NOT archived ORDER BY id")]

    def load_users(self, users: pl.DataFrame) -> None:
        """Insert platform users (id, username, email, username_norm, email_norm, active, and
        registered_at, last_active_at when the frame has them)."""
        self._copy("platform_users", users.select([c for c in _USER_COLUMNS if c in users.columns]))

    def load_batches(self, batches: pl.DataFrame) -> pl.DataFrame:
        """Insert batches (k, name, quest_id, status, created_by, created_at, queued_at) in k order;
        return (k, id)."""
        relation, params = self.unnest(
            batches, ["k", "name", "quest_id", "status", "created_by", "created_at", "queued_at"]
        )
        made = self.rows(
            "INSERT INTO batches (name, quest_id, status, created_by, created_at, updated_at, "
            "queued_at) SELECT t.name, t.quest_id, t.status, t.created_by, t.created_at, "
            f"t.created_at, t.queued_at FROM {relation} ORDER BY t.k RETURNING id, name",
            params,
        )
        ids = pl.DataFrame(made, schema={"id": pl.Int64, "name": pl.String}, orient="row")
        # Demo names are unique, and RETURNING names only the rows just inserted.
        return batches.select("k", "name").join(ids, on="name").select("k", "id").sort("k")

    def load_members(self, members: pl.DataFrame) -> None:
        """Insert batch users (batch_id, user_id, status, error_reason, added_via, added_by,
        added_at, processed_at)."""
        self._copy("batch_users", members.select(_MEMBER_COLUMNS))

    def load_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Insert unlocks (user_id, quest_id, batch_id, unlocked_at), counted in quests held."""
        self._copy("unlocks", unlocks.select("user_id", "quest_id", "batch_id", "unlocked_at"))
        if unlocks.is_empty():
            return
        relation, params = self.unnest(
            unlocks.select(pl.col("user_id").cast(pl.Int64), pl.col("quest_id").cast(pl.Int32))
        )
        held = held_ctes("loaded", adding=True)
        self.rows(f"WITH loaded AS (SELECT * FROM {relation}), {held} SELECT 1", params)

    def set_updated(self, stamps: pl.DataFrame) -> None:
        """Set batches' updated_at (id, updated_at): a history keeps its own dates."""
        relation, params = self.unnest(stamps, ["id", "updated_at"])
        self.rows(
            f"UPDATE batches SET updated_at = t.updated_at FROM {relation} WHERE batches.id = t.id",
            params,
        )

    def load_audit(self, entries: pl.DataFrame) -> None:
        """Append audit entries with their own times (happened_at, actor, action, batch_id, detail)."""
        # COPY inserts in the frame's order, so the ids (the log's order) follow it.
        self._copy(
            "audit_log", entries.select("happened_at", "actor", "action", "batch_id", "detail")
        )

    def checkpoint(self) -> None:
        """Nothing to do: a committed transaction is durable in PostgreSQL's own WAL.

        DuckDB folds its WAL file into the data file so the demo file can be renamed whole;
        a PostgreSQL database is no file of ours, and its server checkpoints on its own.
        """
