"""The idempotency repository's port: Idempotency keys of API writes (issue 17): the first answer kept."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class KeyTaken(Exception):
    """Another request holds the key: committed, or committing and not yet visible to a read.

    Raised by `claim` in place of the driver's unique-key error; the caller's transaction is
    spoilt by then and must end (core.api.idempotency rolls it back, waits and tries again).
    """


class IdempotencyRepository(Protocol):
    """What domain code may ask the store about Idempotency keys of API writes (issue 17).

    A key is scoped to one account and one of its tokens (`username`, `token`): two tokens, or two
    accounts, may use the same key for different requests.
    """

    def find(self, username: str, token: str, key: str) -> tuple[str, int, str, datetime] | None:
        """Return a kept key's (fingerprint, status, answer, created_at), or None."""
        ...

    def claim(self, username: str, token: str, key: str, fingerprint: str) -> None:
        """Insert the key's row, in the caller's transaction; raise KeyTaken if another holds it.

        A claim racing one that is not yet committed may pass (DuckDB: the later COMMIT then fails
        on the key) or wait for it to end (PostgreSQL: then it claims, or raises KeyTaken).
        """
        ...

    def answer(self, username: str, token: str, key: str, status: int, answer: str) -> None:
        """Store the answer of the request that claimed the key (its status and JSON text)."""
        ...

    def forget(self, username: str, token: str, key: str) -> None:
        """Delete one key's row (a kept answer past its time, before the key is used again)."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete the keys created before `before`; return how many were deleted."""
        ...
