"""The audit log in words: one sentence per entry, with counts in words, never internal codes.

The log stores an action name (core.audit) and a short detail written by the change itself. This
module reads both back as a sentence for the batch history ("3 users added from “spring.csv” via
CSV upload; 3 not found, 1 user not found, 1 merged."). It parses the details the app writes
now and has written before (they are kept in old data files); a detail it cannot read is shown
after the action's words, with any status code in it replaced by its words. Times are the
page's business (the viewer's time zone and format), not this module's. `who` names the
writer: the account, "via API token “ci-bot”" when it acted through one (issue 17).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core import words
from core.audit import Action
from core.history import (
    audit_admin_events,
    audit_batch_events,
    audit_token_events,
    audit_webhook_events,
)
from core.history.audit_text import codes_in_words


# Undo (issue 15): the details core.publishing.undo, revoking and publisher_pause write.
def _cancelled(detail: str) -> str | None:
    if m := re.fullmatch(r"“(.*)” with (\d+) user\(s\)", detail, re.S):
        return (
            f"Cancelled publishing: “{m[1]}” left the queue and is a draft again, with "
            f"{words.count(int(m[2]), 'user')}."
        )
    return None


def _paused_or_resumed(done: str) -> Callable[[str], str | None]:
    def build(detail: str) -> str | None:
        if m := re.fullmatch(r"at (\d+)%: (\d+) user\(s\) waiting", detail):
            return f"{done} at {m[1]}%, with {words.count(int(m[2]), 'user')} still waiting."
        return f"{done}." if not detail else None

    return build


def _revoke_requested(detail: str) -> str | None:
    if m := re.fullmatch(r"(\d+) user\(s\): (.*)", detail, re.S):
        return f"Asked to revoke the badge quest from {words.count(int(m[1]), 'user')}: “{m[2]}”."
    return None


def _publisher(done: str, then: str) -> Callable[[str], str | None]:
    def build(detail: str) -> str | None:
        return f"{done} the publisher: {then}." if not detail else None

    return build


_UNDO_BUILDERS: dict[str, Callable[[str], str | None]] = {
    Action.BATCH_CANCELLED: _cancelled,
    Action.BATCH_PAUSED: _paused_or_resumed("Paused"),
    Action.BATCH_RESUMED: _paused_or_resumed("Resumed"),
    Action.REVOKE_REQUESTED: _revoke_requested,
    Action.PUBLISHER_PAUSED: _publisher(
        "Paused", "no batch is published or revoked until it is resumed"
    ),
    Action.PUBLISHER_RESUMED: _publisher("Resumed", "queued batches go on where they stopped"),
}

_BUILDERS: dict[str, Callable[[str], str | None]] = {
    **audit_batch_events.BUILDERS,
    **audit_admin_events.BUILDERS,
    **audit_token_events.BUILDERS,
    **audit_webhook_events.BUILDERS,
    **_UNDO_BUILDERS,
}


def who(actor: str, via: str | None = None) -> str:
    """Who wrote an entry: the account, and the API token it acted through if any (issue 17)."""
    return audit_token_events.who(actor, via)


def sentence(action: str, detail: str | None) -> str:
    """Return one audit entry as a sentence for people (user text in it is quoted as written)."""
    detail = (detail or "").strip()
    build = _BUILDERS.get(action)
    if build is not None and (text := build(detail)) is not None:
        return text
    # A detail this version cannot read (or an action it does not know): its words, no codes.
    head = action[:1].upper() + action[1:]
    return f"{head}: {codes_in_words(detail)}." if detail else f"{head}."
