"""The rule for a name a person gives (an API token's, a file's sent to the API): one shown in a
list, a message or the log must read as what it is."""

from __future__ import annotations

import unicodedata


def unprintable(text: str) -> bool:
    """Tell whether text holds a character that shows as nothing or changes what is around it.

    Unicode's "C" classes: line breaks, tabs and other controls, bidi overrides, isolates and
    marks (U+202A-U+202E, U+2066-U+2069, U+200E/F), lone surrogates, private-use and unassigned
    code points.
    """
    return any(unicodedata.category(ch).startswith("C") for ch in text)
