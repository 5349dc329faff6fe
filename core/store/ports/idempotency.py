"""The idempotency repository's port: Idempotency keys of API writes (issue 17): the first answer kept."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class IdempotencyRepository(Protocol):
    """What domain code may ask the store about Idempotency keys of API writes (issue 17).

    A key is scoped to one account and one of its tokens (`username`, `token`): two tokens, or two
    accounts, may use the same key for different requests.
    """

    def find(self, username: str, token: str, key: str) -> tuple[str, int, str, datetime] | None:
        """Return a kept key's (fingerprint, status, answer, created_at), or None."""
        ...

    def claim(self, username: str, token: str, key: str, fingerprint: str) -> None:
        """Insert the key's row, in the caller's transaction (a second claim breaks the key)."""
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
