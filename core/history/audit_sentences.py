"""The audit log in words: one sentence per entry, with counts in words, never internal codes.

The log stores an action name (core.audit) and a short detail written by the change itself. This
module reads both back as a sentence for the batch history ("3 users added from “spring.csv” via
CSV upload; 3 not found, 1 user not found, 1 merged."). It parses the details the app writes
now and has written before (they are kept in old data files); a detail it cannot read is shown
after the action's words, with any status code in it replaced by its words. Times are the
page's business (the viewer's time zone and format), not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core import audit, words

# Words for the codes that details carry (core.batches.matching statuses, core.batches.drafts `added_via`,
# single-add lookups). Kept here, not imported from core.batches.matching, so reading the history never
# loads the matching engine; tests/test_audit_sentences.py checks they agree with it.
ROW_COUNT_WORDS = {
    "not_found": "not found",
    "mismatch": "user not found",
    "duplicate": "merged",
    "already_in_batch": "already in this batch",
    "already_unlocked": "already unlocked",
    "inactive": "deactivated",
}
ADDED_VIA_WORDS = {
    "csv": "CSV upload",
    "single": "Single",
    "cli": "the command line",
    "demo": "CSV upload",
}
FOUND_BY_WORDS = {"id": words.USER_ID, "username": words.USERNAME.lower(), "email": "email"}

_CODE = re.compile(r"\b(" + "|".join(sorted(ROW_COUNT_WORDS, key=len, reverse=True)) + r")\b")
_COUNTED = re.compile(r"(\d+) ([a-z_]+)")


def row_counts(text: str) -> str:
    """Turn "2 not_found, 1 duplicate" into "2 not found, 1 merged" (unknown codes: words)."""
    parts = []
    for piece in text.split(","):
        match = _COUNTED.fullmatch(piece.strip())
        if match is None:
            parts.append(_words(piece.strip()))
            continue
        n, code = int(match[1]), match[2]
        parts.append(f"{n:,} {ROW_COUNT_WORDS.get(code, code.replace('_', ' '))}")
    return ", ".join(p for p in parts if p)


def _words(text: str) -> str:
    """Replace the status codes in a free text with their words."""
    return _CODE.sub(lambda m: ROW_COUNT_WORDS[m[1]], text)


def _via(code: str) -> str:
    return ADDED_VIA_WORDS.get(code, code)


def _quest(text: str) -> str:
    """ "Badge: Quest" as the pages write a quest: "Badge › Quest"."""
    badge, sep, quest = text.partition(": ")
    return f"{badge} › {quest}" if sep else text


def _ids(text: str) -> str:
    return text.replace(" …", ", …")


def _created(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” for (.*)", detail, re.S):
        return f"Created “{m[1]}” for {_quest(m[2])}."
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
    text = f"Moved to the badge quest {_quest(m[1])}"
    if m[2]:
        n = int(m[2])
        held = "who already held it was" if n == 1 else "who already held it were"
        text += f"; {words.count(n, 'user')} {held} removed (User ID {_ids(m[3])})"
    return text + "."


def _deleted(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” with (\d+) user\(s\)", detail, re.S):
        return f"Deleted the draft “{m[1]}” with {words.count(int(m[2]), 'user')}."
    return None


def _users_added(detail: str) -> str | None:
    if m := re.fullmatch(r"1 added by (\w+) \((\w+)\): (\d+)", detail):
        found_by = FOUND_BY_WORDS.get(m[1], m[1])
        return f"Added User ID {m[3]} (found by {found_by}) via {_via(m[2])}."
    m = re.fullmatch(r"(\d+) added from “(.*)” \((\w+)\)(?:; not added: (.*))?", detail, re.S)
    if m is None:
        return None
    text = f"{words.count(int(m[1]), 'user')} added from “{m[2]}” via {_via(m[3])}"
    if m[4]:
        text += f"; {row_counts(m[4])}"
    return text + "."


def _removed(detail: str) -> str | None:
    if m := re.fullmatch(r"User ID (\d+)", detail):
        return f"Removed User ID {m[1]} from the draft."
    if m := re.fullmatch(r"(\d+) removed: (.*)", detail, re.S):
        return f"Removed {words.count(int(m[1]), 'user')} from the draft (User ID {_ids(m[2])})."
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
        return f"{verb} the badge quest {_quest(detail)}." if ": " in detail else None

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


_BUILDERS: dict[str, Callable[[str], str | None]] = {
    audit.Action.BATCH_CREATED: _created,
    audit.Action.DRAFT_RENAMED: _renamed,
    audit.Action.DRAFT_QUEST_CHANGED: _quest_changed,
    audit.Action.DRAFT_DELETED: _deleted,
    audit.Action.USERS_ADDED: _users_added,
    audit.Action.USER_REMOVED: _removed,
    audit.Action.BATCH_PUBLISHED: _published,
    audit.Action.ERRORS_RETRIED: _retried,
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


def sentence(action: str, detail: str | None) -> str:
    """Return one audit entry as a sentence for people (user text in it is quoted as written)."""
    detail = (detail or "").strip()
    build = _BUILDERS.get(action)
    if build is not None and (text := build(detail)) is not None:
        return text
    # A detail this version cannot read (or an action it does not know): its words, no codes.
    head = action[:1].upper() + action[1:]
    return f"{head}: {_words(detail)}." if detail else f"{head}."
