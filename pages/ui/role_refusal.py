"""The stand-in for a page the visitor's role lacks: a plain refusal at that page's URL.

Pages a role may not use are not registered for it, so their URL would fall back to
"Page not found"; the router registers this stand-in there instead (pages/ui/shell.py).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import words
from pages.ui import session, state


def refusal_page(doing: str, title: str) -> Callable[[], None]:
    """Return a page function saying "Your role (analyst) cannot <doing>", with a link back."""

    def role_lacks_page() -> None:
        acct = session.account()  # as it is now: a role changed meanwhile counts at once
        session.header(title, [words.MANAGE, words.GAMIFICATION, words.BATCH_UNLOCK])
        st.error(
            f"Your role ({acct.role.value}) cannot {doing}. Ask an admin if you need to.",
            icon=":material/lock:",
        )
        st.page_link(
            state.PAGES.get()["batch_list"],
            label=f"Back to {words.BATCH_UNLOCK}",
            icon=":material/arrow_back:",
        )

    return role_lacks_page
