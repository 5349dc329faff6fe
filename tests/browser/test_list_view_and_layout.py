"""In a real browser: one current view on the batch list (a sort survives the next filter and
Export follows it), the spec's menu path, the date filters' layout, a compact page that fits
1,100 px, and nothing fetched from another host or from a URL that does not exist."""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Locator, Page, Response, expect

from core import words
from pages.ui.batch_grid import ROW_HEIGHT
from pages.ui.text_width import fitting_width
from tests.support import grid
from tests.support.browser import Server, wait_idle


def open_list(page: Page, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/batch-unlock{query}")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.BATCH_UNLOCK)).to_be_visible()


def headers(page: Page) -> list[str]:
    """The grid's column headers as the browser shows them (the sort arrow included)."""
    return grid.grid(page).evaluate(
        "el => [...el.querySelectorAll('table[role=grid] thead th')].map(th => th.textContent)"
    )


def a_to_z(texts: list[str]) -> bool:
    return texts == sorted(texts, key=str.lower)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def pick_status(page: Page, word: str) -> None:
    page.get_by_test_id("stMultiSelect").filter(has_text=words.STATUS).click()
    page.get_by_role("option", name=word, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def settled_box(locator: Locator) -> dict[str, float]:
    """A bounding box once it stops moving (an expander or popover slides open)."""
    last = None
    while (now := box(locator)) != last:
        last = now
        locator.page.wait_for_timeout(150)
    return now


def no_sideways_scroll(frame: Locator) -> bool:
    """Tell whether a data grid shows all its columns without scrolling sideways."""
    return frame.evaluate(
        """el => {
            const s = el.querySelector('.dvn-scroller');
            return !!s && s.scrollWidth <= s.clientWidth + 1;
        }"""
    )


# -- point 5: one current view ----------------------------------------------------------------


def test_a_header_sort_survives_the_next_filter_and_export_follows_it(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    open_list(page, server)
    grid.click_header(page, "name")
    expect(page).to_have_url(re.compile(r"sort=name(&|$)"))
    grid.wait_column(page, "name", a_to_z, "A to Z")
    # The sort ran in the table's fragment only; the Status filter is outside it.
    pick_status(page, words.PUBLISHED)
    expect(page).to_have_url(re.compile(r"status=published"))
    expect(page).to_have_url(re.compile(r"sort=name(&|$)"))
    grid.wait_column(page, "status", lambda t: set(t) == {words.PUBLISHED}, "all Published")
    names = grid.wait_column(page, "name", a_to_z, "still A to Z")
    assert f"{words.TITLE} ▲" in headers(page)
    # Export writes the list as shown: filtered and in the header's order.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    titles = [r[words.TITLE] for r in rows]
    assert rows and all(r[words.STATUS] == words.PUBLISHED for r in rows)
    assert a_to_z(titles) and titles[: len(names)] == names
    # A name search and a chip's ✕ keep it too.
    page.get_by_label(words.BATCH_NAME).fill("a")
    page.get_by_label(words.BATCH_NAME).press("Enter")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"name=a.*sort=name|sort=name.*name=a"))
    page.get_by_role("button", name=f"{words.STATUS}: {words.PUBLISHED}").click()
    wait_idle(page)
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(page).to_have_url(re.compile(r"sort=name(&|$)"))
    grid.wait_column(page, "name", a_to_z, "A to Z after the chip")


def test_a_sort_just_clicked_is_the_order_export_writes(as_admin: Page, server: Server) -> None:
    page = as_admin
    open_list(page, server, "?status=published")
    grid.click_header(page, "users")  # numbers: descending is not the natural order
    expect(page).to_have_url(re.compile(r"sort=users(&|$)"))
    grid.wait_column(page, "users", lambda t: t == sorted(t, key=number), "fewest users first")
    grid.click_header(page, "users")
    expect(page).to_have_url(re.compile(r"sort=users%3Adesc|sort=users:desc"))
    shown = grid.wait_column(
        page,
        "users",
        lambda t: t == sorted(t, key=number, reverse=True),
        "most users first",
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    users = [int(r[words.USERS]) for r in csv.DictReader(io.StringIO(text), delimiter=";")]
    assert users == sorted(users, reverse=True)
    assert users[: len(shown)] == [number(v) for v in shown]


# -- point 17: the spec's menu path ------------------------------------------------------------


def test_the_manage_menu_holds_gamification_badges_and_batch_unlock_and_each_level_links(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    page.get_by_test_id("stTopNavSection").filter(has_text=words.MANAGE).click()
    menu = page.get_by_test_id("stTopNavPopoverBody")
    badges = f"{words.GAMIFICATION} › {words.BADGES}"
    batch_unlock = f"{words.GAMIFICATION} › {words.BATCH_UNLOCK}"
    expect(menu.get_by_test_id("stTopNavDropdownLink").filter(has_text=badges)).to_be_visible()
    menu.get_by_test_id("stTopNavDropdownLink").filter(has_text=batch_unlock).click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch-unlock$"))
    trail = page.locator(".st-key-breadcrumb")
    expect(trail).to_contain_text(
        re.compile(f"{words.MANAGE}.*›.*{words.GAMIFICATION}.*›.*{words.BATCH_UNLOCK}")
    )
    # Each level above the page is a link: Gamification (and Manage) lead to the Badges page.
    for level in (words.GAMIFICATION, words.MANAGE):
        open_list(page, server)
        page.locator(".st-key-breadcrumb").get_by_role("link", name=level, exact=True).click()
        wait_idle(page)
        expect(page.get_by_role("heading", name=words.BADGES, exact=True)).to_be_visible()
        expect(page.locator(".st-key-breadcrumb")).to_contain_text(
            re.compile(f"{words.MANAGE}.*›.*{words.GAMIFICATION}.*›.*{words.BADGES}")
        )
    # A batch's page: its trail leads back to the list.
    open_list(page, server)
    grid.click_open(page, 0)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/(batch\?id|new-batch\?draft)=\d+"))
    page.locator(".st-key-breadcrumb").get_by_role(
        "link", name=words.BATCH_UNLOCK, exact=True
    ).click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch-unlock$"))


# -- point 18: the date filters ----------------------------------------------------------------


def test_each_date_field_has_its_operator_on_its_right_and_the_two_are_separate_rows(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    open_list(page, server)
    page.get_by_text(words.MORE_FILTERS).click()
    fields = {}
    for label in (words.CREATED_AT, words.LAST_UPDATED):
        day = page.get_by_role("spinbutton", name=f"year, {label}")
        expect(day).to_be_visible()
        day_box = settled_box(page.get_by_test_id("stDateInput").filter(has=day))
        op_box = box(page.get_by_role("combobox", name=f"{label} operator"))
        # The dropdown starts where the date field ends, on the field's line (the field is the
        # bottom of its widget, under its label; the dropdown's label is hidden).
        assert op_box["x"] >= day_box["x"] + day_box["width"] - 1, (label, day_box, op_box)
        bottoms = (day_box["y"] + day_box["height"], op_box["y"] + op_box["height"])
        assert abs(bottoms[0] - bottoms[1]) < 6, (label, day_box, op_box)
        fields[label] = day_box
    created, updated = fields[words.CREATED_AT], fields[words.LAST_UPDATED]
    assert updated["y"] >= created["y"] + created["height"], (created, updated)
    assert abs(updated["x"] - created["x"]) < 2  # one under the other


# -- point 19: a compact page ------------------------------------------------------------------


def test_at_1280_by_800_more_than_ten_list_rows_show_above_the_fold(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    page.set_viewport_size({"width": 1280, "height": 800})
    open_list(page, server)
    top = box(grid.grid(page))["y"]
    rows_shown = (800 - top - ROW_HEIGHT) // ROW_HEIGHT
    assert rows_shown >= 10, f"the grid starts at y={top}: {rows_shown} rows above the fold"
    # The page starts right under the menu bar: no blank band.
    assert box(page.locator(".st-key-breadcrumb"))["y"] < 110


def test_filter_chips_flow_in_one_row_with_clear_all_at_its_end(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    page.set_viewport_size({"width": 1280, "height": 800})
    open_list(page, server, "?status=published&status=partially_published&name=a")
    chips = page.get_by_role("button", name=re.compile(f"^({words.STATUS}|{words.BATCH_NAME}): "))
    expect(chips).to_have_count(3)
    boxes = [box(chips.nth(i)) for i in range(3)] + [box(page.locator(".st-key-chip_clear button"))]
    middles = [b["y"] + b["height"] / 2 for b in boxes]
    assert max(middles) - min(middles) < 4, boxes  # one row
    for left, right in itertools.pairwise(boxes):
        gap = right["x"] - (left["x"] + left["width"])
        assert 0 <= gap <= 24, (left, right)  # side by side, not spread over equal columns


def test_the_badge_checkbox_stays_beside_its_badge_at_1100_px(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    page.set_viewport_size({"width": 1100, "height": 800})
    open_list(page, server)
    page.get_by_test_id("stPopoverButton").filter(has_text=words.BADGE).click()
    body = page.get_by_test_id("stPopoverBody")
    summary = body.locator("summary").filter(has=page.get_by_text("Explorer", exact=True))
    expect(summary).to_be_visible()
    badge = settled_box(summary)
    check = box(
        body.get_by_test_id("stCheckbox").filter(
            has=page.get_by_role("checkbox", name="Explorer", exact=True)
        )
    )
    assert check["x"] + check["width"] <= badge["x"] + 1, (check, badge)
    middle = check["y"] + check["height"] / 2
    assert badge["y"] <= middle <= badge["y"] + badge["height"], (check, badge)


def test_at_1100_px_the_list_shows_status_and_edit_without_scrolling_sideways(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    page.set_viewport_size({"width": 1100, "height": 800})
    open_list(page, server)
    frame = grid.grid(page)
    assert box(frame)["x"] + box(frame)["width"] <= 1100
    assert no_sideways_scroll(frame)
    assert grid.cell(page, 0, "open") == words.EDIT
    page.set_viewport_size({"width": 1600, "height": 800})  # wider: the columns share the rest
    page.wait_for_timeout(500)
    assert no_sideways_scroll(frame)
    assert box(frame)["width"] > 1400


def test_the_detail_reason_column_shows_whole_reasons(as_admin: Page, server: Server) -> None:
    page = as_admin
    page.set_viewport_size({"width": 1280, "height": 900})
    open_list(page, server, "?status=partially_published&sort=name")
    grid.click_open(page, 0)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+"))
    page.goto(page.url + "&user_status=error")
    wait_idle(page)
    users = page.get_by_test_id("stDataFrame").first
    expect(users.get_by_test_id("glide-cell-5-0")).to_be_attached()
    reasons = users.evaluate(
        """el => [...el.querySelectorAll('table[role=grid] tbody tr')].map(
            tr => tr.querySelectorAll('td')[5].textContent.trim())"""
    )
    assert reasons and all(reasons), reasons
    # Each reason, drawn in the grid's font, fits the Reason column the page gives it.
    widths = page.evaluate(
        """texts => {
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = "14px 'Source Sans', 'Source Sans Pro', sans-serif";
            return texts.map(t => ctx.measureText(t).width);
        }""",
        reasons,
    )
    assert max(widths) + 16 <= fitting_width(reasons), (reasons, widths)
    assert no_sideways_scroll(users)


# -- point 20: nothing from outside, nothing missing ------------------------------------------


def test_no_page_fetches_from_another_host_or_asks_for_a_missing_url(
    as_admin: Page, server: Server
) -> None:
    page = as_admin
    requested: list[str] = []
    failed: list[tuple[int, str]] = []
    page.on("request", lambda r: requested.append(r.url))
    # A request the next page load cuts short (net::ERR_ABORTED) is not a missing URL.
    page.on(
        "requestfailed",
        lambda r: None if "ABORTED" in (r.failure or "") else failed.append((0, r.url)),
    )

    def answered(response: Response) -> None:
        if response.status >= 400:
            failed.append((response.status, response.url))

    page.on("response", answered)
    for path in ("/", "/badges", "/batch-unlock", "/new-batch", "/batch-unlock?status=published"):
        page.goto(server.url + path)
        wait_idle(page)
        page.wait_for_timeout(1000)
    grid.click_open(page, 0)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+"))
    wait_idle(page)
    page.wait_for_timeout(1000)
    page.reload()
    wait_idle(page)
    page.wait_for_timeout(1000)
    hosts = {urlparse(u).hostname for u in requested if urlparse(u).scheme in ("http", "https")}
    assert hosts == {"127.0.0.1"}, sorted(u for u in requested if "127.0.0.1" not in u)[:5]
    assert not failed, failed
    health = [urlparse(u).path for u in requested if u.endswith(("/health", "/host-config"))]
    assert health and set(health) <= {"/_stcore/health", "/_stcore/host-config"}, health
