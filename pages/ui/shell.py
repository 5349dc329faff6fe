"""The router every page load runs: who is logged in, which pages that role gets, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import words
from core.access.roles import Account, Permission
from core.errors import StoreUnavailable
from pages.ui import role_refusal, session, state
from pages.ui.account_bar import account_bar

UI = Path(__file__).resolve().parent
SCREENS = UI.parent / "screens"
# Served by the app itself: a ":material/..." page icon would be fetched from a public font host
# as the favicon, which fails on an offline network (and tells that host who visits).
ICON = UI / "icon.png"
STYLE = UI / "app.css"
DETAIL_PATH = "batch"  # the batch detail page's URL: /batch?id=N
USER_PATH = "user"  # a platform user's page: /user?id=N


def _page(file: str, title: str, url: str, **kwargs: object) -> st.Page:
    return st.Page(str(SCREENS / file), title=title, url_path=url, **kwargs)


def pages_for(account: Account) -> dict[str, st.Page]:
    """Return the pages this account's role may use; at the URL of one it lacks, a refusal."""
    pages = {
        "badges": _page(
            "badges.py",
            f"{words.GAMIFICATION} › {words.BADGES}",
            "badges",
            icon=":material/military_tech:",
            default=True,
        ),
        "batch_list": _page(
            "batch_list.py",
            f"{words.GAMIFICATION} › {words.BATCH_UNLOCK}",
            "batch-unlock",
            icon=":material/lock_open:",
        ),
        "batch_detail": _page("batch_detail.py", "Batch", DETAIL_PATH, visibility="hidden"),
        # Every role: analysts read, filter and export; "Add to batch" is for who edits batches.
        "users": _page("users.py", words.USERS_PAGE, "users", icon=":material/group:"),
        "user": _page("user.py", words.USER_PAGE, USER_PATH, visibility="hidden"),
    }
    if account.can(Permission.MANAGE_WEBHOOKS):
        pages["webhooks"] = _page(
            "webhooks.py", words.WEBHOOKS_PAGE, "webhooks", icon=":material/webhook:"
        )
    else:  # its URL says why, instead of "Page not found"
        pages["webhooks_refused"] = st.Page(
            role_refusal.refusal_page("manage webhooks", words.WEBHOOKS_PAGE),
            title=words.WEBHOOKS_PAGE,
            url_path="webhooks",
            visibility="hidden",
        )
    if account.can(Permission.EDIT_BATCHES):
        pages["new_batch"] = _page(
            "new_batch.py", words.NEW_BATCH, "new-batch", visibility="hidden"
        )
    else:  # its URL says why, instead of "Page not found" ("new_batch" in pages: may create)
        pages["new_batch_refused"] = st.Page(
            role_refusal.refusal_page("create batches", words.NEW_BATCH),
            title=words.NEW_BATCH,
            url_path="new-batch",
            visibility="hidden",
        )
    return pages


def main() -> None:
    """Log the visitor in (or send them to the login form), then run the page they asked for."""
    st.set_page_config(page_title="Batch Unlock", page_icon=str(ICON), layout="wide")
    st.html(STYLE)  # style only: it takes no room on the page
    # Page loads without a session are redirected to /login by the HTTP guard; this covers a
    # session that ended while the tab stayed open (the same refusal as in fragments and
    # callbacks: the login message, then the login form).
    try:
        account = session.account()
        pages = pages_for(account)
        state.PAGES.set(pages)
        nav = st.navigation({words.MANAGE: [p for p in pages.values()]}, position="top")
        with st.container(key="account_bar"):  # app.css puts it in the menu bar
            account_bar(account)
        nav.run()
    except StoreUnavailable as exc:
        # A store failure outside a page's own `session.attempt` (the account check, Log out):
        # the same plain sentence, never Streamlit's redacted error box.
        st.error(str(exc), icon=":material/database:")
