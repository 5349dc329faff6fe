"""In a real browser: the batch list's filters, chips, sorting, shared URLs and the Edit link."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core import words
from tests.support import grid
from tests.support.browser import Server, wait_idle


@pytest.fixture(params=["duckdb", "postgres"])
def server(request: pytest.FixtureRequest, server: Server) -> Server:
    """Each list test runs on the app over DuckDB and over PostgreSQL (the same demo data)."""
    return server if request.param == "duckdb" else request.getfixturevalue("pg_server")


def open_list(page: Page, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/batch-unlock{query}")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.BATCH_UNLOCK)).to_be_visible()


def test_filtering_by_status_adds_a_removable_chip(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server)
    page.get_by_test_id("stMultiSelect").filter(has_text=words.STATUS).click()
    page.get_by_role("option", name=words.PUBLISHED, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"status=published"))
    chip = page.get_by_role("button", name=f"{words.STATUS}: {words.PUBLISHED}")
    expect(chip).to_be_visible()
    grid.wait_column(page, "status", lambda t: set(t) == {words.PUBLISHED}, "all Published")
    chip.click()
    wait_idle(page)
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(page.get_by_role("button", name=f"{words.STATUS}: {words.PUBLISHED}")).to_have_count(0)


def test_a_batch_name_search_runs_on_enter(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server)
    page.get_by_label(words.BATCH_NAME).fill("spring")
    page.get_by_label(words.BATCH_NAME).press("Enter")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"name=spring"))
    grid.wait_column(page, "name", lambda t: all("spring" in n.lower() for n in t), "springs")
    expect(page.get_by_role("button", name=f"{words.BATCH_NAME}: spring")).to_be_visible()


def test_checking_a_badge_checks_all_its_quests_and_filters_by_them(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    open_list(page, server)
    page.get_by_test_id("stPopoverButton").filter(has_text=words.BADGE).click()
    page.get_by_role("checkbox", name="Explorer", exact=True).check(force=True)
    wait_idle(page)
    # Expand the badge (its arrow), inside the open popover.
    page.get_by_test_id("stPopoverBody").locator("summary").get_by_text(
        "Explorer", exact=True
    ).click()
    for quest in ("Visit 10 pages", "Visit 100 pages", "Visit every section"):
        expect(page.get_by_role("checkbox", name=quest)).to_be_checked()
    page.keyboard.press("Escape")
    page.locator(".st-key-badge_search button").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"badge=\d+"))
    expect(page.get_by_role("button", name=f"{words.BADGE}: Explorer")).to_be_visible()
    grid.wait_column(page, "badge", lambda t: set(t) == {"Explorer"}, "all Explorer")


def test_date_filters_work_with_each_operator(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server)
    newest_day = grid.cell(page, 0, "created_at")[:10]
    day = date.fromisoformat(newest_day)
    cases = [
        ("=", day, lambda d: d == day),
        ("<", day, lambda d: d < day),
        (">", day - timedelta(days=30), lambda d: d > day - timedelta(days=30)),
    ]
    for op, when, holds in cases:
        open_list(page, server, f"?created={op}{when.isoformat()}")
        expect(
            page.get_by_role("button", name=re.compile(f"^{words.CREATED_AT}: "))
        ).to_contain_text(f"{words.DATE_OPERATORS[op]} {when.isoformat()}")
        days = [date.fromisoformat(d[:10]) for d in grid.column(page, "created_at")]
        assert days and all(holds(d) for d in days), (op, days)


def test_the_date_picker_and_operator_set_the_filter(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server)
    page.get_by_text(words.MORE_FILTERS).click()
    operator = page.get_by_role("combobox", name=f"{words.CREATED_AT} operator")
    expect(operator).to_be_visible()
    # The expander slides open: a dropdown opened while it moves is drawn again and closes.
    still_at = None
    while (box := operator.bounding_box()) != still_at:
        still_at = box
        page.wait_for_timeout(150)
    operator.fill("Before")  # typing filters the dropdown's options
    page.get_by_role("option", name=words.OP_BEFORE).click()
    wait_idle(page)
    expect(operator).to_have_value(words.OP_BEFORE)
    # The date field is typed segment by segment (year, month, day), as a person would.
    page.get_by_role("spinbutton", name=f"year, {words.CREATED_AT}").click()
    page.keyboard.type("20261001")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator(".st-key-date_search button").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"created=%3C2026-10-01|created=<2026-10-01"))
    expect(
        page.get_by_role("button", name=f"{words.CREATED_AT}: {words.OP_BEFORE} 2026-10-01")
    ).to_be_visible()


def test_clicking_title_sorts_the_whole_list_and_a_shared_url_restores_the_view(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    open_list(page, server)
    grid.click_header(page, "name")
    expect(page).to_have_url(re.compile(r"sort=name(&|$)"))
    names = grid.wait_column(page, "name", lambda t: t == sorted(t, key=str.lower), "A to Z")
    # The whole list is sorted, not just the page shown: page 2 goes on from page 1.
    page.goto(f"{server.url}/batch-unlock?sort=name&page=2")
    wait_idle(page)
    assert all(t.lower() >= names[-1].lower() for t in grid.column(page, "name"))
    grid.click_header(page, "name")  # again: descending, back to the first page
    expect(page).to_have_url(re.compile(r"sort=name%3Adesc$|sort=name:desc$"))
    descending = grid.wait_column(
        page, "name", lambda t: t == sorted(t, key=str.lower, reverse=True), "Z to A"
    )
    # Each click flips the order, as a person sees it (waiting for the rows each time).
    grid.click_header(page, "name")
    expect(page).to_have_url(re.compile(r"sort=name$"))
    grid.wait_column(page, "name", lambda t: t == sorted(t, key=str.lower), "A to Z again")
    grid.click_header(page, "name")
    expect(page).to_have_url(re.compile(r"sort=name%3Adesc$|sort=name:desc$"))
    grid.wait_column(page, "name", lambda t: t == descending, "Z to A again")
    shared = page.url
    page.goto(f"{server.url}/")  # elsewhere (the Badges page), then the shared link
    wait_idle(page)
    page.goto(shared)
    wait_idle(page)
    assert grid.column(page, "name")[:3] == descending[:3]


def test_edit_opens_the_batch_and_the_filtered_list_exports(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server, "?status=partially_published")
    name = grid.cell(page, 0, "name")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("ID;Title;Badge;Quest;Users")
    assert all("Partially published" in line for line in text.strip().splitlines()[1:])
    assert grid.cell(page, 0, "open") == words.EDIT
    grid.click_open(page, 0)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text(words.PARTIALLY_PUBLISHED).first).to_be_visible()
    # Back returns to the filtered list, not to an unfiltered one.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/batch-unlock\?status=partially_published$"))
    wait_idle(page)
    grid.wait_column(page, "status", lambda t: set(t) == {words.PARTIALLY_PUBLISHED}, "partial")
    # So does the batch page's own link back.
    grid.click_open(page, 0)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+&back=status%3Dpartially_published$"))
    page.get_by_role("link", name=words.BACK_TO.format(page=words.BATCH_UNLOCK)).click()
    expect(page).to_have_url(re.compile(r"/batch-unlock\?status=partially_published$"))
    wait_idle(page)
    grid.wait_column(page, "status", lambda t: set(t) == {words.PARTIALLY_PUBLISHED}, "partial")
