"""DuckDB's demo loader: the generated frames inserted set-based, each read as a registered table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.base import Repository
from core.store.duckdb.publishing_sql import ADD_HELD

if TYPE_CHECKING:
    import polars as pl


# The columns a demo's users frame has; the two dates are optional (NULL when absent).
_USER_COLUMNS = (
    "id", "username", "email", "username_norm", "email_norm", "active", "registered_at",
    "last_active_at",
)  # fmt: skip


class DuckDemo(Repository):
    """The SQL behind `core.store.ports.demo.DemoRepository`."""

    def platform_users(self) -> tuple[int, int]:
        """How many platform users there are, and their highest id (0 when none)."""
        count, top = self.rows("SELECT count(*), coalesce(max(id), 0) FROM platform_users")[0]
        return count, top

    def load_catalog(self, quests: pl.DataFrame) -> None:
        """Add badges (badge, quest, archived, in order) whose name is new, with their quests."""
        with self.registered(quests.with_row_index("pos"), "demo_quests") as f:
            new = [
                name
                for (name,) in self.rows(
                    f"INSERT INTO badges (name) SELECT badge FROM {f} "
                    "WHERE badge NOT IN (SELECT name FROM badges) "
                    "GROUP BY badge ORDER BY min(pos) RETURNING name"
                )
            ]
            self.rows(
                f"INSERT INTO quests (badge_id, name, archived) "
                f"SELECT b.id, f.quest, f.archived FROM {f} f JOIN badges b ON b.name = f.badge "
                "WHERE list_contains(?, f.badge) ORDER BY f.pos",
                [new],
            )

    def open_quests(self) -> list[int]:
        """The ids of the quests not archived, in id order."""
        return [r[0] for r in self.rows("SELECT id FROM quests WHERE NOT archived ORDER BY id")]

    def load_users(self, users: pl.DataFrame) -> None:
        """Insert platform users (id, username, email, username_norm, email_norm, active, and
        registered_at, last_active_at when the frame has them)."""
        columns = ", ".join(c for c in _USER_COLUMNS if c in users.columns)
        with self.registered(users, "demo_users") as f:
            self.rows(f"INSERT INTO platform_users ({columns}) SELECT {columns} FROM {f}")

    def load_batches(self, batches: pl.DataFrame) -> pl.DataFrame:
        """Insert batches (k, name, quest_id, status, created_by, created_at, queued_at) in k order;
        return (k, id)."""
        with self.registered(batches, "demo_batches") as f:
            made = self.rows(
                "INSERT INTO batches (name, quest_id, status, created_by, created_at, updated_at, "
                "queued_at) SELECT name, quest_id, status, created_by, created_at, created_at, "
                f"queued_at FROM {f} ORDER BY k RETURNING id, name"
            )
        import polars as pl  # here, not at the top: only `init --demo` loads demo data

        ids = pl.DataFrame(made, schema={"id": pl.Int64, "name": pl.String}, orient="row")
        # Demo names are unique, and RETURNING names only the rows just inserted.
        return batches.select("k", "name").join(ids, on="name").select("k", "id").sort("k")

    def load_members(self, members: pl.DataFrame) -> None:
        """Insert batch users (batch_id, user_id, status, error_reason, added_via, added_by,
        added_at, processed_at)."""
        with self.registered(members, "demo_members") as f:
            self.rows(
                "INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, "
                "added_by, added_at, processed_at) SELECT batch_id, user_id, status, error_reason, "
                f"added_via, added_by, added_at, processed_at FROM {f}"
            )

    def load_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Insert unlocks (user_id, quest_id, batch_id, unlocked_at), counted in quests_held."""
        with self.registered(unlocks, "demo_unlocks") as f:
            self.rows(
                "INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at) "
                f"SELECT user_id, quest_id, batch_id, unlocked_at FROM {f}"
            )
            self.rows(ADD_HELD.format(relation=f), {"sign": 1})

    def set_updated(self, stamps: pl.DataFrame) -> None:
        """Set batches' updated_at (id, updated_at): a history keeps its own dates."""
        with self.registered(stamps, "demo_stamps") as f:
            self.rows(
                f"UPDATE batches SET updated_at = f.updated_at FROM {f} f WHERE batches.id = f.id"
            )

    def load_audit(self, entries: pl.DataFrame) -> None:
        """Append audit entries with their own times (happened_at, actor, action, batch_id, detail)."""
        with self.registered(entries.with_row_index("pos"), "demo_audit") as f:
            self.rows(
                "INSERT INTO audit_log (happened_at, actor, action, batch_id, detail) "
                f"SELECT happened_at, actor, action, batch_id, detail FROM {f} ORDER BY pos"
            )

    def checkpoint(self) -> None:
        """Write everything into the data file itself (nothing left in a log beside it)."""
        self.rows("CHECKPOINT")
