"""The users repository's port: platform users, the people badges are unlocked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl

    from core.batches.visibility import DraftScope
    from core.segments.user_filter import UserFilter


class UsersRepository(Protocol):
    """What domain code may ask the store about platform users."""

    def get(self, user_id: int) -> tuple[int, str, str] | None:
        """Return a platform user's (User ID, username, email), or None."""
        ...

    def get_many(self, user_ids: list[int]) -> pl.DataFrame:
        """Return (user_id, username, email) of those of the given users who exist, in one read."""
        ...

    def with_email(self, email_norm: str, limit: int) -> list[tuple[int, str]]:
        """Return up to `limit` (User ID, username) with this normalised email, by User ID."""
        ...

    def clashes(self, incoming: pl.DataFrame) -> pl.DataFrame:
        """Rows of `incoming` (row, id, username_norm, email_norm) whose username or email
        another user has: (row, username_taken), username_taken false when only the email is."""
        ...

    def upsert(self, users: pl.DataFrame) -> int:
        """Insert or update users by id (id, username, email, username_norm, email_norm, active,
        and optionally registered_at, last_active_at as Datetime UTC) inside the caller's
        transaction; return how many of them existed already. A date column left out, or a null
        in it, keeps the stored value (new users get NULL)."""
        ...

    # The Users page (issue 16). Dates in a filter are local days of the viewer's time zone `tz`
    # (DateFilter.bounds); frames' times are UTC. A user never active matches no last-active
    # condition. Sorted as f asks with ties by id in the same direction; a date never set sorts
    # as the oldest (first ascending, last descending).

    def search(
        self, f: UserFilter, tz: str, limit: int, offset: int, *, count_up_to: int | None = None
    ) -> tuple[pl.DataFrame, int]:
        """`limit` rows from `offset`, sorted as f asks (ties by id), and how many match.

        With `count_up_to`, matches are counted up to count_up_to + 1 only (bounded work): a
        total above count_up_to means "more than count_up_to". None counts exactly.
        Columns: id Int64, username, email String, active Boolean, registered_at,
        last_active_at Datetime(us, UTC) (nullable), quests_held Int64 (unlocks held now),
        batch_status, batch_error String (the user's status and error in f.in_batch; null when
        f.in_batch is None). f.page and f.page_size are not read: `limit` and `offset` are.
        """
        ...

    def count(self, f: UserFilter, tz: str, *, count_up_to: int | None = None) -> int:
        """How many users match f's filters (up to count_up_to + 1 when given, as `search`)."""
        ...

    def matching_ids(self, f: UserFilter, tz: str, limit: int) -> list[int]:
        """The first `limit` matching User IDs in id order (for adding to batches and splitting)."""
        ...

    def rows_for_export(self, f: UserFilter, tz: str, limit: int) -> pl.DataFrame:
        """Up to `limit` matching rows, sorted as f asks; the columns of `search`."""
        ...

    def held_quests(self, user_id: int) -> pl.DataFrame:
        """The quests a user holds now, newest unlock first: quest_id, quest, badge_id, badge,
        batch_id, batch_name (null when no batch gave it), unlocked_at."""
        ...

    def revoked_quests(self, user_id: int) -> pl.DataFrame:
        """The user's unlocks a revoke took back, newest first: quest_id, quest, badge,
        batch_id, batch_name, unlocked_at, revoked_at, revoked_by, reason."""
        ...

    def user_batches(self, user_id: int, scope: DraftScope) -> pl.DataFrame:
        """The batches the user is in that `scope` sees (drafts as the batch list), newest first:
        batch_id, batch_name, quest_id, quest, badge, batch_status, paused Boolean, progress
        Int32, user_status, error_reason, revoke_reason, added_at, added_via, added_by,
        processed_at."""
        ...

    def profile(self, user_id: int) -> tuple | None:
        """(id, username, email, active, registered_at, last_active_at) of a user, or None."""
        ...
