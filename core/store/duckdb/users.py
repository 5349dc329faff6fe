"""DuckDB's users repository: platform users, the people badges are unlocked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb import users_profile_sql as profile_sql
from core.store.duckdb import users_search_sql as search_sql
from core.store.duckdb.base import Repository

if TYPE_CHECKING:
    import polars as pl

    from core.batches.visibility import DraftScope
    from core.segments.user_filter import UserFilter

_COLUMNS = "id, username, email, username_norm, email_norm, active"
# Optional columns of an import: a value left out (or null) keeps the stored one.
DATE_COLUMNS = ("registered_at", "last_active_at")


class DuckUsers(Repository):
    """The SQL behind `core.store.ports.users.UsersRepository`."""

    def get(self, user_id: int) -> tuple[int, str, str] | None:
        """Return a platform user's (User ID, username, email), or None."""
        found = self.rows("SELECT id, username, email FROM platform_users WHERE id = ?", [user_id])
        return found[0] if found else None

    def get_many(self, user_ids: list[int]) -> pl.DataFrame:
        """Return (user_id, username, email) of those of the given users who exist, in one read."""
        import polars as pl  # here, not at the top: commands that add no user skip its import

        wanted = pl.DataFrame({"user_id": user_ids}, schema={"user_id": pl.Int64}).unique()
        with self.registered(wanted, "users") as name:
            return self.frame(
                "SELECT p.id AS user_id, p.username, p.email FROM platform_users p "
                f"SEMI JOIN {name} w ON w.user_id = p.id"
            )

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
        """Insert or update users by id; return how many of them existed already.

        `registered_at` / `last_active_at` are optional: absent or null, the stored value stays.
        """
        import polars as pl  # here, not at the top: the command line starts without polars

        dates = [c for c in DATE_COLUMNS if c in users.columns]
        utc = pl.Datetime("us", "UTC")
        frame = users.select(*_COLUMNS.split(", "), *(pl.col(c).cast(utc) for c in dates))
        columns = ", ".join([_COLUMNS, *dates])
        keep = "".join(f", {c} = coalesce(excluded.{c}, platform_users.{c})" for c in dates)
        with self.registered(frame, "users") as name:
            existing = self.scalar(
                f"SELECT count(*) FROM {name} u JOIN platform_users p USING (id)"
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
        (counted up to `count_up_to + 1` when given: more than `count_up_to` is all it says)."""
        if f.text:
            sql, params = search_sql.filtered_once_sql(f, tz, with_batch=f.in_batch is not None)
            rows = self.frame(sql, {**params, "limit": max(limit, 0), "offset": max(offset, 0)})
            total = int(rows["total"][0])
            if count_up_to is not None:
                total = min(total, count_up_to + 1)
            return rows.filter(rows["id"].is_not_null()).drop("total"), total
        # Without text every filter is a cheap scan: counting apart lets the page's Top-N
        # fetch its columns for its own rows only.
        total = self.count(f, tz, count_up_to=count_up_to)
        exact = count_up_to is None or total <= count_up_to
        if limit <= 0 or (exact and offset >= total):
            return self._page(f, tz, 0, 0), total
        return self._page(f, tz, limit, offset), total

    def count(self, f: UserFilter, tz: str, *, count_up_to: int | None = None) -> int:
        """How many users match the filter (up to `count_up_to + 1` when given)."""
        sql, params = search_sql.count_sql(f, tz, count_up_to)
        return int(self.scalar(sql, params))

    def matching_ids(self, f: UserFilter, tz: str, limit: int) -> list[int]:
        """The first `limit` matching User IDs in id order."""
        sql, params = search_sql.ids_sql(f, tz)
        return [row[0] for row in self.rows(sql, {**params, "limit": limit})]

    def rows_for_export(self, f: UserFilter, tz: str, limit: int) -> pl.DataFrame:
        """Up to `limit` matching rows, sorted as f asks; the columns of `search`."""
        return self._page(f, tz, limit, 0)

    def _page(self, f: UserFilter, tz: str, limit: int, offset: int) -> pl.DataFrame:
        sql, params = search_sql.page_sql(f, tz, with_batch=f.in_batch is not None)
        return self.frame(sql, {**params, "limit": limit, "offset": offset})

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
