"""The demo repository's port: loading the demo's generated frames in bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl


class DemoRepository(Protocol):
    """What the demo loader may ask of the store: counts, then set-based inserts of frames.

    Every load runs inside the caller's transaction; frames carry exactly the columns named.
    """

    def platform_users(self) -> tuple[int, int]:
        """How many platform users there are, and their highest id (0 when none)."""
        ...

    def load_catalog(self, quests: pl.DataFrame) -> None:
        """Add badges (badge, quest, archived, in order) whose name is new, with their quests."""
        ...

    def open_quests(self) -> list[int]:
        """The ids of the quests not archived, in id order."""
        ...

    def load_users(self, users: pl.DataFrame) -> None:
        """Insert platform users (id, username, email, username_norm, email_norm, active, and
        registered_at, last_active_at when the frame has them)."""
        ...

    def load_batches(self, batches: pl.DataFrame) -> pl.DataFrame:
        """Insert batches (k, name, quest_id, status, created_by, created_at, queued_at) in k order;
        return (k, id)."""
        ...

    def load_members(self, members: pl.DataFrame) -> None:
        """Insert batch users (batch_id, user_id, status, error_reason, added_via, added_by,
        added_at, processed_at)."""
        ...

    def load_unlocks(self, unlocks: pl.DataFrame) -> None:
        """Insert unlocks (user_id, quest_id, batch_id, unlocked_at)."""
        ...

    def set_updated(self, stamps: pl.DataFrame) -> None:
        """Set batches' updated_at (id, updated_at): a history keeps its own dates."""
        ...

    def load_audit(self, entries: pl.DataFrame) -> None:
        """Append audit entries with their own times (happened_at, actor, action, batch_id, detail)."""
        ...

    def checkpoint(self) -> None:
        """Write everything into the data file itself (nothing left in a log beside it)."""
        ...
