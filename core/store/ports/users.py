"""The users repository's port: platform users, the people badges are unlocked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl


class UsersRepository(Protocol):
    """What domain code may ask the store about platform users."""

    def get(self, user_id: int) -> tuple[int, str, str] | None:
        """Return a platform user's (User ID, username, email), or None."""
        ...

    def with_email(self, email_norm: str, limit: int) -> list[tuple[int, str]]:
        """Return up to `limit` (User ID, username) with this normalised email, by User ID."""
        ...

    def clashes(self, incoming: pl.DataFrame) -> pl.DataFrame:
        """Rows of `incoming` (row, id, username_norm, email_norm) whose username or email
        another user has: (row, username_taken), username_taken false when only the email is."""
        ...

    def upsert(self, users: pl.DataFrame) -> int:
        """Insert or update users by id (id, username, email, username_norm, email_norm, active)
        inside the caller's transaction; return how many of them existed already."""
        ...
