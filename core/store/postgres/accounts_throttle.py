"""PostgreSQL's login throttle counts, one row per (typed username's key, client address)."""

from __future__ import annotations

from datetime import datetime

from core.store.ports.accounts import LoginFailures
from core.store.postgres.base import Repository


class PgLoginFailures(Repository):
    """The SQL behind `core.store.ports.accounts.LoginFailureRecords`."""

    def login_failures(self, name_key: str, address: str) -> LoginFailures | None:
        """A pair's counts, locked against other reservations until the transaction ends."""
        # Several processes may reserve attempts of one pair at once, and the pair may have no
        # row yet, so a row lock cannot serialise them: a table lock that only reservations
        # take (SHARE ROW EXCLUSIVE conflicts with itself and with writes, not with reads).
        # Taken as the transaction's first statement (core.access.throttle.reserve), it comes
        # before the REPEATABLE READ snapshot, so the read below sees the previous
        # reservation's counts; later in a transaction, a stale read ends in a conflict that
        # the unit of work retries. A reservation holds it for one read and one write.
        if self._uow.in_transaction:
            self.rows("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE")
        found = self.rows(
            "SELECT failures, blocks, blocked_until, last_failure_at FROM login_failures "
            "WHERE name_key = %s AND address = %s",
            [name_key, address],
        )
        return LoginFailures(*found[0]) if found else None

    def put_login_failures(self, name_key: str, address: str, counts: LoginFailures) -> None:
        """Insert or replace a pair's counts (inside the caller's transaction)."""
        self.rows(
            "INSERT INTO login_failures (name_key, address, failures, blocks, blocked_until, "
            "last_failure_at) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (name_key, address) DO UPDATE SET failures = excluded.failures, "
            "blocks = excluded.blocks, blocked_until = excluded.blocked_until, "
            "last_failure_at = excluded.last_failure_at",
            [name_key, address, *counts],
        )

    def forget_login_failures(self, name_key: str, address: str) -> None:
        """Delete a pair's counts."""
        self.rows(
            "DELETE FROM login_failures WHERE name_key = %s AND address = %s", [name_key, address]
        )

    def failing_addresses(self, name_key: str, since: datetime) -> int:
        """How many addresses failed on this name after `since`."""
        return self.scalar(
            "SELECT count(*)::INTEGER FROM login_failures "
            "WHERE name_key = %s AND last_failure_at > %s",
            [name_key, since],
        )

    def purge_login_failures(self, quiet_since: datetime, now: datetime) -> int:
        """Delete pairs with no failure after `quiet_since` and no block live at `now`; count them."""
        return self.changed(
            "DELETE FROM login_failures WHERE last_failure_at < %s "
            "AND (blocked_until IS NULL OR blocked_until < %s)",
            [quiet_since, now],
        )
