"""Audit sentences for the batch events: created, renamed, moved, deleted, users added or
removed, published, errors retried (the details core.batches and core.publishing write)."""

from __future__ import annotations

import re
from collections.abc import Callable

from core import audit, words
from core.history.audit_text import (
    FOUND_BY_WORDS,
    ids_text,
    quest_text,
    row_counts,
    via_words,
)


def _created(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” for (.*)", detail, re.S):
        return f"Created “{m[1]}” for {quest_text(m[2])}."
    return "Created the batch." if detail in ("", "demo data") else None


def _renamed(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” → “(.*)”", detail, re.S):
        return f"Renamed “{m[1]}” to “{m[2]}”."
    return None


def _quest_changed(detail: str) -> str | None:
    m = re.fullmatch(
        r"now (.*?)(?:; (\d+) user\(s\) who already hold it removed: (.*))?", detail, re.S
    )
    if m is None:
        return None
    text = f"Moved to the badge quest {quest_text(m[1])}"
    if m[2]:
        n = int(m[2])
        held = "who already held it was" if n == 1 else "who already held it were"
        text += f"; {words.count(n, 'user')} {held} removed (User ID {ids_text(m[3])})"
    return text + "."


def _deleted(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” with (\d+) user\(s\)", detail, re.S):
        return f"Deleted the draft “{m[1]}” with {words.count(int(m[2]), 'user')}."
    return None


def _users_added(detail: str) -> str | None:
    if m := re.fullmatch(r"1 added by (\w+) \((\w+)\): (\d+)", detail):
        found_by = FOUND_BY_WORDS.get(m[1], m[1])
        return f"Added User ID {m[3]} (found by {found_by}) via {via_words(m[2])}."
    m = re.fullmatch(r"(\d+) added from “(.*)” \((\w+)\)(?:; not added: (.*))?", detail, re.S)
    if m is None:
        return None
    text = f"{words.count(int(m[1]), 'user')} added from “{m[2]}” via {via_words(m[3])}"
    if m[4]:
        text += f"; {row_counts(m[4])}"
    return text + "."


def _removed(detail: str) -> str | None:
    if m := re.fullmatch(r"User ID (\d+)", detail):
        return f"Removed User ID {m[1]} from the draft."
    if m := re.fullmatch(r"(\d+) removed: (.*)", detail, re.S):
        return (
            f"Removed {words.count(int(m[1]), 'user')} from the draft (User ID {ids_text(m[2])})."
        )
    return None


def _published(detail: str) -> str | None:
    if m := re.fullmatch(r"(\d+) user\(s\) queued", detail):
        return f"Published: {words.count(int(m[1]), 'user')} queued to be unlocked."
    if detail == "no users: published at once":
        return f"Published with no users, so “{words.PUBLISHED}” at once."
    return "Published." if detail in ("", "demo data") else None


def _retried(detail: str) -> str | None:
    if m := re.fullmatch(r"(\d+) user\(s\) requeued", detail):
        return f"Retried errors: {words.count(int(m[1]), 'user')} in “{words.ERROR}” queued again."
    return None


BUILDERS: dict[str, Callable[[str], str | None]] = {
    audit.Action.BATCH_CREATED: _created,
    audit.Action.DRAFT_RENAMED: _renamed,
    audit.Action.DRAFT_QUEST_CHANGED: _quest_changed,
    audit.Action.DRAFT_DELETED: _deleted,
    audit.Action.USERS_ADDED: _users_added,
    audit.Action.USER_REMOVED: _removed,
    audit.Action.BATCH_PUBLISHED: _published,
    audit.Action.ERRORS_RETRIED: _retried,
}
