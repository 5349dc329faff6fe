"""In a real browser: no edit on New Batch is lost or made behind the admin's back.

A rename typed but not applied is what Publish publishes; a quest change that removes users says
so first; a second tab showing an older draft is refused in words and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from core import words
from tests.browser.test_new_batch import start_draft
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
from tests.support.browser_actions import confirm_publish

HOLDER = "900001"  # tess.browser: holds "Second quest" before these tests start


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def holder_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """An app on demo data where tess.browser (900001) already holds "Second quest".

    Over DuckDB, and over PostgreSQL (whose transactions refuse a stale write the same way).
    """
    tmp = tmp_path_factory.mktemp("trust")
    database = request.getfixturevalue("pg_stores").url() if request.param == "postgres" else None
    db, quests = _prepare(tmp, database)
    published_batch(db, "Earlier", quests["Second quest"], HOLDER)
    proc, srv = _start(tmp, db, quests)
    yield srv
    _stop(proc)


@pytest.fixture
def admin(page: Page, holder_server: Server) -> Page:
    """A page logged in as the demo admin."""
    log_in(page, holder_server.url, "admin", PASSWORDS["admin"])
    return page


def add_by_id(page: Page, user_id: str) -> None:
    """Add one user with "Single" by User ID (Single must be chosen already)."""
    field = page.get_by_role("textbox", name=words.USER_ID)
    field.fill(user_id)
    field.press("Enter")
    page.get_by_role("button", name=words.ADD, exact=True).click()
    wait_idle(page)


def alert(page: Page, text: str) -> Locator:
    """The error alert that contains `text`."""
    return page.get_by_test_id("stAlertContentError").filter(has_text=text)


def test_publish_publishes_the_name_typed_without_enter_and_an_empty_name_blocks_it(
    admin: Page, holder_server: Server
) -> None:
    page = admin
    start_draft(page, holder_server, "X OLD", "First quest")
    choose_upload_type(page, words.SINGLE)
    add_by_id(page, "900002")
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()
    publish = page.get_by_role("button", name=words.PUBLISH)
    name = page.get_by_role("textbox", name=words.NAME, exact=True)

    name.fill("")
    name.press("Enter")
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentError").first).to_contain_text("has no name")
    expect(publish).to_be_disabled()
    name.fill("X OLD")
    name.press("Enter")
    wait_idle(page)
    expect(publish).to_be_enabled()

    name.fill("X NEW")
    expect(page.get_by_test_id("InputInstructions").first).to_contain_text("Press Enter to apply")
    publish.click()  # without Enter: leaving the field commits it as Publish is pressed
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_contain_text("Published as “X NEW”.")  # the confirmation names it
    dialog.get_by_role("button", name=words.PUBLISH).click()
    wait_idle(page)

    expect(page).to_have_url(re.compile(r"/batch-unlock"))
    expect(page.get_by_text(re.compile(r"^“X NEW” was queued"))).to_be_visible()
    expect(page.get_by_text("X OLD")).to_have_count(0)


def test_a_quest_change_that_removes_a_user_says_so_first_and_reports_after(
    admin: Page, holder_server: Server
) -> None:
    page = admin
    start_draft(page, holder_server, "Quest switch", "First quest")
    choose_upload_type(page, words.SINGLE)
    add_by_id(page, HOLDER)
    add_by_id(page, "900006")  # 900002 holds "First quest" since the first test
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()

    # The draft's badge is open in the dropdown already: pick its other quest.
    page.get_by_role("button", name=re.compile(r"^Badge: ")).click()
    page.get_by_role("button", name="Second quest", exact=True).click()
    wait_idle(page)

    expect(
        page.get_by_text(
            "1 user already holds “Browser tests › Second quest” and will be removed from this "
            f"draft (a quest is never unlocked twice): {HOLDER} (tess.browser)."
        )
    ).to_be_visible()
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()  # nothing changed yet
    expect(page.get_by_role("button", name="Badge: Browser tests › First quest")).to_be_visible()

    page.get_by_role("button", name="Change the quest and remove 1 user").click()
    wait_idle(page)

    expect(
        page.get_by_text(
            "The badge quest is now “Browser tests › Second quest”. 1 user who already held it "
            f"was removed: {HOLDER} (tess.browser)."
        )
    ).to_be_visible()
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()
    expect(page.get_by_role("button", name="Badge: Browser tests › Second quest")).to_be_visible()
    expect(page.get_by_text("was added to the batch")).to_have_count(0)


def test_a_second_tab_showing_an_older_draft_is_refused_in_words_and_changes_nothing(
    admin: Page, holder_server: Server
) -> None:
    tab_a = admin
    start_draft(tab_a, holder_server, "Two tabs", "Third quest")
    tab_b = tab_a.context.new_page()
    tab_b.goto(tab_a.url)
    wait_idle(tab_b)
    expect(tab_b.get_by_text("Users (0 of 5,000)")).to_be_visible()
    choose_upload_type(tab_b, words.SINGLE)

    # A adds a user; B, still showing no user, deletes the draft: refused, nothing deleted.
    choose_upload_type(tab_a, words.SINGLE)
    add_by_id(tab_a, "900004")
    tab_b.get_by_text("Delete this draft").click()
    tab_b.get_by_role("button", name="Delete draft").click()
    wait_idle(tab_b)
    refusal = alert(tab_b, "This batch was given more users by admin at")
    expect(refusal).to_contain_text("so nothing was changed", timeout=15_000)
    expect(tab_b.get_by_text("Users (1 of 5,000)")).to_be_visible()  # drawn again as it is now
    expect(tab_b).to_have_url(re.compile(r"draft=\d+"))

    # A publishes; B, still on New Batch (Single still chosen), adds a user: refused, nothing
    # added or unlocked.
    confirm_publish(tab_a)
    expect(tab_a.get_by_text(re.compile(r"^“Two tabs” was queued"))).to_be_visible()
    add_by_id(tab_b, "900006")
    expect(alert(tab_b, "This batch was published by admin at")).to_be_visible(timeout=15_000)
    expect(tab_b.get_by_text("was added to the batch")).to_have_count(0)

    # B presses "Delete draft" on the published batch: refused in words, not dropped.
    if not tab_b.get_by_role("button", name="Delete draft").is_visible():
        tab_b.get_by_text("Delete this draft").click()
    tab_b.get_by_role("button", name="Delete draft").click()
    wait_idle(tab_b)
    expect(alert(tab_b, "This batch was published by admin at")).to_be_visible(timeout=15_000)
    # Drawn again as it is now (published: no "Delete draft"), after the refusal shows.
    expect(tab_b.get_by_role("button", name="Delete draft")).to_have_count(0, timeout=15_000)
    tab_b.get_by_role("link", name="Open “Two tabs”").click()
    wait_idle(tab_b)
    expect(tab_b.get_by_role("heading", name="Two tabs")).to_be_visible()
    expect(tab_b.get_by_text("Users (1)")).to_be_visible()
