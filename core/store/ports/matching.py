"""The matching repository's port: an upload's rows against the platform users, and its index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl


class MatchingRepository(Protocol):
    """What domain code may ask the store about uploaded rows against platform users.

    The exchange is in polars frames: the keys of `core.batches.judging.match_keys` go in (row,
    id_num, username_norm, email_norm, filled), the matched frame comes out, one row per
    (upload row, user) pair where a filled field names the user; `field` is the field's bit
    (1 ID, 2 username, 4 email), usernames and emails compared on their normal forms.
    """

    def sync_index(self, rebuild: bool = False) -> str:
        """Bring the lookup index up to date with the users (a write); say what was done."""
        ...

    def match(self, keys: pl.DataFrame, quest_id: int, batch_id: int | None) -> pl.DataFrame:
        """Return every (row, user_id, field, active, in_batch, unlocked) hit of the keys' rows.

        A member "revoked" is not `in_batch`: adding it again revives it.
        """
        ...

    def usernames(self, user_ids: pl.Series) -> pl.DataFrame:
        """Return (user_id, username) of the given users."""
        ...

    def suggest_usernames(self, text: str, limit: int) -> list[str]:
        """Return up to `limit` usernames starting with, then containing, `text` (normal form)."""
        ...
