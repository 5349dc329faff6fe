"""What every screen shares: the unit of work, the logged-in account, the header, errors."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import streamlit as st
from streamlit import runtime as st_runtime
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import words
from core.access import accounts, sessions
from core.access.roles import Account, Permission
from core.errors import BatchUnlockError, PermissionDenied
from core.store.ports import UnitOfWork
from pages.ui import formatting, state
from pages.ui.breadcrumb import breadcrumb
from pages.web import runtime
from pages.web.auth import COOKIE
from pages.web.guard import oidc_configured, session_cookies

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_log = logging.getLogger(__name__)

NOT_LOGGED_IN = "You are not logged in, or your session has ended. Log in to continue."


def unit_of_work() -> UnitOfWork:
    """Return the unit of work of this run's thread (see `Runtime.thread_unit_of_work`)."""
    return runtime.current().thread_unit_of_work()


def _account_for(
    uow: UnitOfWork, cookies: Mapping[str, str], sso_email: str | None
) -> Account | None:
    """The account behind a connection's cookies (or its single sign-on email), checked now."""
    token = cookies.get(COOKIE)
    account = sessions.session_account(uow, token if isinstance(token, str) else None)
    if account is None and sso_email and oidc_configured():
        account = accounts.account_for_email(uow, sso_email)
    return account


def current_account() -> Account | None:
    """Return the logged-in account at this moment: from the session cookie, else single sign-on.

    `st.context.cookies` are those of the websocket connection the current run serves (a
    reconnect under the same Streamlit session id brings its own, possibly none), and the
    lookup reads the session row, the account and its role as they are now.
    """
    email = None
    if oidc_configured() and st.user.is_logged_in:
        email = st.user.get("email")
    return _account_for(
        unit_of_work(), st.context.cookies, email if isinstance(email, str) else None
    )


def refuse() -> NoReturn:
    """Show the login message, send the browser to the login form, and end this run.

    Works in a full run, a fragment and a widget callback (callbacks run in the script thread
    just before the script; st.stop there ends the run quietly, without a traceback).
    """
    st.warning(NOT_LOGGED_IN, icon=":material/lock:")
    st.link_button(words.LOG_IN, "/login")
    redirect("/login")
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover - st.stop always raises


def account(fresh: bool = False) -> Account:
    """Return the account logged in at this moment, or refuse the run with the login message.

    Checked once per run (a full run, a fragment's own run, its callbacks), never remembered
    from an earlier run: a logout in another tab, an expired session, a deleted account or a
    changed role count from the next run on. Within one run the first answer is reused (a list
    run asked five times, each a query); `fresh` asks the store again.
    """
    ctx = get_script_run_ctx()
    # Streamlit gives each run (full or fragment) a new `cursors` dict when it starts: the run's
    # identity. Holding it keeps its id from being reused by a later run's dict.
    this_run = ctx.cursors if ctx is not None else None
    known = state.RUN_ACCOUNT.get()
    if not fresh and this_run is not None and known is not None and known[0] is this_run:
        return known[1]
    acct = current_account()
    if acct is None:
        state.RUN_ACCOUNT.pop()
        refuse()
    if this_run is not None:
        state.RUN_ACCOUNT.set((this_run, acct))
    return acct


def fragment(func: F | None = None, *, run_every: float | str | None = None) -> Any:
    """`st.fragment` whose every run (inline or on its own) first checks who is logged in.

    The body should take the account from `account()`, never from a module-level variable,
    which holds the account of the last full run.
    """

    def decorate(f: F) -> Any:
        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            account()
            return f(*args, **kwargs)

        return st.fragment(checked, run_every=run_every)

    return decorate(func) if func is not None else decorate


def dialog(title: str, **options: Any) -> Callable[[F], Any]:
    """`st.dialog` whose every run first checks who is logged in (a dialog reruns on its own)."""

    def decorate(f: F) -> Any:
        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            account()
            return f(*args, **kwargs)

        return st.dialog(title, **options)(checked)

    return decorate


def callback(fn: F) -> F:
    """Wrap a widget callback (on_click / on_change) so it checks who is logged in first.

    Callbacks run before the script, so without this a callback would act before the shell's
    own check refuses the run.
    """

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        account()
        return fn(*args, **kwargs)

    return checked  # type: ignore[return-value]


def _session_sso_email(session_id: str) -> str | None:
    """The single sign-on email of a Streamlit session's connection, outside a script run."""
    try:
        info = st_runtime.get_instance()._session_mgr.get_active_session_info(session_id)
        user = info.session._user_info if info is not None else {}
    except AttributeError:  # Streamlit's internals moved: refuse rather than guess
        return None
    email = user.get("email") if user.get("is_logged_in") else None
    return email if isinstance(email, str) else None


def _account_of_session(uow: UnitOfWork, session_id: str | None) -> Account | None:
    """The account behind the current connection of a Streamlit session (no run needed)."""
    if session_id is None or not st_runtime.exists():
        return None
    cookies = session_cookies(session_id)
    if cookies is None:  # no connection now: nobody to act for
        return None
    return _account_for(uow, cookies, _session_sso_email(session_id))


RERUN_AFTER_REFUSAL_S = 1.0  # ample for the answer to leave, short for the person waiting


def _rerun_session(session_id: str) -> None:
    """Ask a session for a full run, so its page shows the login message and leaves.

    Called from Streamlit's download worker thread: the rerun is requested on the runtime's
    event loop, where a session's reruns must start.
    """
    try:
        rt = st_runtime.get_instance()
        info = rt._session_mgr.get_active_session_info(session_id)
        if info is not None:
            loop = rt._get_async_objs().eventloop
            # Later, not at once: a run starting clears the session's outgoing queue, and the
            # refused download's answer (not a lifecycle message) would be dropped with it,
            # leaving the tab waiting for a file that never comes.
            loop.call_soon_threadsafe(
                loop.call_later, RERUN_AFTER_REFUSAL_S, info.session.request_rerun, None
            )
    except (AttributeError, RuntimeError):  # best effort: the next interaction refuses anyway
        _log.warning("Could not rerun session %s after a refused download", session_id)


def deferred(build: Callable[[UnitOfWork, Account], T]) -> Callable[[], T]:
    """Wrap the data callable of `st.download_button` so it checks who is logged in on click.

    Streamlit calls it on a worker thread with no script run, when the browser asks for the
    file: it opens a unit of work of its own (not the one of the run that drew the button), reads
    the cookies of the session's connection at that moment, and `build` gets that unit of work
    and the account as it is now. A session that has ended gets no data (the download fails) and
    its page is sent to the login form.
    """
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else None

    def checked() -> T:
        uow = runtime.unit_of_work()
        try:
            acct = _account_of_session(uow, session_id)
            if acct is None:
                if session_id is not None:
                    _rerun_session(session_id)
                raise PermissionDenied(NOT_LOGGED_IN)
            return build(uow, acct)
        finally:
            uow.close()

    return checked


def page_requires(permission: Permission) -> Account:
    """Stop the page with a plain message unless the account's role grants `permission`."""
    acct = account()
    if not acct.can(permission):
        st.error(f"Your role ({acct.role.value}) may not {permission.value}.")
        st.stop()
    return acct


def header(title: str, trail: list[str]) -> None:
    """Show the breadcrumb of the spec's menu path (each level a link), then the page title."""
    breadcrumb(trail)
    st.title(formatting.md(title))


def attempt(action: Callable[[], T], where: object = None) -> T | None:
    """Run a core call; show its error (written for the user) instead of a traceback."""
    try:
        return action()
    except PermissionDenied as exc:
        (where or st).error(formatting.md(exc), icon=":material/lock:")
    except BatchUnlockError as exc:
        (where or st).error(formatting.md(exc))
    except Exception as exc:
        # A read outside the store's helpers that met a full disk or a damaged file: the same
        # plain words (the store's own go to the server log), else a real bug that must surface.
        failure = runtime.store_failure(exc)
        if failure is None:
            raise
        logging.getLogger("core.store").error("Data store failure: %s", exc)
        (where or st).error(formatting.md(failure))
    return None


FLASH_SECONDS = 15


def flash(message: str) -> None:
    """Keep a confirmation to show at the top of the next screen(s) for a few seconds.

    Not popped on first display: live pages rerun themselves, and a message that vanished on the
    first automatic rerun would never be read.
    """
    state.FLASH.set((message, time.monotonic() + FLASH_SECONDS))


def show_flash() -> None:
    """Show the pending confirmation, if it is still fresh."""
    pending = state.FLASH.get()
    if not pending:
        return
    message, until = pending
    if time.monotonic() > until:
        state.FLASH.pop()
        return
    st.success(formatting.md(message), icon=":material/check_circle:")


def clear_flash() -> bool:
    """Drop the pending confirmation (a newer message replaces it); tell whether there was one."""
    return state.FLASH.pop() is not None


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
