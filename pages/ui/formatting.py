"""Small display helpers shared by screens: user text shown literally, status colours, times."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core.batches import rules

# Every character markdown (CommonMark, GFM, Streamlit's directives and KaTeX) gives a meaning
# to; "&" too, or an entity such as "&lt;" would show as "<". A ":" only means something when it
# touches a word (":red[", ":material/", "https:"), so "Status: Published" stays as it is.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&]|:(?=\S|$))")
# Escaping is not enough against links: the markdown renderer (remark-gfm) turns URLs and emails
# into links by searching the text *after* escapes are resolved, and Streamlit turns
# ":material/x:" into an icon the same way. A word joiner (U+2060: invisible, zero width, no line
# break) after a ":" that starts a scheme or directive ("https:", ":red"), after "@", and between
# "www" and its ".", breaks those patterns; "10:42" stays as it is. (A name copied from the page
# carries the joiners; that is the price of never showing a live link.)
_WORD_JOINER = "\u2060"
_LINK_PATTERNS = re.compile(r"(?<=\\[:])(?=[a-z/])|(?<=@)(?=\S)|(?<=www)(?=\\\.)", re.IGNORECASE)

STATUS_COLORS = {
    rules.DRAFT: "gray",
    rules.UNPUBLISHED: "blue",
    rules.IN_PROGRESS: "orange",
    rules.PUBLISHED: "green",
    rules.PARTIALLY_PUBLISHED: "red",
    rules.REVOKING: "violet",
    rules.REVOKED: "gray",
    rules.PARTIALLY_REVOKED: "violet",
}
# A paused batch, whatever its status: yellow, as a brake (the word says "· Paused" too).
PAUSED_COLOR = "yellow"


def literal(text: object) -> str:
    """Return text (a name, a file's header, a message quoting them) for any widget that renders
    markdown, so that it shows exactly as written: no formatting, no link, no icon.

    Runs of whitespace become one space, as markdown would show them anyway; a line break or
    leading spaces could otherwise start a heading or a code block. Not for widgets that show
    plain text (st.badge escapes its label itself; selectbox and multiselect options, st.text,
    st.code and table cells are never markdown).
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _LINK_PATTERNS.sub(_WORD_JOINER, escaped)


md = literal  # the former name, still used by a few callers


def viewer_tz() -> str:
    """Return the browser's time zone name (UTC when the browser did not say)."""
    tz = st.context.timezone
    return tz if isinstance(tz, str) and tz else "UTC"


def when(value: datetime | None) -> str:
    """Format an instant (already in the viewer's zone) for tables."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def status_badge(status: str, progress: int | None = None, paused: bool = False) -> None:
    """Show a batch status in the spec's words, coloured; "In Progress" and "Revoking" with
    their percentage, and "· Paused" when the batch is paused."""
    color = PAUSED_COLOR if paused else STATUS_COLORS.get(status, "gray")
    st.badge(rules.status_label(status, progress, paused), color=color)


def local(value: datetime | None) -> datetime | None:
    """Return an instant in the viewer's time zone."""
    return value.astimezone(ZoneInfo(viewer_tz())) if value else None
