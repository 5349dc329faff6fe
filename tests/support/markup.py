"""What markdown would make of a string: formatting or links, where text was meant."""

from __future__ import annotations

import re

# What markdown would turn into formatting if the names above were left unescaped (the page's
# own "**Badge:**" is meant): `markup_left` looks for these with every escape masked out.
_MARKUP_TOKENS = (
    "**b**",
    "**e**",
    "[x](",
    ":red[",
    "<b>",
    "$x^",
    "_i_",
    "~~s~~",
    ":material/",
    "&lt;",
)
# What remark-gfm links *after* escapes are resolved (mdast-util-gfm-autolink-literal's rules;
# its \w is ASCII, so a word joiner breaks a match).
_AUTOLINK = re.compile(
    r"https?://|www(?=\.)|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE | re.ASCII
)
ESCAPE = re.compile(r"\\(.)")


def markup_left(shown: str) -> list[str]:
    """Return what in a markdown string would render as formatting or a link, not as text."""
    masked = ESCAPE.sub("\x00", shown)
    found = [token for token in _MARKUP_TOKENS if token in masked]
    return found + _AUTOLINK.findall(ESCAPE.sub(r"\1", shown))
