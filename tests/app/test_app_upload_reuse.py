"""AppTest: the upload window reads and matches a file once per file and batch version (its reruns
reuse them, and "Upload" still refuses a batch changed meanwhile), and a draft's users come a
page at a time, searched and counted as a whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.access.roles import Account, Role
from core.batches import add_file, add_one, drafts, matching
from core.upload import intake
from tests.support.apptest import (
    EMAILS,
    SSO,
    app_as,
    fresh_quest_and_users,
    serve_demo_store,
)
from tests.support.apptest import (
    app_cursor as cursor,
)
from tests.support.apptest import (
    app_query as query,
)

NEW = "pages/screens/new_batch.py"
DEV = Account("dev", Role.DEV)


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("upload_reuse"))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the reads of an uploaded file and the previews (matches) the pages ask for."""
    counted = {"read": 0, "preview": 0}

    def counting(name: str, fn: Callable) -> Callable:
        def wrapped(*args, **kwargs):
            counted[name] += 1
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(intake, "read_upload", counting("read", intake.read_upload))
    monkeypatch.setattr(matching, "preview", counting("preview", matching.preview))
    return counted


def upload_window(batch_id: int) -> None:
    """A script that shows the upload window of a batch on every run, as drawn on the first."""
    import streamlit as st

    from core.access.roles import Account, Role
    from core.batches import read_model
    from pages.ui import add_users, session
    from pages.ui.state import FLASH

    uow = session.unit_of_work()
    if FLASH.get():  # uploaded: the page is drawn again with its confirmation, no window
        st.success(FLASH.get()[0])
        return
    if "drawn" not in st.session_state:  # the page as the tab drew it (its version)
        st.session_state["drawn"] = read_model.get_batch(uow, batch_id, Account("dev", Role.DEV))
    add_users.upload_dialog(uow, st.session_state["drawn"], "t")


def window(batch_id: int) -> AppTest:
    """The upload window of a batch, for the dev logged in through single sign-on."""
    at = AppTest.from_function(upload_window, args=(batch_id,), default_timeout=60)
    at.secrets["auth"] = SSO
    at.user = {"is_logged_in": True, "email": EMAILS["dev"]}
    return at.run()


def ids_file(users: list[int]) -> bytes:
    return ("ID\n" + "\n".join(map(str, users)) + "\n999999991\n").encode()


def test_a_rerun_of_the_upload_window_neither_reads_nor_matches_the_file_again(
    calls: dict[str, int],
) -> None:
    quest, users = fresh_quest_and_users(3)
    draft = drafts.create_draft(cursor(), DEV, "Read once", quest)
    at = window(draft)
    assert not at.exception
    at.file_uploader[0].set_value(("people.csv", ids_file(users), "text/csv")).run()
    assert at.metric[0].value == "3"
    assert calls == {"read": 1, "preview": 1}

    at.run()  # the window again (a filter, a download, any click inside it)
    at.run()
    assert not at.exception
    assert at.metric[0].value == "3"
    assert calls == {"read": 1, "preview": 1}

    at.file_uploader[0].set_value(("people.csv", ids_file(users[:2]), "text/csv")).run()
    assert at.metric[0].value == "2"  # another file: read and matched
    assert calls == {"read": 2, "preview": 2}


def test_a_batch_changed_meanwhile_is_matched_again_and_upload_still_refuses_it(
    calls: dict[str, int],
) -> None:
    quest, users = fresh_quest_and_users(4)
    draft = drafts.create_draft(cursor(), DEV, "Changed under the window", quest)
    at = window(draft)
    at.file_uploader[0].set_value(("people.csv", ids_file(users[:3]), "text/csv")).run()
    assert calls == {"read": 1, "preview": 1}

    add_one.add_single(cursor(), DEV, draft, "id", str(users[3]))  # another tab adds a user
    at.button(key="t_confirm").click().run()
    assert not at.exception
    assert any("given more users by dev" in e.value for e in at.error)  # refused in words
    assert query("SELECT n_users FROM batches WHERE id = ?", [draft]) == [(1,)]
    assert calls == {"read": 1, "preview": 1}  # the click reused what it had shown

    # The tab draws the batch again (its new version): the same file is matched again.
    del at.session_state["drawn"]
    at.run()
    assert calls == {"read": 2, "preview": 2}
    at.button(key="t_confirm").click().run()
    assert not at.exception
    assert query("SELECT n_users FROM batches WHERE id = ?", [draft]) == [(4,)]
    assert calls == {"read": 2, "preview": 2}  # "Upload" did not read nor preview it again
    assert at.success[0].value.startswith("3 users added to the batch. 1 row not added")


def test_a_draft_shows_a_page_of_its_users_searched_and_counted_as_a_whole() -> None:
    quest, users = fresh_quest_and_users(260)
    draft = drafts.create_draft(cursor(), DEV, "Many users", quest)
    add_file.add_upload(cursor(), DEV, draft, intake.read_upload(ids_file(users), "all.csv"))
    at = app_as("dev", NEW, draft=str(draft)).run()
    assert not at.exception
    assert any(s.value == "Users (260 of 5,000)" for s in at.subheader)
    table = next(d for d in at.dataframe if "user_id" in d.value.columns)
    assert len(table.value) == 250  # a page, not every user
    assert any("260 matching users" in c.value for c in at.caption)

    at = app_as("dev", NEW, draft=str(draft), upage="2").run()
    table = next(d for d in at.dataframe if "user_id" in d.value.columns)
    assert len(table.value) == 10

    name = query("SELECT username FROM platform_users WHERE id = ?", [users[7]])[0][0]
    at = app_as("dev", NEW, draft=str(draft), user_search=name).run()
    table = next(d for d in at.dataframe if "user_id" in d.value.columns)
    assert str(users[7]) in list(table.value["user_id"])
    assert any(s.value == "Users (260 of 5,000)" for s in at.subheader)  # the draft's count
