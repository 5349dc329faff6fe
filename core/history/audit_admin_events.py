"""Audit sentences for the events outside a batch: the publishing rate, the badge catalog,
platform-user imports and accounts."""

from __future__ import annotations

import re
from collections.abc import Callable

from core import audit, words
from core.history.audit_text import quest_text


def _rate(detail: str) -> str | None:
    if detail == "unlimited":
        return "Set the publishing rate to unlimited."
    if m := re.fullmatch(r"([\d.]+) per second", detail):
        return f"Set the publishing rate to {m[1]} unlocks per second."
    return None


def _badge_added(detail: str) -> str | None:
    badge, sep, quests = detail.partition(": ")
    if not sep:
        return None
    names = [q for q in quests.split(", ") if q]
    return f"Added the badge {badge} with {words.count(len(names), 'quest')}: {', '.join(names)}."


def _quest_event(verb: str) -> Callable[[str], str | None]:
    def build(detail: str) -> str | None:
        return f"{verb} the badge quest {quest_text(detail)}." if ": " in detail else None

    return build


def _badge_event(verb: str) -> Callable[[str], str | None]:
    def build(detail: str) -> str | None:
        return f"{verb} the badge {detail}." if detail else None

    return build


def _badges_imported(detail: str) -> str | None:
    m = re.fullmatch(r"\{'badges_added': (\d+), 'quests_added': (\d+)\}", detail)
    if m is None:
        return None
    badges, quests = int(m[1]), int(m[2])
    return (
        f"Imported badges: {words.count(badges, 'badge')} and {words.count(quests, 'quest')} added."
    )


def _users_imported(detail: str) -> str | None:
    m = re.fullmatch(r"added (\d+), updated (\d+), rejected (\d+)", detail)
    if m is None:
        return None
    added, updated, rejected = (int(m[i]) for i in (1, 2, 3))
    return (
        f"Imported platform users: {added:,} added, {updated:,} updated, "
        f"{words.count(rejected, 'row')} rejected."
    )


def _first_admin(detail: str) -> str | None:
    return f"Created the first admin account, {detail}." if detail else None


def _email_cleared(detail: str) -> str | None:
    return detail or None  # written as a sentence already (schema upgrade 4)


BUILDERS: dict[str, Callable[[str], str | None]] = {
    audit.Action.PUBLISH_RATE_SET: _rate,
    audit.Action.BADGE_ADDED: _badge_added,
    audit.Action.QUEST_ADDED: _quest_event("Added"),
    audit.Action.QUEST_ARCHIVED: _quest_event("Archived"),
    audit.Action.QUEST_RESTORED: _quest_event("Restored"),
    audit.Action.BADGE_ARCHIVED: _badge_event("Archived"),
    audit.Action.BADGE_RESTORED: _badge_event("Restored"),
    audit.Action.BADGES_IMPORTED: _badges_imported,
    audit.Action.USERS_IMPORTED: _users_imported,
    audit.Action.FIRST_ADMIN_CREATED: _first_admin,
    audit.Action.ACCOUNT_EMAIL_CLEARED: _email_cleared,
}
