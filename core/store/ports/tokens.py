"""The tokens repository's port: API tokens (issue 17): personal tokens, stored hashed."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol


class TokenRecord(NamedTuple):
    """One stored API token, never its secret (only its hash is kept, and not handed out)."""

    id: int
    name: str
    username: str
    read_only: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    prefix: str


class TokensRepository(Protocol):
    """What domain code may ask the store about API tokens (issue 17)."""

    # Two token creations for one account at one moment must not both pass the unique-name check:
    # this writes the account's row (changing nothing), so on either store the second of two such
    # transactions conflicts and is run again, and then sees the first one's token.
    def lock_account(self, username: str) -> bool:
        """Lock an account's row until the transaction ends; tell whether the account exists."""
        ...

    def live_named(self, username: str, name: str, now: datetime) -> bool:
        """Tell whether the account has a token of this name neither revoked nor expired at `now`."""
        ...

    def insert(
        self,
        token_hash: str,
        prefix: str,
        username: str,
        name: str,
        read_only: bool,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        """Store a new token (inside the caller's transaction); return its id."""
        ...

    def get(self, token_id: int) -> TokenRecord | None:
        """One token by id, or None."""
        ...

    def of_account(self, username: str) -> list[TokenRecord]:
        """Every token of an account (revoked and expired ones too), newest first."""
        ...

    def by_hash(self, token_hash: str) -> tuple[TokenRecord, str | None] | None:
        """The token with this hash and its account's role now (None if the account is gone)."""
        ...

    def mark_revoked(self, token_id: int, now: datetime) -> None:
        """Set a token's revoked time (inside the caller's transaction)."""
        ...

    def touch(self, token_id: int, now: datetime, unless_since: datetime) -> None:
        """Set a token's last use to `now` unless it was used at or after `unless_since`."""
        ...
