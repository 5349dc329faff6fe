"""What every screen shares: the session's cursor, the logged-in account, the header, errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb
import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import accounts, labels
from core.errors import BatchUnlockError, PermissionDenied
from core.roles import Account, Permission
from pages.ui import formatting
from pages.web import runtime
from pages.web.auth import COOKIE

T = TypeVar("T")


_local = threading.local()


def cursor() -> duckdb.DuckDBPyConnection:
    """Return this thread's cursor on the process's database.

    One per thread, not per session: a session's new script run can start while its previous
    run (or a live fragment) is still in a query on another thread, and a DuckDB cursor refuses
    concurrent calls.
    """
    con = runtime.database()
    if getattr(_local, "con", None) is not con:  # first use here, or the database was reopened
        _local.con, _local.cursor = con, con.cursor()
    return _local.cursor


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_account() -> Account | None:
    """Return the logged-in account: from the session cookie, else from single sign-on."""
    token = st.context.cookies.get(COOKIE)
    account = accounts.session_account(cursor(), token if isinstance(token, str) else None)
    if account is None and _oidc_configured() and st.user.is_logged_in:
        email = st.user.get("email")
        account = accounts.account_for_email(cursor(), email) if email else None
    return account


def account() -> Account:
    """Return the account the shell put in place for this run."""
    return st.session_state["account"]


def page_requires(permission: Permission) -> Account:
    """Stop the page with a plain message unless the account's role grants `permission`."""
    acct = account()
    if not acct.can(permission):
        st.error(f"Your role ({acct.role.value}) may not {permission.value}.")
        st.stop()
    return acct


def header(title: str, trail: list[str]) -> None:
    """Show the breadcrumb of the spec's menu path, then the page title."""
    st.caption(" › ".join(formatting.md(t) for t in trail))
    st.title(formatting.md(title))


def attempt(action: Callable[[], T], where: object = None) -> T | None:
    """Run a core call; show its error (written for the user) instead of a traceback."""
    try:
        return action()
    except PermissionDenied as exc:
        (where or st).error(formatting.md(exc), icon=":material/lock:")
    except BatchUnlockError as exc:
        (where or st).error(formatting.md(exc))
    return None


FLASH_SECONDS = 15


def flash(message: str) -> None:
    """Keep a confirmation to show at the top of the next screen(s) for a few seconds.

    Not popped on first display: live pages rerun themselves, and a message that vanished on the
    first automatic rerun would never be read.
    """
    st.session_state["flash"] = (message, time.monotonic() + FLASH_SECONDS)


def show_flash() -> None:
    """Show the pending confirmation, if it is still fresh."""
    pending = st.session_state.get("flash")
    if not pending:
        return
    message, until = pending
    if time.monotonic() > until:
        del st.session_state["flash"]
        return
    st.success(formatting.md(message), icon=":material/check_circle:")


def publisher_status() -> object | None:
    """Return the status of this process's publisher (None when it runs elsewhere)."""
    worker = runtime.worker()
    return worker.status() if worker is not None else None


def wake_publisher() -> None:
    """Tell this process's publisher that work was queued, so it starts now, not at its next poll."""
    worker = runtime.worker()
    if worker is not None:
        worker.wake()


def redirect(url: str) -> None:
    """Send the browser to a URL outside the app (the login routes).

    Streamlit links open in a new tab, so this uses the message `st.logout` itself sends.
    """
    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)


def account_bar(acct: Account) -> None:
    """Show who is logged in, with a "Log out" button that ends the session everywhere."""
    _space, who, out = st.columns([8, 2, 1], vertical_alignment="center")
    who.markdown(f"**{formatting.md(acct.username)}** · {acct.role.value}", text_alignment="right")
    if out.button(labels.LOG_OUT, key="log_out", type="tertiary"):
        token = st.context.cookies.get(COOKIE)
        accounts.end_session(cursor(), token if isinstance(token, str) else None)
        st.session_state.clear()
        redirect("/logout")
        st.stop()
