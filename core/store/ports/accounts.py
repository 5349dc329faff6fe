"""The accounts repository's port: back-office accounts, their sessions and login throttling."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    import polars as pl


class LoginFailures(NamedTuple):
    """The throttle's row for one (typed username's key, client address) pair."""

    failures: int
    blocks: int
    blocked_until: datetime | None
    last_failure_at: datetime | None


class AccountRecords(Protocol):
    """Back-office accounts (usernames are unique, emails unique ignoring case)."""

    def exists(self, username: str) -> bool:
        """Tell whether an account has this username."""
        ...

    def any_account(self) -> bool:
        """Tell whether the store holds any account at all."""
        ...

    def email_owner(self, email: str) -> str | None:
        """The username whose email equals `email` ignoring case, or None."""
        ...

    def insert(self, username: str, password_hash: str, role: str, email: str | None) -> None:
        """Insert one account (inside the caller's transaction)."""
        ...

    def listing(self) -> pl.DataFrame:
        """Every account by username (username, role, email, created_at), never its hash."""
        ...

    def credentials(self, username: str) -> tuple[str, str] | None:
        """The (password hash, role) of an account, or None."""
        ...

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace an account's password hash (the same password, hashed anew)."""
        ...

    def with_email(self, email: str, limit: int) -> list[tuple[str, str]]:
        """At most `limit` (username, role) whose email equals `email` ignoring case."""
        ...


class SessionRecords(Protocol):
    """Login sessions, kept in the store so that any process serves any logged-in account."""

    def insert_session(self, token_hash: str, username: str, expires_at: datetime) -> None:
        """Store a new session (inside the caller's transaction)."""
        ...

    def session_owner(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """The (username, role) of a session live at `now`, or None."""
        ...

    def delete_session(self, token_hash: str) -> None:
        """Delete one session."""
        ...

    def delete_sessions_of(self, username: str) -> int:
        """Delete every session of an account; return how many."""
        ...

    def delete_expired_sessions(self, now: datetime) -> int:
        """Delete the sessions expired at `now`; return how many."""
        ...


class LoginFailureRecords(Protocol):
    """The login throttle's counts per (typed username's key, client address)."""

    # Attempts sent at once must all be counted (core.access.throttle): a store with several
    # writing processes locks the pair here, even one not stored yet (insert it if missing,
    # then read it for update), so that no two reservations read the same counts.
    def login_failures(self, name_key: str, address: str) -> LoginFailures | None:
        """A pair's counts, locked against other reservations until the transaction ends."""
        ...

    def put_login_failures(self, name_key: str, address: str, counts: LoginFailures) -> None:
        """Insert or replace a pair's counts (inside the caller's transaction)."""
        ...

    def forget_login_failures(self, name_key: str, address: str) -> None:
        """Delete a pair's counts."""
        ...

    def failing_addresses(self, name_key: str, since: datetime) -> int:
        """How many addresses failed on this name after `since`."""
        ...

    def purge_login_failures(self, quiet_since: datetime, now: datetime) -> int:
        """Delete pairs with no failure after `quiet_since` and no block live at `now`; count them."""
        ...


class AccountsRepository(AccountRecords, SessionRecords, LoginFailureRecords, Protocol):
    """What domain code may ask the store about accounts, sessions and login throttling."""
