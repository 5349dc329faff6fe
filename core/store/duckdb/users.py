"""DuckDB's users repository: platform users, the people badges are unlocked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.base import Repository

if TYPE_CHECKING:
    import polars as pl

_COLUMNS = "id, username, email, username_norm, email_norm, active"


class DuckUsers(Repository):
    """The SQL behind `core.store.ports.users.UsersRepository`."""

    def get(self, user_id: int) -> tuple[int, str, str] | None:
        """Return a platform user's (User ID, username, email), or None."""
        found = self.rows("SELECT id, username, email FROM platform_users WHERE id = ?", [user_id])
        return found[0] if found else None

    def with_email(self, email_norm: str, limit: int) -> list[tuple[int, str]]:
        """Return up to `limit` (User ID, username) with this normalised email, by User ID."""
        return self.rows(
            "SELECT id, username FROM platform_users WHERE email_norm = ? ORDER BY id LIMIT ?",
            [email_norm, limit],
        )

    def clashes(self, incoming: pl.DataFrame) -> pl.DataFrame:
        """Rows of `incoming` whose username or email another user has: (row, username_taken)."""
        with self.registered(incoming.select("row", "id", "username_norm", "email_norm")) as name:
            return self.frame(
                f"""SELECT i.row,
                           EXISTS (SELECT 1 FROM platform_users p
                                   WHERE p.username_norm = i.username_norm AND p.id <> i.id)
                               AS username_taken
                    FROM {name} i
                    WHERE EXISTS (SELECT 1 FROM platform_users p
                                  WHERE (p.username_norm = i.username_norm
                                         OR p.email_norm = i.email_norm)
                                    AND p.id <> i.id)
                    ORDER BY i.row"""
            )

    def upsert(self, users: pl.DataFrame) -> int:
        """Insert or update users by id; return how many of them existed already."""
        with self.registered(users.select(_COLUMNS.split(", ")), "users") as name:
            existing = self.scalar(
                f"SELECT count(*) FROM {name} u JOIN platform_users p USING (id)"
            )
            self.rows(
                f"""INSERT INTO platform_users ({_COLUMNS}) SELECT {_COLUMNS} FROM {name}
                    ON CONFLICT (id) DO UPDATE SET username = excluded.username,
                        email = excluded.email, username_norm = excluded.username_norm,
                        email_norm = excluded.email_norm, active = excluded.active"""
            )
        return existing
