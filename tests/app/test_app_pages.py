"""AppTest: the logic of the batch list, New Batch and batch detail pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import words
from pages.ui import formatting
from tests.support.apptest import app_as, serve_demo_store
from tests.support.store import sql_view

LIST = "pages/screens/batch_list.py"
NEW = "pages/screens/new_batch.py"
DETAIL = "pages/screens/batch_detail.py"


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("pages"))


def query(sql: str, params: list | None = None) -> list[tuple]:
    """Read the demo store through the app's own connection (one per process)."""
    from pages.web import runtime

    return sql_view(runtime.unit_of_work()).execute(sql, params or []).fetchall()


def batch_with_status(status: str) -> tuple[int, str]:
    return query("SELECT id, name FROM batches WHERE status = ? ORDER BY id LIMIT 1", [status])[0]


def test_the_list_reads_its_filters_from_the_url_and_shows_them_as_chips() -> None:
    at = app_as("analyst", LIST, status="published", sort="name").run()
    assert not at.exception
    status = next(m for m in at.multiselect if m.label == words.STATUS)
    assert status.value == ["published"]
    chip_labels = [b.label for b in at.button if b.key and b.key.startswith("chip_")]
    assert f"{words.STATUS}: {words.PUBLISHED}" in chip_labels
    assert "Clear all" in chip_labels


def test_a_bad_value_in_a_shared_link_is_left_out_with_a_note() -> None:
    at = app_as("analyst", LIST, created="yesterday", status="published").run()
    assert not at.exception
    assert any("created=yesterday" in w.value for w in at.warning)
    assert [b.label for b in at.button if b.key == "chip_status:published"]


def test_removing_a_chip_changes_the_url() -> None:
    at = app_as("analyst", LIST, status="published", name="spring").run()
    at.button(key="chip_status:published").click().run()
    assert at.query_params.get("status") in (None, [])
    assert at.query_params["name"] == "spring"


def test_an_analyst_sees_no_create_batch_button_but_admins_do() -> None:
    analyst = app_as("analyst", LIST).run()
    assert words.CREATE_BATCH not in [b.label for b in analyst.button]
    admin = app_as("admin", LIST).run()
    assert words.CREATE_BATCH in [b.label for b in admin.button]


def test_drafts_are_listed_only_for_who_may_see_them() -> None:
    analyst = app_as("analyst", LIST, status="draft").run()
    assert any("Draft" in w.value for w in analyst.warning)  # the link's status is left out
    admin = app_as("admin", LIST, status="draft").run()
    assert not admin.warning


def grid_columns(at) -> dict:
    """The batch grid's column settings, as the page sent them."""
    return json.loads(at.dataframe[0].proto.columns)


def test_the_list_is_one_grid_sorted_as_the_url_says_with_an_arrow_on_that_header() -> None:
    at = app_as("analyst", LIST, sort="users:desc").run()
    assert not at.exception
    assert len(at.dataframe) == 1
    rows = at.dataframe[0].value
    assert list(rows["users"]) == sorted(rows["users"], reverse=True)
    headers = {field: c.get("label") for field, c in grid_columns(at).items()}
    assert headers["users"] == f"{words.USERS} ▼"
    assert headers["name"] == words.TITLE
    assert headers["created_by"] == words.CREATED_BY


def test_rows_offer_edit_to_editors_and_view_to_analysts() -> None:
    assert set(app_as("analyst", LIST).run().dataframe[0].value["open"]) == {words.VIEW}
    assert set(app_as("dev", LIST).run().dataframe[0].value["open"]) == {words.EDIT}


def test_rows_per_page_is_chosen_on_the_page_and_kept_in_the_url() -> None:
    at = app_as("admin", LIST).run()
    assert len(at.dataframe[0].value) == 25
    next(s for s in at.selectbox if s.label == "Rows per page").set_value(50).run()
    assert at.query_params["size"] == "50"
    assert len(at.dataframe[0].value) == 50


def test_a_running_batch_shows_its_percentage_and_a_bar() -> None:
    at = app_as("admin", LIST, status="in_progress").run()
    rows = at.dataframe[0].value
    assert len(rows) > 0
    assert all(re.fullmatch(r"In Progress \(\d+%\)", s) for s in rows["status"])
    assert grid_columns(at)["progress"]["type_config"]["type"] == "progress"


def test_an_edit_click_leaves_the_list_for_that_batch() -> None:
    batch_id, _name = batch_with_status("published")
    at = app_as("admin", LIST).run()
    at.session_state["open_batch"] = batch_id  # what the row's Edit button callback records
    at.run()
    # The browser is sent to /batch?id=N (a plain navigation, checked in the browser tests):
    # this run stops before drawing the list again.
    assert not at.exception
    assert "open_batch" not in at.session_state
    assert len(at.dataframe) == 0


def test_a_name_too_long_to_search_is_refused_in_words_not_a_traceback() -> None:
    at = app_as("analyst", LIST).run()
    at.text_input(key=next(t.key for t in at.text_input if t.label == words.BATCH_NAME)).input(
        "x" * 300
    )
    next(b for b in at.button if b.label == words.SEARCH).click().run()
    assert not at.exception
    assert any("200" in w.value for w in at.warning)
    assert "name" not in at.query_params


def test_a_date_search_without_a_date_says_what_is_missing() -> None:
    at = app_as("analyst", LIST).run()
    at.button(key="date_search").click().run()
    assert not at.exception
    assert any("Pick a whole date" in w.value for w in at.warning)


def test_new_batch_asks_for_a_name_and_a_quest_before_saving_a_draft() -> None:
    at = app_as("dev", NEW).run()
    assert not at.exception
    assert at.subheader[0].value == words.CONNECT_BADGE_AND_USERS
    assert "saved as a draft" in at.info[0].value
    publish = next(b for b in at.button if b.label == words.PUBLISH)
    assert publish.disabled


def test_a_name_and_a_quest_save_a_draft_and_put_it_in_the_url() -> None:
    at = app_as("dev", NEW).run()
    at.text_input(key="name_None").input("AppTest draft").run()
    quest_id = query(
        "SELECT q.id FROM quests q JOIN badges b ON b.id = q.badge_id "
        "WHERE b.name = 'Mentor' AND q.name = 'Answer a question'"
    )[0][0]
    at.session_state["quest_None_popover"] = True  # the user opens the picker: its quests draw
    at.run()
    at.button(key=f"quest_None_q{quest_id}").click().run()
    at.run()
    assert not at.exception
    draft = at.query_params["draft"]
    assert query("SELECT name, status, created_by FROM batches WHERE id = ?", [int(draft)]) == [
        ("AppTest draft", "draft", "dev")
    ]
    assert at.radio(key=f"add_{draft}_type").options == [words.MULTIPLE, words.SINGLE]


def test_a_draft_link_of_another_user_is_refused_in_plain_words() -> None:
    draft = query("SELECT id FROM batches WHERE status = 'draft' AND created_by = 'admin' LIMIT 1")
    if not draft:
        pytest.skip("the demo has no admin draft")  # pragma: no cover - demo data always has one
    at = app_as("dev", NEW, draft=str(draft[0][0])).run()
    assert not at.exception
    assert at.error


def test_the_detail_of_a_running_batch_disables_adding_and_says_why() -> None:
    batch_id, _name = batch_with_status("in_progress")
    at = app_as("admin", DETAIL, id=str(batch_id)).run()
    assert not at.exception
    assert at.radio(key="add_disabled").disabled
    said = [c.value for c in at.caption if words.ADD_REQUIRES_PUBLISHED in c.value]
    assert len(said) == 1
    # The live status, percentage included (the browser test follows it as the batch runs).
    assert re.search(r"This batch is “In Progress \(\d+%\)”\.$", said[0]), said[0]


def test_the_detail_of_a_published_batch_offers_both_upload_types() -> None:
    batch_id, name = batch_with_status("published")
    at = app_as("dev", DETAIL, id=str(batch_id)).run()
    assert at.title[0].value == formatting.md(name)  # shown literally, never as markdown
    assert at.radio(key=f"detail_{batch_id}_type").options == [words.MULTIPLE, words.SINGLE]
    counts = {m.label: m.value for m in at.metric}
    assert counts[words.ERROR] == "0"
    assert int(counts[words.PUBLISHED].replace(",", "")) > 0


def test_retry_errors_is_offered_for_a_partially_published_batch_only_to_editors() -> None:
    batch_id, _name = batch_with_status("partially_published")
    admin = app_as("admin", DETAIL, id=str(batch_id)).run()
    assert words.RETRY_ERRORS in [b.label for b in admin.button]
    analyst = app_as("analyst", DETAIL, id=str(batch_id)).run()
    assert words.RETRY_ERRORS not in [b.label for b in analyst.button]
    assert not [r for r in analyst.radio if r.label == words.UPLOAD_TYPE]


def test_a_detail_link_without_a_valid_id_says_how_to_get_one() -> None:
    at = app_as("analyst", DETAIL, id="abc").run()
    assert "Open a batch from the list" in at.error[0].value
    at = app_as("analyst", DETAIL, id="999999").run()
    assert "no batch" in at.error[0].value.lower()


def test_reading_pages_writes_nothing() -> None:
    before = query("SELECT count(*), max(id) FROM audit_log")
    app_as("analyst", LIST).run()
    app_as("analyst", DETAIL, id=str(batch_with_status("published")[0])).run()
    assert query("SELECT count(*), max(id) FROM audit_log") == before


def test_user_text_is_escaped_so_markdown_in_a_name_shows_literally() -> None:
    name = "**bold** [link](http://evil.example) <b>x</b>"
    escaped = formatting.md(name)
    assert "\\*\\*bold\\*\\*" in escaped
    assert "\\[link\\]\\(http" in escaped
    assert "\\<b\\>" in escaped
