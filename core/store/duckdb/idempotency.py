"""DuckDB's idempotency repository: Idempotency keys of API writes (issue 17): the first answer kept."""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.store.duckdb.base import Repository
from core.store.ports.idempotency import KeyTaken

_KEY = "username = ? AND token_name = ? AND idem_key = ?"


class DuckIdempotency(Repository):
    """The SQL behind `core.store.ports.idempotency.IdempotencyRepository`."""

    def find(self, username: str, token: str, key: str) -> tuple[str, int, str, datetime] | None:
        """Return a kept key's (fingerprint, status, answer, created_at), or None."""
        found = self.rows(
            f"SELECT fingerprint, status, answer, created_at FROM api_idempotency WHERE {_KEY}",
            [username, token, key],
        )
        return found[0] if found else None

    def claim(self, username: str, token: str, key: str, fingerprint: str) -> None:
        """Insert the key's row, in the caller's transaction; raise KeyTaken if another holds it.

        DuckDB refuses the insert at once when the other claim is committed, or is committing
        and not yet visible to a read; a claim racing one still open passes here, and the later
        of the two COMMITs fails on the key (the unit of work's DuplicateKey).
        """
        try:
            self.rows(
                "INSERT INTO api_idempotency (username, token_name, idem_key, fingerprint) "
                "VALUES (?, ?, ?, ?)",
                [username, token, key, fingerprint],
            )
        except duckdb.ConstraintException as exc:
            raise KeyTaken(str(exc)) from exc

    def answer(self, username: str, token: str, key: str, status: int, answer: str) -> None:
        """Store the answer of the request that claimed the key (its status and JSON text)."""
        self.rows(
            f"UPDATE api_idempotency SET status = ?, answer = ? WHERE {_KEY}",
            [status, answer, username, token, key],
        )

    def forget(self, username: str, token: str, key: str) -> None:
        """Delete one key's row (a kept answer past its time, before the key is used again)."""
        self.rows(f"DELETE FROM api_idempotency WHERE {_KEY}", [username, token, key])

    def purge(self, before: datetime) -> int:
        """Delete the keys created before `before`; return how many were deleted."""
        return self._uow.transaction(
            lambda _: self.rows("DELETE FROM api_idempotency WHERE created_at < ?", [before])[0][0]
        )
