"""PostgreSQL's users repository: platform users, the people badges are unlocked for.

An import can bring a million users: they go in with COPY (psycopg's `cursor.copy()`) into a
temporary table dropped at commit, then one statement compares or upserts them all. Passing
them as `unnest` arrays took 12 s per million users here (5 s as binary); COPY of the same rows
takes about one. The temporary table lives inside the caller's transaction only, so this works
behind PgBouncer in transaction mode too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl
import psycopg

from core.store.postgres.base import Repository
from core.store.postgres.errors import raise_unavailable

if TYPE_CHECKING:
    from core.store.postgres.unit_of_work import PgUnitOfWork

_COLUMNS = ["id", "username", "email", "username_norm", "email_norm", "active"]
# Rows written to COPY per chunk: bounds the CSV text held in memory at once.
_COPY_CHUNK = 200_000


def copy_frame(uow: PgUnitOfWork, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows to a table with COPY (table and column names are ours, not user text).

    CSV as polars writes it: a null is an empty field, an empty string is quoted (""), which is
    how PostgreSQL's CSV format tells them apart.
    """
    columns = ", ".join(frame.columns)
    with uow.connection() as conn:
        try:
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
            ):
                for start in range(0, frame.height, _COPY_CHUNK):
                    chunk = frame.slice(start, _COPY_CHUNK)
                    copy.write(chunk.write_csv(include_header=False).encode("utf-8"))
        except psycopg.Error as exc:
            raise_unavailable(exc)
            raise


class PgUsers(Repository):
    """The SQL behind `core.store.ports.users.UsersRepository`."""

    @contextlib.contextmanager
    def _staged(self, name: str, columns: str, frame: pl.DataFrame) -> Iterator[str]:
        """A temporary table `name` (our own name and column types) holding the frame's rows.

        Inside a transaction only (ON COMMIT DROP); dropped after the block as well, so a second
        import in the same transaction can stage again.
        """
        self.rows(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
        copy_frame(self._uow, name, frame)
        self.rows(f"ANALYZE {name}")  # a million rows or three: the join's plan depends on it
        yield name
        self.rows(f"DROP TABLE {name}")

    def get(self, user_id: int) -> tuple[int, str, str] | None:
        """Return a platform user's (User ID, username, email), or None."""
        found = self.rows("SELECT id, username, email FROM platform_users WHERE id = %s", [user_id])
        return found[0] if found else None

    def with_email(self, email_norm: str, limit: int) -> list[tuple[int, str]]:
        """Return up to `limit` (User ID, username) with this normalised email, by User ID."""
        return self.rows(
            "SELECT id, username FROM platform_users WHERE email_norm = %s ORDER BY id LIMIT %s",
            [email_norm, limit],
        )

    def clashes(self, incoming: pl.DataFrame) -> pl.DataFrame:
        """Rows of `incoming` whose username or email another user has: (row, username_taken)."""
        return self._uow.transaction(lambda _: self._clashes(incoming))

    def _clashes(self, incoming: pl.DataFrame) -> pl.DataFrame:
        frame = incoming.select("row", "id", "username_norm", "email_norm")
        columns = "row BIGINT, id BIGINT, username_norm TEXT, email_norm TEXT"
        with self._staged("incoming_keys", columns, frame) as name:
            # One EXISTS per column, each an index lookup (an OR inside one EXISTS could use
            # neither index).
            found = self.frame(
                f"""SELECT i.row, i.username_taken FROM (
                        SELECT n.row,
                               EXISTS (SELECT 1 FROM platform_users p
                                       WHERE p.username_norm = n.username_norm AND p.id <> n.id)
                                   AS username_taken,
                               EXISTS (SELECT 1 FROM platform_users p
                                       WHERE p.email_norm = n.email_norm AND p.id <> n.id)
                                   AS email_taken
                        FROM {name} n) i
                    WHERE i.username_taken OR i.email_taken
                    ORDER BY i.row"""
            )
        return found.with_columns(pl.col("row").cast(incoming["row"].dtype))

    def upsert(self, users: pl.DataFrame) -> int:
        """Insert or update users by id; return how many of them existed already."""
        return self._uow.transaction(lambda _: self._upsert(users))

    def _upsert(self, users: pl.DataFrame) -> int:
        columns = ", ".join(_COLUMNS)
        types = "id BIGINT, username TEXT, email TEXT, username_norm TEXT, email_norm TEXT, "
        with self._staged(
            "incoming_users", types + "active BOOLEAN", users.select(_COLUMNS)
        ) as name:
            existing = self.scalar(
                f"SELECT count(*) FROM {name} i JOIN platform_users p ON p.id = i.id"
            )
            self.rows(
                f"""INSERT INTO platform_users ({columns}) SELECT {columns} FROM {name}
                    ON CONFLICT (id) DO UPDATE SET username = excluded.username,
                        email = excluded.email, username_norm = excluded.username_norm,
                        email_norm = excluded.email_norm, active = excluded.active"""
            )
        return existing
