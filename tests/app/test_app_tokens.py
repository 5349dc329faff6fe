"""AppTest: the Account menu's "API tokens" dialog lists one's tokens, makes one (shown once) and
revokes one, checking the session on every run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from core import words
from core.access import api_tokens
from core.access.roles import command_line_account
from core.batches import drafts
from core.publishing import actions
from pages.ui import account_tokens
from pages.ui.formatting import literal
from pages.web import runtime
from tests.support.apptest import app_as, app_query, serve_demo_store


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("tokens"))


def opened(username: str) -> AppTest:
    """The app as `username`, with the API tokens dialog opened from the Account menu."""
    at = app_as(username).run()
    at.button(key="api_tokens").click().run()
    assert not at.exception
    return at


def token_table(at: AppTest) -> pl.DataFrame | pd.DataFrame:
    """The dialog's table of tokens (the page under it has tables of its own)."""
    return next(d.value for d in at.dataframe if "Starts with" in d.value.columns)


def revoke_box(at: AppTest) -> Selectbox:
    """The dialog's choice of the token to revoke."""
    return next(s for s in at.selectbox if s.label == "Token to revoke")


def caption_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_account_menu_opens_the_dialog_with_the_account_s_tokens_only() -> None:
    uow = runtime.unit_of_work()
    api_tokens.create_token(uow, command_line_account(), "dev", "dev-only-bot")
    api_tokens.create_token(uow, command_line_account(), "analyst", "analyst-bot")
    at = opened("analyst")
    assert "Authorization: Bearer" in caption_text(at)
    table = token_table(at)
    assert list(table[words.TOKEN_NAME]) == ["analyst-bot"]
    assert list(table["State"]) == ["Active"] and list(table["Last used"]) == ["Never"]
    assert table["Starts with"][0].startswith("bu_") and table["Starts with"][0].endswith("…")


def test_a_new_token_is_shown_once_and_works_then_vanishes_when_the_dialog_closes() -> None:
    at = opened("dev")
    at.text_input(key=account_tokens.NAME_KEY).input("nightly-import")
    at.checkbox(key=account_tokens.READ_ONLY_KEY).check()
    at.button(key=account_tokens.CREATE_KEY).click().run()
    assert not at.exception
    assert words.SECRET_SHOWN_ONCE in at.success[0].value
    secret = at.code[0].value
    assert secret.startswith("bu_")
    acting = api_tokens.authenticate_token(runtime.unit_of_work(), f"Bearer {secret}")
    assert (acting.username, acting.via_token, acting.read_only) == ("dev", "nightly-import", True)
    assert "nightly-import" in list(token_table(at)[words.TOKEN_NAME])
    stored = app_query("SELECT token_hash FROM api_tokens WHERE name = 'nightly-import'")
    assert stored == [(api_tokens.token_hash(secret),)]
    # Closed and opened again, the dialog shows no token text.
    at.session_state[account_tokens.TOKENS_ASK.key] = False
    at.run()
    at.button(key="api_tokens").click().run()
    assert not at.code and not at.success


def test_a_refused_name_says_why_and_makes_nothing() -> None:
    at = opened("dev")
    at.text_input(key=account_tokens.NAME_KEY).input("   ")
    at.button(key=account_tokens.CREATE_KEY).click().run()
    assert literal("Give the token a name") in at.error[0].value
    assert not at.code


def test_revoke_stops_the_token_at_once() -> None:
    secret, token = api_tokens.create_token(
        runtime.unit_of_work(), command_line_account(), "admin", "to-revoke"
    )
    at = opened("admin")
    assert at.button(key=account_tokens.REVOKE_KEY).disabled  # until a token is chosen
    revoke_box(at).select(token.id).run()
    at.button(key=account_tokens.REVOKE_KEY).click().run()
    assert not at.exception
    assert literal("Revoked the token “to-revoke”") in at.success[0].value
    table = token_table(at)
    assert dict(zip(table[words.TOKEN_NAME], table["State"], strict=True))["to-revoke"] == "Revoked"
    with pytest.raises(Exception, match="was revoked"):
        api_tokens.authenticate_token(runtime.unit_of_work(), f"Bearer {secret}")


def test_a_session_that_ended_cannot_use_the_open_dialog() -> None:
    at = opened("dev")
    at.user = {"is_logged_in": True, "email": "nobody@nowhere"}  # the identity is gone
    at.text_input(key=account_tokens.NAME_KEY).input("after-logout")
    at.button(key=account_tokens.CREATE_KEY).click().run()
    assert "not logged in" in at.warning[0].value
    assert app_query("SELECT count(*) FROM api_tokens WHERE name = 'after-logout'") == [(0,)]


def test_opening_the_dialog_closes_the_account_menu_and_names_show_as_typed() -> None:
    at = opened("analyst")
    assert at.session_state["account_menu"] is False  # it would cover the dialog
    name = "**ci** [bot](http://evil.example) :red[x]"
    at.text_input(key=account_tokens.NAME_KEY).input(name)
    at.button(key=account_tokens.CREATE_KEY).click().run()
    assert at.success[0].value == f"Token “{literal(name)}” created. {words.SECRET_SHOWN_ONCE}"
    assert name in list(token_table(at)[words.TOKEN_NAME])  # table cells are plain text
    assert at.text_input(key=account_tokens.NAME_KEY).value == ""  # ready for the next one


def test_the_batch_history_names_the_token_a_change_came_through() -> None:
    uow = runtime.unit_of_work()
    secret, _ = api_tokens.create_token(uow, command_line_account(), "dev", "ci-bot")
    via = api_tokens.authenticate_token(uow, f"Bearer {secret}")
    quest = app_query("SELECT id FROM quests WHERE NOT archived ORDER BY id LIMIT 1")[0][0]
    batch_id = drafts.create_draft(uow, via, "Made by a script", quest)
    actions.publish(uow, via, batch_id)  # no users: Published at once, with its page
    at = app_as("admin", "pages/screens/batch_detail.py", id=str(batch_id)).run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "What happened" in d.value.columns)
    assert list(history["Who"]) == ["dev via API token “ci-bot”"] * 2
