"""Changing the catalogue: adding badges and quests, archiving and restoring them, importing."""

from __future__ import annotations

import polars as pl

from core import audit
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.catalog.badge_tree import quest
from core.catalog.names import clean_name, name_key
from core.errors import InputError, NotFound
from core.store.ports import UnitOfWork


def add_badge(uow: UnitOfWork, actor: Account, badge: str, quest_names: list[str]) -> int:
    """Create a badge with its quests (at least one); return the badge id."""
    require(actor, Permission.MANAGE_CATALOG)
    badge = clean_name(badge, "badge")
    names = [clean_name(q, "quest") for q in quest_names if q and q.strip()]
    if not names:
        raise InputError("A badge needs at least one badge quest. Type a quest name.")
    if len({name_key(n) for n in names}) != len(names):
        raise InputError("Two quests of this badge have the same name. Give each its own name.")

    def write(u: UnitOfWork) -> int:
        if u.catalog.has_badge(badge):
            raise InputError(f"A badge named {badge!r} exists already. Add quests to it instead.")
        badge_id = u.catalog.add_badge(badge, names)
        audit.record(u, actor, Action.BADGE_ADDED, detail=f"{badge}: {', '.join(names)}")
        return badge_id

    return uow.transaction(write)


def add_quest(uow: UnitOfWork, actor: Account, badge_id: int, name: str) -> int:
    """Add a quest to an existing badge; return its id."""
    require(actor, Permission.MANAGE_CATALOG)
    name = clean_name(name, "quest")

    def write(u: UnitOfWork) -> int:
        badge = u.catalog.badge_name(badge_id)
        if badge is None:
            raise NotFound(f"There is no badge with id {badge_id}.")
        if u.catalog.has_quest(badge_id, name):
            raise InputError(f"The badge {badge!r} already has a quest named {name!r}.")
        quest_id = u.catalog.add_quest(badge_id, name)
        audit.record(u, actor, Action.QUEST_ADDED, detail=f"{badge}: {name}")
        return quest_id

    return uow.transaction(write)


def set_quest_archived(
    uow: UnitOfWork, actor: Account, quest_id: int, archived: bool = True
) -> None:
    """Archive (or restore) a badge quest: archived quests are not offered for new batches."""
    require(actor, Permission.MANAGE_CATALOG)
    q = quest(uow, quest_id)

    def write(u: UnitOfWork) -> None:
        u.catalog.set_quest_archived(quest_id, archived)
        action = Action.QUEST_ARCHIVED if archived else Action.QUEST_RESTORED
        audit.record(u, actor, action, detail=f"{q.badge}: {q.name}")

    uow.transaction(write)


def set_badge_archived(
    uow: UnitOfWork, actor: Account, badge_id: int, archived: bool = True
) -> None:
    """Archive (or restore) a badge: none of its quests is offered for new batches while archived."""
    require(actor, Permission.MANAGE_CATALOG)

    def write(u: UnitOfWork) -> None:
        name = u.catalog.badge_name(badge_id)
        if name is None:
            raise NotFound(f"There is no badge with id {badge_id}.")
        u.catalog.set_badge_archived(badge_id, archived)
        action = Action.BADGE_ARCHIVED if archived else Action.BADGE_RESTORED
        audit.record(u, actor, action, detail=name)

    uow.transaction(write)


def import_badges(uow: UnitOfWork, actor: Account, table: pl.DataFrame) -> dict[str, int]:
    """Create the badges and quests of a frame with columns `badge`, `quest` that are missing."""
    require(actor, Permission.MANAGE_CATALOG)
    columns = {c.strip().lower(): c for c in table.columns}
    if "badge" not in columns or "quest" not in columns:
        raise InputError(
            f"The file needs the columns badge and quest; it has: {', '.join(table.columns) or 'none'}."
        )
    pairs = (
        table.select(
            pl.col(columns["badge"]).cast(pl.String).str.strip_chars().alias("badge"),
            pl.col(columns["quest"]).cast(pl.String).str.strip_chars().alias("quest"),
        )
        .filter(pl.col("badge").is_not_null() & (pl.col("badge") != ""))
        .filter(pl.col("quest").is_not_null() & (pl.col("quest") != ""))
        .unique(maintain_order=True)
    )
    if pairs.is_empty():
        raise InputError("The file has no row with both a badge and a quest. Fill both columns.")

    def write(u: UnitOfWork) -> dict[str, int]:
        badges_added, quests_added = u.catalog.add_missing(pairs)
        result = {"badges_added": badges_added, "quests_added": quests_added}
        audit.record(u, actor, Action.BADGES_IMPORTED, detail=str(result))
        return result

    return uow.transaction(write)
