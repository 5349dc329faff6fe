"""Audit sentences for webhooks (issue 17): added and removed, with the URL as written."""

from __future__ import annotations

import re
from collections.abc import Callable

from core.audit import Action


def _added(detail: str) -> str | None:
    if m := re.fullmatch(r"(\d+) (\S+) \((.+)\)", detail, re.S):
        return f"Added the webhook {m[1]} posting to “{m[2]}”, told of {m[3]}."
    return None


def _removed(detail: str) -> str | None:
    if m := re.fullmatch(r"(\d+) (\S+)", detail, re.S):
        return f"Removed the webhook {m[1]} that posted to “{m[2]}”."
    return None


BUILDERS: dict[str, Callable[[str], str | None]] = {
    Action.WEBHOOK_ADDED: _added,
    Action.WEBHOOK_REMOVED: _removed,
}
