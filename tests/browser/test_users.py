"""In a real browser, the issue's click path: filter the users who hold quest A but not quest B,
export them for a batch upload, upload that file to a new batch with no edit (every row "Will be
added"); then the same users straight into a new draft with "Add to batch"; and a user's page
opened from that batch's users list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from core import words
from tests.browser.test_new_batch import choose_quest, start_draft
from tests.support.browser import (
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    log_in,
    published_batch,
    wait_idle,
)

QUEST_A, QUEST_B, TARGET = "First quest", "Second quest", "Third quest"
HOLD_A = ("900001", "900002", "900004", "900006")  # 900002 holds B too
HOLD_B = ("900002",)
EXPECTED = {"900001": "tess.browser", "900004": "sam.single.browser", "900006": "max.stayer"}


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on demo data where four test users hold quest A and one of them quest B too."""
    tmp = tmp_path_factory.mktemp("users_app")
    db, quests = _prepare(tmp)
    published_batch(db, "Holders of A", quests[QUEST_A], *HOLD_A)
    published_batch(db, "Holders of B", quests[QUEST_B], *HOLD_B)
    proc, srv = _start(tmp, db, quests)
    yield srv
    _stop(proc)


def pick_quest(page: Page, field: str, quest: str) -> None:
    """In the "Holds" (or "Does not hold") badge tree, check one quest, then its "Search"."""
    box = page.locator(f".st-key-{field}_filter")
    box.get_by_test_id("stPopoverButton").filter(has_text=words.BADGE).click()
    body = page.get_by_test_id("stPopoverBody")
    summary = body.locator("summary").get_by_text("Browser tests", exact=True)
    expect(summary).to_be_visible()
    wait_idle(page)
    summary.click()
    wait_idle(page)
    body.get_by_role("checkbox", name=quest, exact=True).check(force=True)
    wait_idle(page)
    page.keyboard.press("Escape")
    page.locator(f".st-key-{field}_search button").click()
    wait_idle(page)


def grid_cells(page: Page, last: bool = False) -> list[list[str]]:
    """The readable cells of the first (or last) grid on the page, row by row, once drawn."""
    grids = page.get_by_test_id("stDataFrame")
    frame = grids.last if last else grids.first
    # The first cell of the first row: column 1 where the grid has row checkboxes.
    expect(frame.locator("[data-testid^=glide-cell-][data-testid$='-0']").first).to_be_attached()
    return frame.evaluate(
        """el => [...el.querySelectorAll('table[role=grid] tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()))"""
    )


def wait_for_ids(page: Page, expected: list[str], timeout_ms: int = 15_000) -> None:
    """Wait until the grid's first column shows exactly these IDs (it redraws after the run)."""
    shown: list[str] = []
    for _ in range(timeout_ms // 200):
        shown = sorted(r[0] for r in grid_cells(page))
        if shown == expected:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the grid shows {shown}, not {expected}")


def click_last_column(frame: Locator, page: Page, row: int) -> None:
    """Click the right-aligned button of a grid's last column ("View") in a row."""
    frame.scroll_into_view_if_needed()
    box = frame.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 25, box["y"] + 35 * (row + 1.5))


def test_holders_of_a_not_b_exported_upload_as_they_are_and_add_to_batch_does_the_same(
    page: Page, users_server: Server, tmp_path: Path
) -> None:
    server = users_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    page.goto(f"{server.url}/users")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.USERS_PAGE)).to_be_visible()

    pick_quest(page, "holds", QUEST_A)
    expect(page).to_have_url(re.compile(rf"holds={server.quests[QUEST_A]}"))
    pick_quest(page, "lacks", QUEST_B)
    expect(page).to_have_url(re.compile(rf"lacks={server.quests[QUEST_B]}"))
    expect(
        page.get_by_role("button", name=f"{words.HOLDS}: Browser tests › {QUEST_A}")
    ).to_be_visible()
    expect(
        page.get_by_role("button", name=f"{words.LACKS}: Browser tests › {QUEST_B}")
    ).to_be_visible()
    expect(page.get_by_text("3 matching users")).to_be_visible()
    wait_for_ids(page, sorted(EXPECTED))
    users_url = page.url

    with page.expect_download() as exported:
        page.get_by_role("button", name=words.EXPORT_FOR_UPLOAD).click()
    data = Path(exported.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as the template
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "ID;Username;Registered email"
    assert sorted(line.split(";")[0] for line in lines[1:]) == sorted(EXPECTED)
    assert exported.value.suggested_filename.startswith("users-")

    # The exported file into a new batch for quest C, as it is: every row will be added.
    start_draft(page, server, "From the exported file", TARGET)
    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": exported.value.suggested_filename, "mimeType": "text/csv", "buffer": data}]
    )
    expect(dialog.get_by_test_id("stMetric").first).to_contain_text("3")
    expect(dialog.get_by_test_id("stMetric").nth(1)).to_contain_text("0")
    preview = dialog.get_by_test_id("stDataFrame")
    expect(preview.get_by_test_id("glide-cell-4-2")).to_be_attached()
    messages = preview.evaluate(
        """el => [...el.querySelectorAll('table[role=grid] tbody tr')].map(
            tr => tr.querySelectorAll('td')[4].textContent.trim())"""
    )
    assert messages == ["Will be added"] * 3
    dialog.get_by_role("button", name=words.UPLOAD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("3 users added to the batch.")).to_be_visible()

    # The same users straight from the list: "Add to batch" into a new draft.
    page.goto(users_url)
    wait_idle(page)
    expect(page.get_by_text("3 matching users")).to_be_visible()
    page.get_by_role("button", name=words.ADD_TO_BATCH).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text(re.compile(r"^3 users match"))).to_be_visible()
    dialog.get_by_label(words.NAME).fill("Straight from the list")
    dialog.get_by_label(words.NAME).press("Enter")
    wait_idle(page)
    choose_quest(page, "Browser tests", TARGET)
    dialog.get_by_role("button", name="Add 3 users to a new draft").click()
    wait_idle(page)
    expect(dialog.get_by_text("3 users added to the batch.")).to_be_visible()
    link = dialog.get_by_role("link", name=re.compile("Straight from the list"))
    expect(link).to_be_visible()
    link.click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"draft=\d+"))
    expect(page.get_by_text("Users (3 of 5,000)")).to_be_visible()

    # A user's page from the batch's users list (its last column).
    users = page.get_by_test_id("stDataFrame").last  # the draft's users: the page's one grid
    first_row = grid_cells(page, last=True)[0]
    first_id = next(cell for cell in first_row if cell in EXPECTED)
    click_last_column(users, page, 0)
    expect(page).to_have_url(re.compile(rf"/user\?id={first_id}$"))
    wait_idle(page)
    expect(page.get_by_role("heading", name=EXPECTED[first_id])).to_be_visible()
    expect(page.get_by_text(f"{words.HELD_QUESTS} (1)")).to_be_visible()  # quest A
    batches = page.get_by_text(re.compile(rf"^{words.USER_BATCHES} \(\d+\)$"))
    expect(batches).to_be_visible()
    page.get_by_role("link", name=words.BACK_TO.format(page=words.USERS_PAGE)).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.USERS_PAGE)).to_be_visible()


def test_a_user_link_with_a_bad_id_says_so_and_leads_back(page: Page, users_server: Server) -> None:
    log_in(page, users_server.url, "analyst", PASSWORDS["analyst"])
    page.goto(f"{users_server.url}/user?id=999999999")
    wait_idle(page)
    expect(page.get_by_text("There is no user with ID 999999999")).to_be_visible()
    expect(
        page.get_by_role("link", name=words.BACK_TO.format(page=words.USERS_PAGE))
    ).to_be_visible()
    # A link with a quest that does not exist: a note, and the address bar loses the value.
    page.goto(f"{users_server.url}/users?active=yes&lacks=99999999")
    wait_idle(page)
    expect(page.get_by_text(re.compile("no quest 99999999"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/users\?active=yes$"))
    page.goto(f"{users_server.url}/users")
    wait_idle(page)
    # A pasted User ID list: the popover's text, then its "Search".
    page.get_by_test_id("stPopoverButton").filter(has_text=words.USER_IDS).click()
    ids = page.get_by_test_id("stPopoverBody").get_by_role("textbox", name=words.USER_IDS)
    expect(ids).to_be_visible()
    wait_idle(page)
    ids.fill("900004")
    ids.press("Control+Enter")  # a text area commits on Ctrl+Enter or blur
    wait_idle(page)
    page.locator(".st-key-users_ids_search button").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"ids=900004$"))
    expect(page.get_by_role("button", name=f"{words.USER_IDS}: 900004")).to_be_visible()
    expect(page.get_by_role("button", name=words.ADD_TO_BATCH)).to_have_count(0)
    expect(page.get_by_role("button", name=words.EXPORT_FOR_UPLOAD)).to_be_visible()
    wait_for_ids(page, ["900004"])
    # The list's own "View": the user's page in the same tab; Back returns to the filtered list.
    click_last_column(page.get_by_test_id("stDataFrame").first, page, 0)
    expect(page).to_have_url(re.compile(r"/user\?id=900004&back=ids%3D900004$"))
    wait_idle(page)
    expect(page.get_by_role("heading", name="sam.single.browser")).to_be_visible()
    page.go_back()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/users\?ids=900004$"))
    # The user page's own link back also returns to the filtered list.
    page.go_forward()
    wait_idle(page)
    page.get_by_role("link", name=words.BACK_TO.format(page=words.USERS_PAGE)).click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/users\?ids=900004$"))
    wait_for_ids(page, ["900004"])
