"""The page-level breadcrumb of the spec's menu path (Manage › Gamification › Badges): each level
links to the page it stands for.

Streamlit's top menu nests one level (the "Manage" menu and its entries); the breadcrumb gives
the path's other levels their links.
"""

from __future__ import annotations

import streamlit as st

from core import words
from pages.ui import formatting, state

# The page each level of the spec's path opens ("Gamification" lands on its "Badges" page, as
# the "Manage" menu does); keys of the router's page dict (pages/ui/shell.py `pages_for`).
LEVEL_PAGES = {
    words.MANAGE: "badges",
    words.GAMIFICATION: "badges",
    words.BADGES: "badges",
    words.BATCH_UNLOCK: "batch_list",
    words.USERS_PAGE: "users",
}


def breadcrumb(trail: list[str]) -> None:
    """Show the trail in one row: every level but the last links to its page."""
    pages = state.PAGES.get() or {}
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="breadcrumb"):
        for i, level in enumerate(trail):
            if i:
                st.caption("›", width="content")
            page = pages.get(LEVEL_PAGES.get(level, ""))
            if page is not None and i < len(trail) - 1:
                st.page_link(page, label=formatting.literal(level))
            else:  # the page itself (a batch's name is the user's text)
                st.caption(formatting.literal(level), width="content")
