"""Quests held as the product's writes keep them, for fixtures that insert unlocks by SQL."""

from __future__ import annotations

from typing import Any

from core.store.postgres.unit_of_work import PgUnitOfWork

# m008's count, in either store.
RECOUNT = (
    "UPDATE platform_users p SET quests_held = "
    "(SELECT count(*) FROM unlocks x WHERE x.user_id = p.id)"
)
# PostgreSQL's m013 list (DuckDB has none).
RELIST = (
    "UPDATE platform_users p SET quests = "
    "ARRAY(SELECT x.quest_id FROM unlocks x WHERE x.user_id = p.id ORDER BY x.quest_id)"
)


def refresh_held(cur: Any) -> None:
    """Set every user's stored quests held from the unlocks (a cursor of either test store)."""
    cur.execute(RECOUNT)
    if isinstance(cur, PgUnitOfWork):
        cur.execute(RELIST)
