"""In a real browser, two tabs: once one tab logs out, the other can no longer add users; and
"Log out everywhere" ends the account's sessions in other browsers too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core import words
from tests.support.browser import (
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    choose_upload_type,
    cli,
    log_in,
    wait_idle,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """The app on its own demo data, with the id of one of its Published batches."""
    tmp = tmp_path_factory.mktemp("logout")
    db, quests = _prepare(tmp)
    published = json.loads(cli(db, "batch", "list", "--status", "Published", "--json"))
    proc, server = _start(tmp, db, quests)
    yield server, published[0]["id"]
    _stop(proc)


def users_count(page: Page) -> int:
    """The batch page's "Users (N)" heading, as a number."""
    heading = page.get_by_role("heading", name=re.compile(r"^Users \(\d[\d,]*\)$"))
    expect(heading).to_be_visible()
    return int(re.sub(r"\D", "", heading.inner_text()))


def choose_single(page: Page) -> None:
    """Pick "Single" in the batch page's "Upload type"."""
    choose_upload_type(page, words.SINGLE)
    expect(page.get_by_role("textbox", name=words.USER_ID)).to_be_visible()


def try_to_add(page: Page, user_id: str) -> None:
    """Type a User ID in the Single form and press "Add" (no Enter: that alone is a run)."""
    page.get_by_role("textbox", name=words.USER_ID).fill(user_id)
    page.get_by_role("button", name=words.ADD, exact=True).click()


def expect_sent_to_login(page: Page) -> None:
    """The tab was told its session ended and went to the login form."""
    expect(page).to_have_url(re.compile(r"/login"), timeout=15_000)
    expect(page.get_by_label("Username")).to_be_visible()


def test_after_log_out_in_one_tab_the_other_tab_cannot_add_a_user(
    page: Page, context: BrowserContext, app: tuple[Server, int]
) -> None:
    server, batch_id = app
    batch_url = f"{server.url}/batch?id={batch_id}"
    log_in(page, batch_url, "dev", PASSWORDS["dev"])
    before = users_count(page)
    tab_b = context.new_page()  # the same browser: the same login cookie
    tab_b.goto(batch_url)
    wait_idle(tab_b)
    choose_single(tab_b)

    page.get_by_role("button", name=words.LOG_OUT, exact=True).click()
    expect(page).to_have_url(re.compile(r"/login"))

    try_to_add(tab_b, "900003")
    expect_sent_to_login(tab_b)

    log_in(page, batch_url, "dev", PASSWORDS["dev"])
    assert users_count(page) == before  # nobody was added, the batch was not queued again
    expect(page.get_by_role("radio", name=words.SINGLE)).to_be_enabled()


def test_log_out_everywhere_ends_the_session_of_another_browser(
    page: Page, browser: Browser, browser_context_args: dict, app: tuple[Server, int]
) -> None:
    server, batch_id = app
    batch_url = f"{server.url}/batch?id={batch_id}"
    log_in(page, batch_url, "dev", PASSWORDS["dev"])
    before = users_count(page)
    elsewhere = browser.new_context(**browser_context_args)  # another browser: its own login
    other = elsewhere.new_page()
    log_in(other, batch_url, "dev", PASSWORDS["dev"])
    choose_single(other)

    page.get_by_role("button", name=words.ACCOUNT).click()
    page.get_by_role("button", name=words.LOG_OUT_EVERYWHERE).click()
    expect(page).to_have_url(re.compile(r"/login"))

    try_to_add(other, "900004")
    expect_sent_to_login(other)
    elsewhere.close()

    log_in(page, batch_url, "dev", PASSWORDS["dev"])
    assert users_count(page) == before
