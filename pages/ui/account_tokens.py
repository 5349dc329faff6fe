"""The Account menu's "API tokens" dialog (issue 17): one's own tokens, Revoke, and a form making one.

A new token is shown once, in the dialog that made it (with the copy button of `st.code`), until
the dialog closes; the store keeps only its hash. Every run of the dialog and of its callbacks
checks the session and the account's role now (`session.dialog`, `session.callback`), and core
decides who may act on which token.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from core import words
from core.access import api_tokens
from core.access.api_tokens import ApiToken
from core.errors import BatchUnlockError
from pages.ui import formatting, session
from pages.ui.state import Slot

# The dialog's own session-state entries: open or not, the token made in it (id, name, secret:
# shown until the dialog closes), and the last action's outcome (kind, sentence).
TOKENS_ASK: Slot[bool] = Slot("api_tokens_open")
NEW_TOKEN: Slot[tuple[int, str, str]] = Slot("api_token_new")
TOKENS_NOTE: Slot[tuple[str, str]] = Slot("api_tokens_note")

NAME_KEY, READ_ONLY_KEY, EXPIRES_KEY = "api_token_name", "api_token_read_only", "api_token_expires"
REVOKE_PICK_KEY, REVOKE_KEY, CREATE_KEY = "api_token_pick", "api_token_revoke", "api_token_create"
ABOUT = (
    "A token lets a script call this app's API (`/api/v1`) as you, with your role, or only "
    "viewing if it is read-only. Send it in the header `Authorization: Bearer <token>`. "
    "Revoke a token you no longer use, or one that may have leaked: it stops working at once."
)


def ask() -> None:
    """Open the dialog (the Account menu's button)."""
    NEW_TOKEN.pop()
    TOKENS_NOTE.pop()
    TOKENS_ASK.set(True)


def open_if_asked() -> None:
    """Show the dialog while it is open (every full run, so a full rerun keeps it open)."""
    if TOKENS_ASK.get():
        _dialog()


def _close() -> None:
    TOKENS_ASK.pop()
    NEW_TOKEN.pop()  # the secret is never shown again
    TOKENS_NOTE.pop()


def _expiry(day: date | None) -> datetime | None:
    """The chosen day's start in the viewer's time zone (None: never)."""
    if day is None:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(formatting.viewer_tz()))


def _create() -> None:
    """Make a token from the form's values; keep its secret to show, or say why not."""
    acct = session.account()
    NEW_TOKEN.pop()
    try:
        secret, token = api_tokens.create_token(
            session.unit_of_work(),
            acct,
            acct.username,
            st.session_state.get(NAME_KEY, ""),
            read_only=bool(st.session_state.get(READ_ONLY_KEY)),
            expires_at=_expiry(st.session_state.get(EXPIRES_KEY)),
        )
    except BatchUnlockError as exc:
        TOKENS_NOTE.set(("error", str(exc)))
        return
    NEW_TOKEN.set((token.id, token.name, secret))
    TOKENS_NOTE.pop()
    st.session_state[NAME_KEY] = ""  # the next token needs a name of its own


def _revoke(pick_key: str) -> None:
    """Revoke the token picked in the list, or say why not."""
    token_id = st.session_state.get(pick_key)
    if token_id is None:
        return
    try:
        token = api_tokens.revoke_token(session.unit_of_work(), session.account(), token_id)
    except BatchUnlockError as exc:
        TOKENS_NOTE.set(("error", str(exc)))
        return
    new = NEW_TOKEN.get()
    if new is not None and new[0] == token.id:
        NEW_TOKEN.pop()
    TOKENS_NOTE.set(("success", f"Revoked the token “{token.name}”: it no longer works."))


def _table(found: list[ApiToken]) -> None:
    """The account's tokens, newest first, times in the viewer's zone."""

    def moment(value: datetime | None, none: str) -> str:
        return formatting.when(formatting.local(value)) if value else none

    now = datetime.now(ZoneInfo("UTC"))
    st.dataframe(
        pl.DataFrame(
            {
                words.TOKEN_NAME: [t.name for t in found],
                "Starts with": [f"{t.prefix}…" for t in found],
                words.TOKEN_READ_ONLY: ["Yes" if t.read_only else "No" for t in found],
                "Created": [moment(t.created_at, "") for t in found],
                "Last used": [moment(t.last_used_at, "Never") for t in found],
                words.TOKEN_EXPIRES: [moment(t.expires_at, "Never") for t in found],
                "State": [words.TOKEN_STATES[t.state(now)] for t in found],
            },
        ),
        hide_index=True,
        width="stretch",
        key="api_tokens_table",
    )
    live = [t for t in found if t.is_live(now)]
    if not live:
        return
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    names = {t.id: f"{t.name} ({t.prefix}…)" for t in live}
    # Keyed by the choices: a revoked token's name must not stay in the box (a value changed
    # by a callback does not reliably reach the browser; a new widget does).
    pick_key = f"{REVOKE_PICK_KEY}_{'_'.join(str(i) for i in names)}"
    picked = pick.selectbox(
        "Token to revoke",
        list(names),
        index=None,  # a deliberate choice: no token is one click from revoked
        placeholder="Choose a token",
        format_func=names.__getitem__,  # options are plain text, never markdown
        key=pick_key,
    )
    go.button(
        words.REVOKE_TOKEN,
        key=REVOKE_KEY,
        icon=":material/block:",
        disabled=picked is None,
        on_click=session.callback(_revoke),
        args=(pick_key,),
    )


def _new_token() -> None:
    """The token just made, once, with a copy button."""
    new = NEW_TOKEN.get()
    if new is None:
        return
    _id, name, secret = new
    st.success(
        f"Token “{formatting.literal(name)}” created. {words.SECRET_SHOWN_ONCE}",
        icon=":material/key:",
    )
    st.code(secret, language=None)  # st.code's own button copies it


def _form() -> None:
    """Name, read-only, expiry, then "Create token"."""
    with st.form("api_token_form", border=True):
        st.text_input(
            words.TOKEN_NAME,
            key=NAME_KEY,
            max_chars=api_tokens.MAX_NAME_LENGTH,
            placeholder="e.g. nightly-import",
            help="What the token is for; unique among your tokens that still work.",
        )
        st.checkbox(
            words.TOKEN_READ_ONLY,
            key=READ_ONLY_KEY,
            help="The token may only view, whatever your role.",
        )
        st.date_input(
            words.TOKEN_EXPIRES,
            value=None,
            min_value=date.today() + timedelta(days=1),
            key=EXPIRES_KEY,
            help="Leave empty for a token that never expires. It stops working at the start "
            "of that day, in your time zone.",
        )
        st.form_submit_button(
            words.CREATE_TOKEN,
            key=CREATE_KEY,
            type="primary",
            on_click=session.callback(_create),
        )


@session.dialog(words.API_TOKENS, width="large", on_dismiss=session.callback(_close))
def _dialog() -> None:
    acct = session.account()
    st.caption(ABOUT)
    if (note := TOKENS_NOTE.get()) is not None:
        kind, text = note
        (st.error if kind == "error" else st.success)(formatting.literal(text))
    _new_token()
    found = session.attempt(
        lambda: api_tokens.list_tokens(session.unit_of_work(), acct, acct.username)
    )
    if found is None:
        return
    if found:
        _table(found)
    else:
        st.caption("You have no API tokens yet.")
    st.subheader(words.CREATE_TOKEN)
    _form()
