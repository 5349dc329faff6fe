"""The pieces audit sentences share: row-status codes, `added_via` codes, quests and id lists
as words."""

from __future__ import annotations

import re

from core import words
from core.batches.row_status import COUNT_WORDS as ROW_COUNT_WORDS

# Words for the other codes that details carry (`added_via`, single-add lookups), as they read
# inside a sentence ("via the command line"); row statuses come from core.batches.row_status.
ADDED_VIA_WORDS = {
    "csv": "CSV upload",
    "single": "Single",
    "cli": "the command line",
    "demo": "CSV upload",
    "users": "the Users list",
    "api": "the API",
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
            parts.append(codes_in_words(piece.strip()))
            continue
        n, code = int(match[1]), match[2]
        parts.append(f"{n:,} {ROW_COUNT_WORDS.get(code, code.replace('_', ' '))}")
    return ", ".join(p for p in parts if p)


def codes_in_words(text: str) -> str:
    """Replace the status codes in a free text with their words."""
    return _CODE.sub(lambda m: ROW_COUNT_WORDS[m[1]], text)


def via_words(code: str) -> str:
    """Return the words of an `added_via` code (an unknown code as it is)."""
    return ADDED_VIA_WORDS.get(code, code)


def quest_text(text: str) -> str:
    """ "Badge: Quest" as the pages write a quest: "Badge › Quest"."""
    badge, sep, quest = text.partition(": ")
    return f"{badge} › {quest}" if sep else text


def ids_text(text: str) -> str:
    """Return a logged id list ("1 2 …") with a comma before its ellipsis."""
    return text.replace(" …", ", …")
