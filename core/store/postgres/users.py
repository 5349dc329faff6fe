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

from core.store.postgres import users_page_sql as page_sql
from core.store.postgres import users_profile_sql as profile_sql
from core.store.postgres.base import Repository
from core.store.postgres.errors import raise_unavailable
from core.store.postgres.users_count import UserCounter

if TYPE_CHECKING:
    from core.batches.visibility import DraftScope
    from core.segments.user_filter import UserFilter
    from core.store.postgres.unit_of_work import PgUnitOfWork

_COLUMNS = ["id", "username", "email", "username_norm", "email_norm", "active"]
# Optional columns of an import: a value left out (or null) keeps the stored one.
DATE_COLUMNS = ("registered_at", "last_active_at")
_UTC = pl.Datetime("us", "UTC")
# Up to this many matching users, a page is sorted from the matches rather than read in order.
_FEW = 50_000
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

    def get_many(self, user_ids: list[int]) -> pl.DataFrame:
        """Return (user_id, username, email) of those of the given users who exist, in one read."""
        return self.frame(
            "SELECT id AS user_id, username, email FROM platform_users WHERE id = ANY(%s::bigint[])",
            [sorted(set(user_ids))],
        )

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
        """Insert or update users by id; return how many of them existed already.

        `registered_at` / `last_active_at` are optional: absent or null, the stored value stays.
        """
        return self._uow.transaction(lambda _: self._upsert(users))

    def _upsert(self, users: pl.DataFrame) -> int:
        dates = [c for c in DATE_COLUMNS if c in users.columns]
        names = [*_COLUMNS, *dates]
        columns = ", ".join(names)
        types = "id BIGINT, username TEXT, email TEXT, username_norm TEXT, email_norm TEXT, "
        types += "active BOOLEAN" + "".join(f", {c} TIMESTAMPTZ" for c in dates)
        keep = "".join(f", {c} = coalesce(excluded.{c}, platform_users.{c})" for c in dates)
        frame = users.select(*_COLUMNS, *(pl.col(c).cast(_UTC) for c in dates))
        with self._staged("incoming_users", types, frame) as name:
            existing = self.scalar(
                f"SELECT count(*) FROM {name} i JOIN platform_users p ON p.id = i.id"
            )
            self.rows(
                f"""INSERT INTO platform_users ({columns}) SELECT {columns} FROM {name}
                    ON CONFLICT (id) DO UPDATE SET username = excluded.username,
                        email = excluded.email, username_norm = excluded.username_norm,
                        email_norm = excluded.email_norm, active = excluded.active{keep}"""
            )
        return existing

    def search(
        self, f: UserFilter, tz: str, limit: int, offset: int, *, count_up_to: int | None = None
    ) -> tuple[pl.DataFrame, int]:
        """`limit` rows from `offset`, sorted as f asks (ties by id), and how many match
        (counted up to `count_up_to + 1` when given: more than `count_up_to` is all it says).

        The count comes first and picks the page's plan: few matches are found by the filters'
        indexes and sorted, many read in order off the sort's index (see page_sql's `few` and
        `plan`; in id order, the first ids are tried first when that order may mislead).
        """
        total = self.count(f, tz, count_up_to=count_up_to)
        exact = count_up_to is None or total <= count_up_to
        if exact and offset >= total:
            limit = 0  # nothing to read: the statement still gives the columns
        few = total <= _FEW
        values = {"limit": max(limit, 0), "offset": max(offset, 0)}
        dated = bool(f.registered or f.last_active)
        # Text beside a join filter (holds, lacks, batches): the fence would read every
        # candidate of the text again after the count (a second pass over the heap, 1.3 s at
        # 10M), while the first ids usually hold a page. Text alone keeps its trigram fence.
        joined = bool(f.holds or f.lacks or f.in_batch is not None or f.not_in_batch is not None)
        windowed = not f.text or (few and joined)
        if limit > 0 and f.sort == "id" and windowed and (few or dated):
            # In id order, when walking the primary key may read millions of others before the
            # matches (dates rise with the User ID, so dated matches may all sit at one end),
            # or when few match: try the first ids; if they hold a full page, that is the page
            # (~10 ms). Else many dated matches are found by the date index, few by the fence.
            rows = self._page(f, tz, values, plan="window")
            if rows.height >= limit:
                return rows, total
            if not few:
                return self._page(f, tz, values, plan="scan"), total
        return self._page(f, tz, values, few=few), total

    def _page(
        self, f: UserFilter, tz: str, values: dict[str, int], few: bool = False, plan: str = "walk"
    ) -> pl.DataFrame:
        sql, params = page_sql.page_sql(
            f, tz, with_count=False, with_batch=f.in_batch is not None, few=few, plan=plan
        )
        return self.frame(sql, {**params, **values})

    def count(self, f: UserFilter, tz: str, *, count_up_to: int | None = None) -> int:
        """How many users match the filter (up to `count_up_to + 1` when given)."""
        return UserCounter(self._uow).count(f, tz, count_up_to)

    def matching_ids(self, f: UserFilter, tz: str, limit: int) -> list[int]:
        """The first `limit` matching User IDs in id order."""
        sql, params = page_sql.ids_sql(f, tz)
        return [row[0] for row in self.rows(sql, {**params, "limit": limit})]

    def rows_for_export(self, f: UserFilter, tz: str, limit: int) -> pl.DataFrame:
        """Up to `limit` matching rows, sorted as f asks; the columns of `search`."""
        sql, params = page_sql.page_sql(f, tz, with_count=False, with_batch=f.in_batch is not None)
        return self.frame(sql, {**params, "limit": limit, "offset": 0})

    def held_quests(self, user_id: int) -> pl.DataFrame:
        """The quests a user holds now, each with the batch that unlocked it (if any) and when."""
        return self.frame(profile_sql.HELD_SQL, {"user": user_id})

    def revoked_quests(self, user_id: int) -> pl.DataFrame:
        """The user's unlocks taken back by a revoke: when, by whom and why."""
        return self.frame(profile_sql.REVOKED_SQL, {"user": user_id})

    def user_batches(self, user_id: int, scope: DraftScope) -> pl.DataFrame:
        """The batches the user is in that the scope sees, with the user's status in each."""
        sql, params = profile_sql.batches_sql(scope)
        return self.frame(sql, {**params, "user": user_id})

    def profile(self, user_id: int) -> tuple | None:
        """(id, username, email, active, registered_at, last_active_at), or None."""
        found = self.rows(profile_sql.PROFILE_SQL, {"user": user_id})
        return found[0] if found else None
