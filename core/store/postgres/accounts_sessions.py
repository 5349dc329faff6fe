"""PostgreSQL's login sessions: only a hash of each cookie's token is stored."""

from __future__ import annotations

from datetime import datetime

from core.store.postgres.base import Repository


class PgSessions(Repository):
    """The SQL behind `core.store.ports.accounts.SessionRecords`."""

    def insert_session(self, token_hash: str, username: str, expires_at: datetime) -> None:
        """Store a new session (inside the caller's transaction)."""
        self.rows(
            "INSERT INTO sessions (token_hash, username, expires_at) VALUES (%s, %s, %s)",
            [token_hash, username, expires_at],
        )

    def session_owner(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """The (username, role) of a session live at `now`, or None."""
        found = self.rows(
            "SELECT a.username, a.role FROM sessions s JOIN accounts a USING (username) "
            "WHERE s.token_hash = %s AND s.expires_at > %s",
            [token_hash, now],
        )
        return (found[0][0], found[0][1]) if found else None

    def delete_session(self, token_hash: str) -> None:
        """Delete one session."""
        self.rows("DELETE FROM sessions WHERE token_hash = %s", [token_hash])

    def delete_sessions_of(self, username: str) -> int:
        """Delete every session of an account; return how many."""
        return self.changed("DELETE FROM sessions WHERE username = %s", [username])

    def delete_expired_sessions(self, now: datetime) -> int:
        """Delete the sessions expired at `now`; return how many."""
        return self.changed("DELETE FROM sessions WHERE expires_at <= %s", [now])
