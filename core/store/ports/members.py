"""The members repository's port: a batch's users: adding, listing, removing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl


class MembersRepository(Protocol):
    """What domain code may ask the store about a batch's users."""

    def add(self, batch_id: int, user_ids: list[int], via: str, added_by: str) -> int:
        """Add users as unpublished, skipping any already in the batch; return how many went in.

        A member "revoked" is added again: unpublished, its revoke fields cleared, counted in.
        """
        ...

    def count(self, batch_id: int) -> int:
        """Return how many users the batch holds (inside a transaction: as it stands now)."""
        ...

    def remove(self, batch_id: int, user_ids: list[int]) -> list[int]:
        """Take these users out of the batch; return the User IDs that were in it."""
        ...

    def holders(self, batch_id: int, quest_id: int) -> list[tuple[int, str]]:
        """Return (User ID, username) of the batch's users who hold the quest, by User ID."""
        ...

    def count_matching(self, batch_id: int, status: str | None, needle: str) -> int:
        """Return how many of the batch's users have `status` (None: any) and match `needle`."""
        ...

    def page(
        self,
        batch_id: int,
        status: str | None,
        needle: str,
        sort: str,
        desc: bool,
        limit: int,
        offset: int,
    ) -> pl.DataFrame:
        """Return one page of the batch's users with their platform names, sorted by `sort`.

        Rows: user_id, username, email, status, error_reason, added_via, added_by, added_at,
        processed_at, revoke_reason, revoked_by, revoked_at, kept_by_batch.

        `needle` (normalised search text, "" for all) matches inside the username or email;
        `sort` is one of core.batches.members.SORT_KEYS, ties broken by User ID.
        """
        ...
