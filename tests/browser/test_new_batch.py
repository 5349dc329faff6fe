"""In a real browser: build a batch with the upload dialog and the single add, then find the
draft intact after a refresh."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from core import words
from tests.support.browser import Server, choose_upload_type, wait_idle

UPLOAD = (
    "ID;Username;Registered email\n"
    "900001;;\n"  # row 2: good, by ID
    ";theo.browser;\n"  # row 3: good, by username
    "999999999;;\n"  # row 4: nobody has this ID
    ";;TESS.BROWSER@test.example\n"  # row 5: the same user as row 2
    "900003;;\n"  # row 6: deactivated
    "900009;raj.csv;\n"  # row 7: ID and username of two different users
)


def choose_quest(page: Page, badge: str, quest: str) -> None:
    """Open the "Badge" dropdown, expand the badge and pick one of its quests."""
    # Opening the dropdown reruns the page to draw its badges. Right after the click, wait_idle
    # can still see the previous run's "notRunning" (the rerun has not begun), so the badge got
    # clicked while that run was still drawing the dropdown. Seen under load: the quest's click
    # then reached nothing (no message sent; the pointer ended over the row two above it, so the
    # dropdown had moved under it) though Playwright reported it done. So: wait for the badge
    # (the run has begun), then for the run's end, then for the badge's opening animation to
    # end, and click on a still dropdown; then check that the pick was taken.
    page.get_by_role("button", name=re.compile(r"^Badge: ")).click()
    body = page.get_by_test_id("stPopoverBody")
    summary = body.locator("summary").filter(has=page.get_by_text(badge, exact=True))
    expect(summary).to_be_visible()
    wait_idle(page)
    summary.click()
    pick = body.get_by_role("button", name=quest, exact=True)
    expect(pick).to_be_visible()
    page.wait_for_function(
        "b => { const d = b.closest('details');"
        " return d.open && d.getAnimations().length === 0 && !d.style.height; }",
        arg=pick.element_handle(),
    )
    pick.click()
    # Taken: the dropdown's button names the quest. The run that saves the draft follows, and
    # while it redraws, the old picker and the draft's new one can both be on the page.
    taken = page.get_by_role("button", name=f"{words.BADGE}: {badge} › {quest}")
    expect(taken.first).to_be_visible()
    wait_idle(page)


def start_draft(page: Page, server: Server, name: str, quest: str) -> None:
    """Open New Batch, type a name and choose a test quest: the draft is saved."""
    page.goto(f"{server.url}/new-batch")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.NEW_BATCH)).to_be_visible()
    expect(page.get_by_text(words.CONNECT_BADGE_AND_USERS)).to_be_visible()
    page.get_by_label(words.NAME).fill(name)
    page.get_by_label(words.NAME).press("Enter")
    wait_idle(page)
    choose_quest(page, "Browser tests", quest)
    expect(page).to_have_url(re.compile(r"draft=\d+"))
    expect(page.get_by_text(words.UPLOAD_TYPE)).to_be_visible()


def test_a_batch_is_built_by_upload_and_single_add_and_survives_a_refresh(
    as_admin: Page, server: Server, tmp_path: Path
) -> None:
    page = as_admin
    start_draft(page, server, "Browser upload batch", "First quest")

    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible()
    with page.expect_download() as template:
        dialog.get_by_role("button", name=words.DOWNLOAD_THE_TEMPLATE).click()
    assert Path(template.value.path()).read_text().strip() == "ID;Username;Registered email"

    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "users.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode()}]
    )
    wait_idle(page)
    expect(dialog.get_by_test_id("stMetric").first).to_contain_text("2")
    expect(dialog.get_by_test_id("stMetric").nth(1)).to_contain_text("4")
    for message in (words.MSG_NOT_FOUND, words.MSG_MISMATCH, words.MSG_DUPLICATE):
        expect(dialog.get_by_text(re.compile(re.escape(message))).first).to_be_visible()

    with page.expect_download() as errors:
        dialog.get_by_role("button", name="Download the rows with errors").click()
    error_csv = Path(errors.value.path()).read_text(encoding="utf-8-sig")
    assert error_csv.splitlines()[0] == "ID;Username;Registered email;Reason"
    assert len(error_csv.strip().splitlines()) == 4  # the merged duplicate (row 5) is left out

    dialog.get_by_role("button", name=words.UPLOAD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)
    expect(page.get_by_text("2 users added to the batch.")).to_be_visible()

    choose_upload_type(page, words.SINGLE)
    page.get_by_text(words.USERNAME, exact=True).first.click()
    wait_idle(page)
    page.get_by_role("textbox", name=words.USERNAME).press_sequentially("sam.sing", delay=60)
    suggestion = page.get_by_role("radio", name="sam.single.browser")
    expect(suggestion).to_be_visible(timeout=10_000)
    suggestion.click()
    wait_idle(page)
    expect(page.get_by_role("textbox", name=words.USERNAME)).to_have_value("sam.single.browser")
    page.get_by_role("button", name=words.ADD, exact=True).click()
    wait_idle(page)
    expect(
        page.get_by_text("sam.single.browser (User ID 900004) was added to the batch.")
    ).to_be_visible()

    expect(page.get_by_text("Users (3 of 5,000)")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.get_by_label(words.NAME)).to_have_value("Browser upload batch")
    expect(page.get_by_text("Users (3 of 5,000)")).to_be_visible()
    expect(page.get_by_role("button", name="Badge: Browser tests › First quest")).to_be_visible()

    # Two users picked by their row's checkbox (the grid's first column) leave in one step.
    users = page.get_by_test_id("stDataFrame").last
    users.scroll_into_view_if_needed()
    box = users.bounding_box()
    assert box is not None
    for row in (0, 1):
        page.mouse.click(box["x"] + 15, box["y"] + 36 * (row + 1.5))
        wait_idle(page)
    remove = page.get_by_role("button", name="Remove 2 selected users")
    expect(remove).to_be_enabled()
    remove.click()
    wait_idle(page)
    expect(page.get_by_text("2 users removed from the draft.")).to_be_visible()
    expect(page.get_by_text("Users (1 of 5,000)")).to_be_visible()


def test_a_single_add_that_fails_says_why_under_the_field(as_admin: Page, server: Server) -> None:
    page = as_admin
    start_draft(page, server, "Browser single batch", "Second quest")
    choose_upload_type(page, words.SINGLE)
    page.get_by_role("textbox", name=words.USER_ID).fill("900003")
    page.get_by_role("textbox", name=words.USER_ID).press("Enter")
    page.get_by_role("button", name=words.ADD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("deactivated")
    expect(page.get_by_text("Users (0 of 5,000)")).to_be_visible()
