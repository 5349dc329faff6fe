"""DuckDB's login throttle counts, one row per (typed username's key, client address)."""

from __future__ import annotations

from datetime import datetime

from core.store.duckdb.base import Repository
from core.store.ports.accounts import LoginFailures


class DuckLoginFailures(Repository):
    """The SQL behind `core.store.ports.accounts.LoginFailureRecords`."""

    def login_failures(self, name_key: str, address: str) -> LoginFailures | None:
        """A pair's counts, locked against other reservations until the transaction ends."""
        # A plain read is enough: one process holds a DuckDB file, and core.access.throttle
        # serialises that process's reservations, so no other writer can come between.
        found = self.rows(
            "SELECT failures, blocks, blocked_until, last_failure_at FROM login_failures "
            "WHERE name_key = ? AND address = ?",
            [name_key, address],
        )
        return LoginFailures(*found[0]) if found else None

    def put_login_failures(self, name_key: str, address: str, counts: LoginFailures) -> None:
        """Insert or replace a pair's counts (inside the caller's transaction)."""
        self.rows(
            "INSERT INTO login_failures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name_key, address) "
            "DO UPDATE SET failures = excluded.failures, blocks = excluded.blocks, "
            "blocked_until = excluded.blocked_until, last_failure_at = excluded.last_failure_at",
            [name_key, address, *counts],
        )

    def forget_login_failures(self, name_key: str, address: str) -> None:
        """Delete a pair's counts."""
        self.rows(
            "DELETE FROM login_failures WHERE name_key = ? AND address = ?", [name_key, address]
        )

    def failing_addresses(self, name_key: str, since: datetime) -> int:
        """How many addresses failed on this name after `since`."""
        return self.scalar(
            "SELECT count(*) FROM login_failures WHERE name_key = ? AND last_failure_at > ?",
            [name_key, since],
        )

    def purge_login_failures(self, quiet_since: datetime, now: datetime) -> int:
        """Delete pairs with no failure after `quiet_since` and no block live at `now`; count them."""
        return len(
            self.rows(
                "DELETE FROM login_failures WHERE last_failure_at < ? "
                "AND (blocked_until IS NULL OR blocked_until < ?) RETURNING name_key",
                [quiet_since, now],
            )
        )
