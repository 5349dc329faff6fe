"""In a real browser, with the publisher throttled to 1 unlock a second: publish a batch built in
the UI and watch it run; a deactivated user ends in "Error"; add users to a published batch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core import words
from tests.browser.test_new_batch import start_draft
from tests.support import grid
from tests.support.browser import PASSWORDS, Server, choose_upload_type, log_in, wait_idle
from tests.support.browser_actions import confirm_publish, upload

FIVE_USERS = "ID\n900001\n900002\n900004\n900006\n900010\n"


@pytest.fixture(params=["duckdb", "postgres"], scope="module")
def throttled_server(request: pytest.FixtureRequest) -> Server:
    """Each test runs on the throttled app over DuckDB and over PostgreSQL."""
    name = "duckdb_throttled_server" if request.param == "duckdb" else "pg_throttled_server"
    return request.getfixturevalue(name)


def metric(page: Page, label: str) -> Locator:
    """The metric whose label is exactly `label` ("Published", not "Unpublished")."""
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )


def test_a_published_batch_moves_through_in_progress_to_published(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, server.url, "dev", PASSWORDS["dev"])
    start_draft(page, server, "Browser publish batch", "Second quest")
    upload(page, FIVE_USERS)
    expect(page.get_by_text("Users (5 of 5,000)")).to_be_visible()

    confirm_publish(page)  # Publish, then the confirmation's own Publish
    expect(page).to_have_url(re.compile(r"/batch-unlock"))
    expect(page.get_by_text(re.compile(r"queued|publishing", re.I)).first).to_be_visible()
    name = "Browser publish batch"
    grid.wait_for_cell(page, name, "status", r"^In Progress \(\d+%\)$", timeout=15)
    row = grid.wait_for_cell(page, name, "status", f"^{words.PUBLISHED}$", timeout=30)
    assert grid.cell(page, row, "progress") == "100"

    grid.click_open(page, row)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Browser publish batch")).to_be_visible()
    published = metric(page, words.PUBLISHED)
    expect(published).to_contain_text("5")
    expect(metric(page, words.ERROR)).to_contain_text("0")

    # A published batch takes more users: one by User ID, then a file; it runs again each time.
    choose_upload_type(page, words.SINGLE)
    page.get_by_role("textbox", name=words.USER_ID).fill("900007")
    # Enter adds (as "Add" does): the batch then runs again and its 1-second polling redraws
    # the add tools, so a click on "Add" right after could chase a button being replaced.
    page.get_by_role("textbox", name=words.USER_ID).press("Enter")
    wait_idle(page)
    expect(metric(page, words.PUBLISHED)).to_contain_text("6", timeout=20_000)
    page.reload()
    wait_idle(page)
    choose_upload_type(page, words.MULTIPLE)
    upload(page, "Username\nole.later\nkim.csv\n")
    # While it runs, the add tools are off and say why; two users at 1 a second can be done
    # before a loaded machine draws the page again, so the finished batch also passes here (the
    # running state itself is held by tests/browser/test_publish_confirm_and_detail.py).
    running = page.get_by_text(words.ADD_REQUIRES_PUBLISHED)
    expect(running.or_(metric(page, words.PUBLISHED).filter(has_text="8"))).to_be_visible(
        timeout=10_000
    )
    expect(metric(page, words.PUBLISHED)).to_contain_text("8", timeout=30_000)
    page.reload()
    wait_idle(page)
    expect(page.get_by_text(words.UPLOAD_TYPE)).to_be_visible()
    expect(page.get_by_role("radio", name=words.MULTIPLE)).to_be_enabled()

    wait_idle(page)
    export = page.get_by_role("button", name="Export users CSV")
    try:
        with page.expect_download(timeout=15_000) as download:
            export.click()
        saved = download.value
    except PlaywrightTimeoutError:
        # A click that lands as a run redraws the button asks for a file id that run revoked:
        # nothing starts, and Streamlit's button stays disabled, waiting (CI: 30 s more). As a
        # user would, reload the page and click its new button.
        page.reload()
        wait_idle(page)
        with page.expect_download() as download:
            export.click()
        saved = download.value
    lines = Path(saved.path()).read_text(encoding="utf-8-sig").strip().splitlines()
    assert lines[0].startswith("User ID;Username;Email;Status;Reason")
    assert len(lines) == 9
    assert all(";Published;" in line for line in lines[1:])


def test_a_batch_with_a_deactivated_user_ends_partially_published(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    page.goto(f"{server.url}/batch-unlock?status=draft&name=leaver")
    wait_idle(page)
    row = grid.wait_for_cell(page, "Has a leaver", "status", f"^{words.DRAFT}$")
    grid.click_open(page, row)
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.NEW_BATCH)).to_be_visible()
    confirm_publish(page)  # Publish, then the confirmation's own Publish
    page.goto(f"{server.url}/batch-unlock?name=leaver")
    wait_idle(page)
    row = grid.wait_for_cell(
        page, "Has a leaver", "status", f"^{words.PARTIALLY_PUBLISHED}$", timeout=20
    )
    grid.click_open(page, row)
    wait_idle(page)
    expect(metric(page, words.ERROR)).to_contain_text("1")
    expect(page.get_by_text("deactivated after being added").first).to_be_visible()
    expect(page.get_by_role("button", name=words.RETRY_ERRORS)).to_be_visible()
    expect(page.get_by_text(words.ADD_REQUIRES_PUBLISHED)).to_be_visible()
