"""In a real browser: Enter adds a single user and clears the field, a refusal replaces the
confirmation, a user is added by email, and an upload's closing message points at a download
of the rows it did not add (merged duplicates left out)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core import words
from tests.browser.test_new_batch import UPLOAD, start_draft
from tests.support.browser import (
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    choose_upload_type,
    log_in,
    published_batch,
    wait_idle,
)
from tests.support.store import open_store

QUEST = "Third quest"  # no browser test on the shared server publishes it: nobody holds it


def banner(page: Page):
    """The text of the green confirmation at the top of the page (without its icon)."""
    return page.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")


def choose(page: Page, find_by: str) -> None:
    """Pick "Single", then what the user is found by."""
    choose_upload_type(page, words.SINGLE)
    page.get_by_role("radiogroup", name="Find the user by").get_by_text(find_by).click()
    wait_idle(page)


def test_enter_adds_clears_the_field_and_a_refusal_replaces_the_banner(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    start_draft(page, server, "Enter adds", QUEST)
    choose(page, words.USER_ID)
    field = page.get_by_role("textbox", name=words.USER_ID)

    field.fill("900001")
    field.press("Enter")  # no click on "Add"
    expect(banner(page)).to_have_text("tess.browser (User ID 900001) was added to the batch.")
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()
    expect(field).to_have_value("")

    field.fill("900003")
    field.press("Enter")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "ivy.inactive (User ID 900003) is deactivated"
    )
    expect(banner(page)).to_have_count(0)  # the confirmation was about the previous user
    expect(field).to_have_value("900003")  # kept, to be corrected
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()

    # A username typed and left to settle (its suggestions asked for), then Enter.
    choose(page, words.USERNAME)
    name_field = page.get_by_role("textbox", name=words.USERNAME)
    name_field.press_sequentially("max.stayer", delay=40)
    wait_idle(page)
    page.wait_for_timeout(600)  # past the live field's pause: its text is committed already
    wait_idle(page)
    name_field.press("Enter")
    expect(banner(page)).to_have_text("max.stayer (User ID 900006) was added to the batch.")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()
    expect(name_field).to_have_value("")


def test_a_user_is_added_by_registered_email(as_admin: Page, server: Server) -> None:
    page = as_admin
    start_draft(page, server, "Added by email", QUEST)
    choose(page, words.COL_EMAIL)
    field = page.get_by_role("textbox", name=words.COL_EMAIL)
    field.fill("  THEO.Browser@test.example ")
    page.get_by_role("button", name=words.ADD, exact=True).click()
    expect(banner(page)).to_have_text("theo.browser (User ID 900002) was added to the batch.")
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()
    expect(field).to_have_value("")

    field.fill("nobody@test.example")
    field.press("Enter")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "No user has the registered email “nobody@"  # then a word joiner: never a mail link
    )
    expect(banner(page)).to_have_count(0)


def test_the_upload_closing_message_points_at_a_download_of_the_rows_not_added(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    start_draft(page, server, "Closing message", QUEST)
    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "spring.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode()}]
    )
    wait_idle(page)
    expect(dialog.get_by_test_id("stMetric").nth(1)).to_contain_text("4")
    with page.expect_download() as in_dialog:
        dialog.get_by_role("button", name="Download the rows with errors").click()
    assert len(Path(in_dialog.value.path()).read_text("utf-8-sig").splitlines()) == 4
    dialog.get_by_role("button", name=words.UPLOAD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)

    expect(banner(page)).to_have_text(
        "2 users added to the batch. 3 rows not added: 1 not found, 1 user not found, "
        "1 deactivated. 1 duplicated row merged. To fix the 3 rows not added, download them "
        "with “Download the rows not added” on this page, then upload that file again."
    )
    download = page.get_by_role("button", name=re.compile(r"^Download the rows not added"))
    expect(download).to_contain_text("3 from “spring.csv”")
    with page.expect_download() as after:
        download.click()
    lines = Path(after.value.path()).read_text("utf-8-sig").splitlines()
    assert lines == [
        "ID;Username;Registered email;Reason",
        f"999999999;;;{words.MSG_NOT_FOUND}",
        "900003;;;This user is deactivated",
        f"900009;raj.csv;;{words.MSG_MISMATCH}: ID 900009 is kim.csv, the username belongs to "
        "ID 900010 (raj.csv).",
    ]  # row 5, the merged duplicate of row 2, is left out: its user was added


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """An app whose publisher unlocks 1 user a second, with a Published batch (nia.later)."""
    tmp = tmp_path_factory.mktemp("slow")
    db, quests = _prepare(tmp)
    batch_id = published_batch(db, "Published one", quests["First quest"], "900007")
    con = open_store(db)
    con.settings.put("publish_rate", "1")
    con.close()
    proc, srv = _start(tmp, db, quests)
    yield srv, batch_id
    _stop(proc)


def test_after_an_upload_to_a_published_batch_its_rows_not_added_stay_downloadable(
    page: Page, slow_server: tuple[Server, int]
) -> None:
    server, batch_id = slow_server
    log_in(page, f"{server.url}/batch?id={batch_id}", "admin", PASSWORDS["admin"])
    expect(page.get_by_role("heading", name="Published one")).to_be_visible()
    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "more.csv", "mimeType": "text/csv",
                "buffer": b"ID\n900001\n900002\n900004\n999999999\n900001\n"}]
    )  # fmt: skip
    wait_idle(page)
    expect(dialog.get_by_test_id("stMetric").first).to_contain_text("3")
    dialog.get_by_role("button", name=words.UPLOAD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)

    expect(banner(page)).to_have_text(
        "3 users added to the batch. 1 row not added: 1 not found. 1 duplicated row merged. To "
        "fix the 1 row not added, download it with “Download the rows not added” on this "
        "page, then upload that file again."
    )
    # Queued again (1 user a second): the add tools are off, the download is still there.
    expect(page.get_by_text(words.ADD_REQUIRES_PUBLISHED)).to_be_visible(timeout=10_000)
    download = page.get_by_role("button", name=re.compile(r"^Download the rows not added"))
    expect(download).to_contain_text("1 from “more.csv”")
    with page.expect_download() as file:
        download.click()
    assert Path(file.value.path()).read_text("utf-8-sig").splitlines() == [
        "ID;Username;Registered email;Reason",
        f"999999999;;;{words.MSG_NOT_FOUND}",
    ]
