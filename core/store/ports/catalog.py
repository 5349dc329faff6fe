"""The catalog repository's port: badges and their badge quests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import polars as pl


class CatalogRepository(Protocol):
    """What domain code may ask the store about badges and badge quests.

    Names are compared ignoring case: "Streak" and "streak" are one badge.
    """

    def quests(self, include_archived: bool, with_unlocks: bool) -> pl.DataFrame:
        """Every quest (id, badge_id, badge, quest, archived, unlocks), badge by badge, by name."""
        ...

    def quest_rows(self, include_archived: bool, with_unlocks: bool) -> list[dict[str, Any]]:
        """The rows of `quests` as dicts, for a caller that needs no frame (the command line)."""
        ...

    def quest(self, quest_id: int) -> dict[str, Any] | None:
        """One quest (id, badge_id, badge, name, archived), or None."""
        ...

    def badges(self) -> pl.DataFrame:
        """Every badge (id, name, archived, quests: how many it has), by name."""
        ...

    def badge_name(self, badge_id: int) -> str | None:
        """The name of a badge, or None when there is no such badge."""
        ...

    def has_badge(self, name: str) -> bool:
        """Tell whether a badge has this name (ignoring case)."""
        ...

    def has_quest(self, badge_id: int, name: str) -> bool:
        """Tell whether the badge has a quest of this name (ignoring case)."""
        ...

    def add_badge(self, name: str, quest_names: list[str]) -> int:
        """Insert a badge and its quests (inside the caller's transaction); return its id."""
        ...

    def add_quest(self, badge_id: int, name: str) -> int:
        """Insert a quest of a badge (inside the caller's transaction); return its id."""
        ...

    def set_quest_archived(self, quest_id: int, archived: bool) -> None:
        """Archive or restore a quest."""
        ...

    def set_badge_archived(self, badge_id: int, archived: bool) -> None:
        """Archive or restore a badge."""
        ...

    def add_missing(self, pairs: pl.DataFrame) -> tuple[int, int]:
        """Insert the badges and quests of (badge, quest) pairs that do not exist yet (inside
        the caller's transaction); return (badges added, quests added)."""
        ...
