"""The audit log in words: one sentence per entry, with counts in words, never internal codes.

The log stores an action name (core.audit) and a short detail written by the change itself. This
module reads both back as a sentence for the batch history ("3 users added from “spring.csv” via
CSV upload; 3 not found, 1 user not found, 1 merged."). It parses the details the app writes
now and has written before (they are kept in old data files); a detail it cannot read is shown
after the action's words, with any status code in it replaced by its words. Times are the
page's business (the viewer's time zone and format), not this module's.
"""

from __future__ import annotations

from collections.abc import Callable

from core.history import audit_admin_events, audit_batch_events
from core.history.audit_text import codes_in_words

_BUILDERS: dict[str, Callable[[str], str | None]] = {
    **audit_batch_events.BUILDERS,
    **audit_admin_events.BUILDERS,
}


def sentence(action: str, detail: str | None) -> str:
    """Return one audit entry as a sentence for people (user text in it is quoted as written)."""
    detail = (detail or "").strip()
    build = _BUILDERS.get(action)
    if build is not None and (text := build(detail)) is not None:
        return text
    # A detail this version cannot read (or an action it does not know): its words, no codes.
    head = action[:1].upper() + action[1:]
    return f"{head}: {codes_in_words(detail)}." if detail else f"{head}."
