"""The template's columns: their field codes, the header names accepted for each, header matching."""

from __future__ import annotations

import re

from core import words
from core.errors import InputError
from core.upload import limits

# Field codes used in frames and in code; the spec's column names are in words.TEMPLATE_COLUMNS.
ID, USERNAME, EMAIL = "id", "username", "email"
FIELDS = (ID, USERNAME, EMAIL)
FIELD_LABELS = {ID: words.COL_ID, USERNAME: words.COL_USERNAME, EMAIL: words.COL_EMAIL}

# Header names accepted for each field, compared after _header_key (case, spaces, - _ . removed).
SYNONYMS = {
    ID: ("ID", "User ID", "Id"),
    USERNAME: ("Username", "User name", "Login"),
    EMAIL: ("Registered email", "Email", "E-mail"),
}
# The "Reason" column of our own error-rows download (core.upload.template): ignored without
# being reported, so that file can be fixed and uploaded again as it is.
REASON_COLUMN = "Reason"


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "", name.strip().strip('"').lower())


_FIELD_BY_HEADER = {_header_key(name): code for code, names in SYNONYMS.items() for name in names}


def accepted_columns_text() -> str:
    """Describe the accepted column names, for messages: 'ID (or User ID), Username (or …)'."""
    parts = []
    for code in FIELDS:
        others = [n for n in SYNONYMS[code] if n != FIELD_LABELS[code] and n.lower() != "id"]
        parts.append(
            f"{FIELD_LABELS[code]} (or {', '.join(others)})" if others else FIELD_LABELS[code]
        )
    return "; ".join(parts)


def pick_columns(
    name: str, header: list[str], filled: set[int]
) -> tuple[dict[str, int], list[str]]:
    """Map fields to header positions (0-based); name the other columns (headerless if filled)."""
    found: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        code = _FIELD_BY_HEADER.get(_header_key(title))
        if code is not None and code not in found:
            found[code] = position
        elif _header_key(title) == _header_key(REASON_COLUMN):
            continue
        elif title:
            ignored.append(title)
        elif position in filled:
            ignored.append(f"column {position + 1} (no header)")
    if not found:
        titles = [t for t in header if t]
        shown = limits.names_text([f"“{t}”" for t in titles]).replace(" and ", ", ", 1)
        if len(titles) <= limits.SHOWN_NAMES:
            shown = ", ".join(f"“{t}”" for t in titles)
        raise InputError(
            f"The file “{name}” has no column Batch Unlock recognises (its header has: "
            f"{shown or 'none'}). Name at least one column {accepted_columns_text()} — or start "
            "from the template — then upload it again."
        )
    return found, ignored
