"""In a real browser, with the publisher throttled to 1 unlock a second: Publish asks first and
names what it does; Back after Publish never shows an empty form; a draft's link is in the
address bar; a role without a page is told so; the batch page's refusal follows the live status.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from core import words
from pages.ui import users_grid
from tests.browser.test_new_batch import start_draft
from tests.support.browser import PASSWORDS, Server, log_in, wait_idle
from tests.support.browser_actions import confirm_publish, upload


def metric(scope: Locator, label: str) -> Locator:
    """The metric whose label is exactly `label` ("Published", not "Unpublished")."""
    return scope.get_by_test_id("stMetric").filter(has_text=re.compile(rf"^{re.escape(label)}"))


def users_grid_box(page: Page) -> dict:
    frame = page.get_by_test_id("stDataFrame").first
    frame.scroll_into_view_if_needed()
    expect(frame.get_by_test_id("glide-cell-0-0")).to_be_attached()
    box = frame.bounding_box()
    assert box is not None
    return box


def click_users_header(page: Page, field: str) -> None:
    """Click a header of the batch page's users grid (widths from pages/ui/users_grid.py; no
    reason is longer than its column's minimum, and spare width is shared evenly)."""
    box = users_grid_box(page)
    sizes = [c.width for c in users_grid.COLUMNS]
    spare = max(0.0, (box["width"] - 2 - sum(sizes)) / len(sizes))
    i = [c.field for c in users_grid.COLUMNS].index(field)
    x = box["x"] + 1 + sum(sizes[:i]) + spare * i + (sizes[i] + spare) / 2
    page.mouse.click(x, box["y"] + 35 / 2)


def users_rows(page: Page, column: int) -> Locator:
    """The users grid's readable cells of one column (0 = User ID), top to bottom."""
    return (
        page.get_by_test_id("stDataFrame")
        .first.locator("table[role=grid] tbody tr")
        .locator(f"td:nth-child({column + 1})")
    )


def test_publish_names_what_it_does_cancel_queues_nothing_and_back_shows_the_batch(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, server.url, "dev", PASSWORDS["dev"])
    start_draft(page, server, "Confirm me", "First quest")
    upload(page, "ID\n900001\n900002\n900003\n")  # 900003 is deactivated: not added
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()
    draft_url = page.url

    page.get_by_role("button", name=words.PUBLISH).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text(
        "Unlock Browser tests › First quest for 2 users? This cannot be undone from here."
    )
    expect(dialog.locator("em")).to_have_text("Browser tests › First quest")  # our emphasis
    expect(metric(dialog, words.UNPUBLISHED)).to_contain_text("2")
    expect(metric(dialog, words.ERROR)).to_contain_text("0")

    dialog.get_by_role("button", name="Cancel").click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)
    expect(page).to_have_url(draft_url)
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()
    expect(page.get_by_text("was queued")).to_have_count(0)
    page.reload()  # still a draft: nothing was queued
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.NEW_BATCH)).to_be_visible()
    expect(page.get_by_label(words.NAME)).to_have_value("Confirm me")

    confirm_publish(page)
    expect(page).to_have_url(re.compile(r"/batch-unlock"))
    expect(page.get_by_text(re.compile(r"^“Confirm me” was queued"))).to_be_visible()

    # Back: the draft's link, which is now a published batch's page (never an empty form).
    page.go_back()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Confirm me")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+"))
    expect(page.get_by_text(words.CONNECT_BADGE_AND_USERS)).to_have_count(0)


def test_the_refusal_to_add_users_follows_the_live_status(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    start_draft(page, server, "Live refusal", "Second quest")
    upload(page, "ID\n900004\n900006\n900007\n900008\n900009\n")
    expect(page.get_by_text("Users (5 of 5,000)")).to_be_visible()
    batch_id = re.search(r"draft=(\d+)", page.url)[1]
    confirm_publish(page)
    expect(page).to_have_url(re.compile(r"/batch-unlock"))

    page.goto(f"{server.url}/batch?id={batch_id}")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Live refusal")).to_be_visible()
    refusal = page.get_by_text(re.compile(r"This batch is “(Unpublished|In Progress \(\d+%\))”\."))
    expect(refusal).to_be_visible(timeout=15_000)
    first = refusal.inner_text()
    # Without a reload, the sentence moves on with the batch (a later status or percentage),
    # then the add tools come back. Each sentence in between is not awaited: on a loaded machine
    # the publisher (1 user a second) can finish between two redraws (CI went from the first
    # sentence to "Published"); that the page gets there on its own is what this shows. So the
    # first sentence is awaited gone, whether a later one or the add tools took its place.
    expect(page.get_by_text(first, exact=True)).to_have_count(0, timeout=20_000)
    expect(page.get_by_role("radio", name=words.MULTIPLE)).to_be_enabled(timeout=30_000)
    expect(page.get_by_text(words.ADD_REQUIRES_PUBLISHED)).to_have_count(0)
    expect(page.get_by_text("a chunk of up to 1 at a time")).to_be_visible()

    # A header click sorts the whole list by that column (again: reversed), kept in the URL.
    click_users_header(page, "username")
    expect(page).to_have_url(re.compile(r"usort=username"), timeout=10_000)
    names = ["kim.csv", "max.stayer", "nia.later", "ole.later", "sam.single.browser"]
    expect(users_rows(page, 1)).to_have_text(names)
    click_users_header(page, "username")
    expect(page).to_have_url(re.compile(r"udesc=1"), timeout=10_000)
    expect(users_rows(page, 1)).to_have_text(names[::-1])

    # The history reads as sentences, in the viewer's format.
    history = page.get_by_test_id("stDataFrame").last
    history.scroll_into_view_if_needed()
    expect(history.locator("table[role=grid]")).to_contain_text(
        "5 users added from “users.csv” via CSV upload."
    )
    expect(history.locator("table[role=grid]")).not_to_contain_text("user(s)")


def test_a_draft_opened_from_your_drafts_has_its_link_in_the_address_bar(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    page.goto(f"{server.url}/new-batch")
    wait_idle(page)
    page.get_by_text(re.compile(r"^Your drafts \(\d+\)$")).click()
    page.get_by_role("button", name=re.compile(r"^Has a leaver · ")).click()
    wait_idle(page)

    expect(page).to_have_url(re.compile(r"/new-batch\?draft=\d+$"))
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_label(words.NAME)).to_have_value("Has a leaver")
    page.reload()
    wait_idle(page)
    expect(page.get_by_label(words.NAME)).to_have_value("Has a leaver")
    expect(page.get_by_text("Users (2 of 5,000)")).to_be_visible()


def test_an_analyst_opening_new_batch_is_told_their_role_cannot_create_batches(
    page: Page, throttled_server: Server
) -> None:
    server = throttled_server
    log_in(page, f"{server.url}/new-batch", "analyst", PASSWORDS["analyst"])
    expect(page.get_by_text("Your role (analyst) cannot create batches.")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/new-batch"))
    page.get_by_role("link", name=f"Back to {words.BATCH_UNLOCK}").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.BATCH_UNLOCK)).to_be_visible()
