"""Quests held as the product's writes keep them, for fixtures that insert unlocks by SQL."""

from __future__ import annotations

from typing import Any

from core.store.postgres.migrations import m013_quests_held_list
from core.store.postgres.unit_of_work import PgUnitOfWork

# m008's count, in either store.
RECOUNT = (
    "UPDATE platform_users p SET quests_held = "
    "(SELECT count(*) FROM unlocks x WHERE x.user_id = p.id)"
)


def refresh_held(cur: Any) -> None:
    """Set the stored quests held from the unlocks (a cursor of either test store): every user's
    count, and on PostgreSQL each holder's list, as m013 and copy-store fill it (fixtures only
    add unlocks, so a user who holds none still has the empty list they started with)."""
    cur.execute(RECOUNT)
    if isinstance(cur, PgUnitOfWork):
        cur.execute(m013_quests_held_list.FILL)
