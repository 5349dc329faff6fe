"""PostgreSQL's accounts repository: back-office accounts (sessions and throttling in accounts_*.py)."""

from __future__ import annotations

import polars as pl

from core.store.postgres.accounts_sessions import PgSessions
from core.store.postgres.accounts_throttle import PgLoginFailures


class PgAccounts(PgSessions, PgLoginFailures):
    """The SQL behind `core.store.ports.accounts.AccountsRepository`."""

    def exists(self, username: str) -> bool:
        """Tell whether an account has this username."""
        return bool(self.rows("SELECT 1 FROM accounts WHERE username = %s", [username]))

    def any_account(self) -> bool:
        """Tell whether the store holds any account at all."""
        return bool(self.rows("SELECT 1 FROM accounts LIMIT 1"))

    def email_owner(self, email: str) -> str | None:
        """The username whose email equals `email` ignoring case, or None."""
        # lower() on both sides: the unique index (migration 4) is on lower(email).
        return self.scalar(
            "SELECT username FROM accounts WHERE lower(email) = lower(%s) LIMIT 1", [email]
        )

    def insert(self, username: str, password_hash: str, role: str, email: str | None) -> None:
        """Insert one account (inside the caller's transaction)."""
        self.rows(
            "INSERT INTO accounts (username, password_hash, role, email) VALUES (%s, %s, %s, %s)",
            [username, password_hash, role, email],
        )

    def listing(self) -> pl.DataFrame:
        """Every account by username (username, role, email, created_at), never its hash."""
        # Code point order, as DuckDB sorts, whatever the database's collation.
        return self.frame(
            'SELECT username, role, email, created_at FROM accounts ORDER BY username COLLATE "C"'
        )

    def credentials(self, username: str) -> tuple[str, str] | None:
        """The (password hash, role) of an account, or None."""
        found = self.rows(
            "SELECT password_hash, role FROM accounts WHERE username = %s", [username]
        )
        return (found[0][0], found[0][1]) if found else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace an account's password hash (the same password, hashed anew)."""
        self.rows(
            "UPDATE accounts SET password_hash = %s WHERE username = %s", [password_hash, username]
        )

    def with_email(self, email: str, limit: int) -> list[tuple[str, str]]:
        """At most `limit` (username, role) whose email equals `email` ignoring case."""
        found = self.rows(
            "SELECT username, role FROM accounts WHERE lower(email) = lower(%s) LIMIT %s",
            [email, limit],
        )
        return [(username, role) for username, role in found]
