"""The username suggestions of the "Single" upload type: usernames matching the typed text."""

from __future__ import annotations

from core.batches.matching import sync_user_index
from core.platform_users.names import normal_form
from core.store.ports import UnitOfWork


def suggest_usernames(uow: UnitOfWork, text: str, limit: int = 10) -> list[str]:
    """Return up to `limit` usernames matching the typed text, best first.

    Case-insensitive. An exact match first, then usernames that start with the text, then
    usernames that contain it; shortest first within each, then alphabetically.
    """
    wanted = normal_form(text)
    if not wanted or limit <= 0:
        return []
    sync_user_index(uow)  # the suggestions are read from the matching index
    return uow.matching.suggest_usernames(wanted, limit)
