"""PostgreSQL's idempotency repository: Idempotency keys of API writes (issue 17): the first answer kept."""

from __future__ import annotations

from datetime import datetime

from psycopg import errors as pg_errors

from core.store.ports.idempotency import KeyTaken
from core.store.postgres.base import Repository

_KEY = "username = %s AND token_name = %s AND idem_key = %s"


class PgIdempotency(Repository):
    """The SQL behind `core.store.ports.idempotency.IdempotencyRepository`."""

    def find(self, username: str, token: str, key: str) -> tuple[str, int, str, datetime] | None:
        """Return a kept key's (fingerprint, status, answer, created_at), or None."""
        found = self.rows(
            f"SELECT fingerprint, status, answer, created_at FROM api_idempotency WHERE {_KEY}",
            [username, token, key],
        )
        return tuple(found[0]) if found else None

    def claim(self, username: str, token: str, key: str, fingerprint: str) -> None:
        """Insert the key's row, in the caller's transaction; raise KeyTaken if another holds it.

        A concurrent claim of the same key waits here for the first transaction to end: if it
        committed, this one raises KeyTaken (the caller replays the first answer instead of
        working twice); if it rolled back, this one claims the key.
        """
        try:
            self.rows(
                "INSERT INTO api_idempotency (username, token_name, idem_key, fingerprint) "
                "VALUES (%s, %s, %s, %s)",
                [username, token, key, fingerprint],
            )
        except pg_errors.UniqueViolation as exc:
            raise KeyTaken(str(exc)) from exc

    def answer(self, username: str, token: str, key: str, status: int, answer: str) -> None:
        """Store the answer of the request that claimed the key (its status and JSON text)."""
        self.rows(
            f"UPDATE api_idempotency SET status = %s, answer = %s WHERE {_KEY}",
            [status, answer, username, token, key],
        )

    def forget(self, username: str, token: str, key: str) -> None:
        """Delete one key's row (a kept answer past its time, before the key is used again)."""
        self.rows(f"DELETE FROM api_idempotency WHERE {_KEY}", [username, token, key])

    def purge(self, before: datetime) -> int:
        """Delete the keys created before `before`; return how many were deleted."""
        return self.changed("DELETE FROM api_idempotency WHERE created_at < %s", [before])
