"""In a real browser: names made of markdown, HTML, KaTeX, Streamlit directives and URLs show as
written on every page (no link, no bold, no colour, no icon), and a link to someone else's
draft says only that no such batch is visible.

The names are created through the command line, as an import or a careless admin would.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from core import words

# The same markup names as the AppTest walk of the pages: one list of what must stay text.
from tests.app.test_user_text_literal import BADGE, BATCH, EMAIL, QUEST, USERNAME
from tests.app.test_user_text_literal import DEV_DRAFT as DRAFT
from tests.support.browser import (
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    choose_upload_type,
    cli,
    log_in,
    published_batch,
    wait_idle,
)

URL_NAME = "[x](https://evil.example/n)"
HEADER = "[x](https://evil.example/h) **h**"
JOINER = "\u2060"  # what formatting.literal puts into URLs; invisible on screen


@dataclass
class Markup:
    """The app, with the ids of the published batch and the draft whose names are markup."""

    server: Server
    batch: int
    draft: int


@pytest.fixture(scope="module")
def markup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Markup]:
    """A demo store plus markup names: a badge and quest, a user, a published batch, a draft."""
    tmp = tmp_path_factory.mktemp("markup")
    db, quests = _prepare(tmp)
    with (tmp / "badges.csv").open("w", newline="") as out:
        csv.writer(out).writerows([["badge", "quest"], [BADGE, QUEST]])
    cli(db, "import-badges", str(tmp / "badges.csv"))
    with (tmp / "users.csv").open("w", newline="") as out:
        csv.writer(out).writerows([["id", "username", "email"], ["990001", USERNAME, EMAIL]])
    cli(db, "import-users", str(tmp / "users.csv"))
    quest = next(q for q in json.loads(cli(db, "quests", "--json")) if q["badge"] == BADGE)
    batch = published_batch(db, BATCH, quest["id"], "990001")
    draft = json.loads(
        cli(db, "batch", "create", "--name", DRAFT, "--quest", str(quest["id"]), "--json")
    )["id"]
    proc, srv = _start(tmp, db, quests)
    yield Markup(srv, batch, draft)
    _stop(proc)


def shown(page: Page) -> str:
    """The page's visible text as a reader sees it (word joiners are invisible)."""
    return page.locator("body").inner_text().replace(JOINER, "")


def assert_literal(page: Page, *texts: str) -> None:
    """No link to the names' URLs, no formatting made of them; each text visible as written."""
    wait_idle(page)
    expect(page.locator('a[href*="evil.example"]')).to_have_count(0)
    expect(page.locator('a[href^="mailto:"]')).to_have_count(0)
    formatted = page.locator("strong, em, del, b").filter(has_text=re.compile(r"^(b|i|s|e|h|r)$"))
    expect(formatted).to_have_count(0)
    expect(page.locator(".katex")).to_have_count(0)
    expect(
        page.get_by_test_id("stIconMaterial").filter(has_text=re.compile("^lock$"))
    ).to_have_count(0)
    text = shown(page)
    for expected in texts:
        assert expected in text, f"{expected!r} is not shown as written"


def test_names_made_of_markup_show_as_written_on_every_page(page: Page, markup: Markup) -> None:
    url = markup.server.url
    log_in(page, url, "admin", PASSWORDS["admin"])

    # Badges: the search finds them; the table draws cells as text.
    page.goto(f"{url}/badges?q=evil")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.BADGES)).to_be_visible()
    assert_literal(page)

    # The batch list, from a crafted link, with the Badge tree open and the badge expanded.
    page.goto(f"{url}/batch-unlock?name={URL_NAME}")
    wait_idle(page)
    chip = page.get_by_role("button", name=re.compile(rf"^{words.BATCH_NAME}: "))
    expect(chip).to_be_visible()
    assert chip.inner_text().replace(JOINER, "").endswith(f"{words.BATCH_NAME}: {URL_NAME}")
    page.get_by_test_id("stPopoverButton").filter(has_text=words.BADGE).click()
    wait_idle(page)
    body = page.get_by_test_id("stPopoverBody")
    body.locator("summary").filter(has_text="Badge **b** [x](").click()
    expect(body.get_by_text(re.compile(r"^Quest \*\*b\*\*"))).to_be_visible()
    assert_literal(page, f"{words.BATCH_NAME}: {URL_NAME}", BADGE, QUEST)
    page.keyboard.press("Escape")

    # New Batch: "Your drafts" (an admin sees every draft) and the quest picker.
    page.goto(f"{url}/new-batch")
    wait_idle(page)
    page.locator("summary").filter(has_text="Your drafts").click()
    page.get_by_role("button", name=re.compile(r"^Badge: ")).click()
    picker = page.get_by_test_id("stPopoverBody")
    picker.locator("summary").filter(has_text="Badge **b** [x](").click()
    expect(picker.get_by_role("button", name=re.compile(r"^Quest \*\*b\*\*"))).to_be_visible()
    assert_literal(page, DRAFT, BADGE, QUEST)
    page.keyboard.press("Escape")

    # The draft: its picker's label, the Single suggestions, and a refusal quoting the names.
    page.goto(f"{url}/new-batch?draft={markup.draft}")
    wait_idle(page)
    expect(page.get_by_role("button", name=re.compile(r"^Badge: Badge \*\*b\*\*"))).to_be_visible()
    choose_upload_type(page, words.SINGLE)
    page.get_by_text(words.USERNAME, exact=True).first.click()
    wait_idle(page)
    field = page.get_by_role("textbox", name=words.USERNAME)
    field.press_sequentially("evil **", delay=60)
    suggestion = page.get_by_role("radio", name=re.compile(r"^evil \*\*b\*\*"))
    expect(suggestion).to_be_visible(timeout=10_000)
    assert_literal(page, USERNAME.lower())
    suggestion.click()
    wait_idle(page)
    page.get_by_role("button", name=words.ADD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("already has")
    assert_literal(page, USERNAME.lower(), f"{BADGE}: {QUEST}")

    # The upload preview names the file's ignored columns as its header has them.
    choose_upload_type(page, words.MULTIPLE)
    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "u.csv", "mimeType": "text/csv", "buffer": f"ID;{HEADER}\n1;x\n".encode()}]
    )
    expect(dialog.get_by_text(re.compile("^Ignored columns: "))).to_be_visible(timeout=15_000)
    assert_literal(page, f"Ignored columns: {HEADER}")
    page.keyboard.press("Escape")

    # The published batch's page: title, breadcrumb, badge and quest.
    page.goto(f"{url}/batch?id={markup.batch}")
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Batch \*\*b\*\*"))).to_be_visible()
    assert_literal(page, BATCH, f"{words.BADGE}: {BADGE} › {QUEST}")


def test_a_link_to_someone_elses_draft_names_neither_the_draft_nor_its_owner(
    page: Page, markup: Markup
) -> None:
    url = markup.server.url
    log_in(page, url, "dev", PASSWORDS["dev"])
    for link in (f"/new-batch?draft={markup.draft}", f"/batch?id={markup.draft}"):
        page.goto(url + link)
        wait_idle(page)
        error = page.get_by_test_id("stAlertContentError")
        expect(error).to_have_text(
            f"No batch {markup.draft} is visible to you. Check the link, or find the batch in "
            f"the “{words.BATCH_UNLOCK}” list."
        )
        assert "Draft" not in shown(page) and "cli:" not in shown(page)
