"""DuckDB's accounts repository: back-office accounts (sessions and throttling in accounts_*.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.duckdb.accounts_sessions import DuckSessions
from core.store.duckdb.accounts_throttle import DuckLoginFailures

if TYPE_CHECKING:
    import polars as pl


class DuckAccounts(DuckSessions, DuckLoginFailures):
    """The SQL behind `core.store.ports.accounts.AccountsRepository`."""

    def exists(self, username: str) -> bool:
        """Tell whether an account has this username."""
        return bool(self.rows("SELECT 1 FROM accounts WHERE username = ?", [username]))

    def any_account(self) -> bool:
        """Tell whether the store holds any account at all."""
        return bool(self.rows("SELECT 1 FROM accounts LIMIT 1"))

    def email_owner(self, email: str) -> str | None:
        """The username whose email equals `email` ignoring case, or None."""
        # lower() on both sides: the unique index (migration 4) is on lower(email).
        return self.scalar(
            "SELECT username FROM accounts WHERE lower(email) = lower(?) LIMIT 1", [email]
        )

    def insert(self, username: str, password_hash: str, role: str, email: str | None) -> None:
        """Insert one account (inside the caller's transaction)."""
        self.rows(
            "INSERT INTO accounts (username, password_hash, role, email) VALUES (?, ?, ?, ?)",
            [username, password_hash, role, email],
        )

    def listing(self) -> pl.DataFrame:
        """Every account by username (username, role, email, created_at), never its hash."""
        return self.frame(
            "SELECT username, role, email, created_at FROM accounts ORDER BY username"
        )

    def credentials(self, username: str) -> tuple[str, str] | None:
        """The (password hash, role) of an account, or None."""
        found = self.rows("SELECT password_hash, role FROM accounts WHERE username = ?", [username])
        return (found[0][0], found[0][1]) if found else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace an account's password hash (the same password, hashed anew)."""
        self.rows(
            "UPDATE accounts SET password_hash = ? WHERE username = ?", [password_hash, username]
        )

    def with_email(self, email: str, limit: int) -> list[tuple[str, str]]:
        """At most `limit` (username, role) whose email equals `email` ignoring case."""
        found = self.rows(
            "SELECT username, role FROM accounts WHERE lower(email) = lower(?) LIMIT ?",
            [email, limit],
        )
        return [(username, role) for username, role in found]
