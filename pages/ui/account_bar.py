"""The account bar in the menu: who is logged in, "Log out", and the account's menu: "Log out
everywhere" and "API tokens" (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import streamlit as st
from streamlit import runtime as st_runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import words
from core.access import sessions
from core.access.roles import Account
from core.store.ports import UnitOfWork
from pages.ui import account_tokens, formatting, session
from pages.web.auth import COOKIE


def _leave(end: Callable[[UnitOfWork], object]) -> NoReturn:
    """End session(s) with `end`, forget this tab's state, and finish at /logout."""
    end(session.unit_of_work())
    st.session_state.clear()
    ctx = get_script_run_ctx()
    if ctx is not None and st_runtime.exists():
        # A client that learnt this Streamlit session's id must not resume it.
        st_runtime.get_instance().mark_session_nonresumable(ctx.session_id)
    session.redirect("/logout")
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover - st.stop always raises


ACCOUNT_MENU = "account_menu"


def _open_tokens() -> None:
    """Close the account menu and open the API tokens dialog."""
    st.session_state[ACCOUNT_MENU] = False
    account_tokens.ask()


def account_bar(acct: Account) -> None:
    """Show who is logged in, "Log out" (this session), "Log out everywhere" and "API tokens"."""
    _space, who, out, more = st.columns([8, 2, 1, 1], vertical_alignment="center")
    who.markdown(f"**{formatting.md(acct.username)}** · {acct.role.value}", text_alignment="right")
    if out.button(words.LOG_OUT, key="log_out", type="tertiary"):
        token = st.context.cookies.get(COOKIE)
        _leave(lambda uow: sessions.end_session(uow, token if isinstance(token, str) else None))
    # Keyed and tracked, so that "API tokens" can close it: it would cover the dialog.
    with more.popover(
        words.ACCOUNT,
        type="tertiary",
        icon=":material/account_circle:",
        key=ACCOUNT_MENU,
        on_change="rerun",
    ):
        if st.button(
            words.LOG_OUT_EVERYWHERE,
            key="log_out_everywhere",
            help="End every session of your account: other tabs, browsers and devices. "
            "API tokens keep working: revoke them under API tokens.",
        ):
            # The account as it is now: the cookie may have ended since the run started.
            username = session.account(fresh=True).username
            _leave(lambda uow: sessions.end_all_sessions(uow, username))
        st.button(
            words.API_TOKENS,
            key="api_tokens",
            icon=":material/key:",
            help="Tokens that let your scripts use the app's API as you.",
            on_click=session.callback(_open_tokens),
        )
    account_tokens.open_if_asked()
