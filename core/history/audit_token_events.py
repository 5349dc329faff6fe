"""Audit sentences for API tokens (issue 17): created and revoked, with the account they act as."""

from __future__ import annotations

import re
from collections.abc import Callable

from core import audit

# The details core.access.api_tokens writes: “name” for dan[; read-only][; expires …].
_CREATED = re.compile(r"“(.*)” for (\S+)((?:; read-only)?)((?:; expires .+)?)", re.S)
_REVOKED = re.compile(r"“(.*)” of (\S+)", re.S)


def _created(detail: str) -> str | None:
    if (m := _CREATED.fullmatch(detail)) is None:
        return None
    terms = ["read-only"] if m[3] else []
    terms += [m[4].removeprefix("; ")] if m[4] else []
    said = f" ({', '.join(terms)})" if terms else ""
    return f"Created the API token “{m[1]}” for {m[2]}{said}."


def _revoked(detail: str) -> str | None:
    if (m := _REVOKED.fullmatch(detail)) is None:
        return None
    return f"Revoked the API token “{m[1]}” of {m[2]}."


BUILDERS: dict[str, Callable[[str], str | None]] = {
    audit.Action.TOKEN_CREATED: _created,
    audit.Action.TOKEN_REVOKED: _revoked,
}


def who(actor: str, via: str | None) -> str:
    """Who wrote an entry, in words: "dan", or "dan via API token “ci-bot”" through a token."""
    return f"{actor} via API token “{via}”" if via else actor
