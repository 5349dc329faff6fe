"""Reading the catalogue: badges and their badge quests, as lists, trees and single quests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import NotFound
from core.store.ports import UnitOfWork

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Quest:
    """A badge quest, with its badge's name."""

    id: int
    badge_id: int
    badge: str
    name: str
    archived: bool


def quests(
    uow: UnitOfWork, include_archived: bool = True, with_unlocks: bool = True
) -> pl.DataFrame:
    """Return every badge quest with its badge (and how many users hold it), badge by badge."""
    return uow.catalog.quests(include_archived, with_unlocks)


def quest_rows(
    uow: UnitOfWork, include_archived: bool = True, with_unlocks: bool = True
) -> list[dict[str, Any]]:
    """The rows of `quests` as dicts, for a caller that needs no frame (polars costs ~0.1 s)."""
    return uow.catalog.quest_rows(include_archived, with_unlocks)


def quest(uow: UnitOfWork, quest_id: int) -> Quest:
    """Return one badge quest, or raise NotFound."""
    found = uow.catalog.quest(quest_id)
    if found is None:
        raise NotFound(
            f"There is no badge quest with id {quest_id}. Pick one that exists: the Badges "
            "page lists them with their Quest ID, as do GET /api/v1/quests and "
            "`python -m core quests`."
        )
    return Quest(**found)


def badge_tree(uow: UnitOfWork, include_archived: bool = False) -> dict[str, list[Quest]]:
    """Return {badge name: [quests]} in display order, for dropdowns."""
    tree: dict[str, list[Quest]] = {}
    for row in quests(uow, include_archived, with_unlocks=False).iter_rows(named=True):
        tree.setdefault(row["badge"], []).append(
            Quest(row["id"], row["badge_id"], row["badge"], row["quest"], row["archived"])
        )
    return tree


def badges(uow: UnitOfWork) -> pl.DataFrame:
    """Return every badge with whether it is archived and how many quests it has."""
    return uow.catalog.badges()
