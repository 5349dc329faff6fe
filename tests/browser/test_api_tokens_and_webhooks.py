"""In a real browser (issue 17): a dev makes an API token in the Account menu, a script uses it
over HTTP until the dev revokes it; an admin adds a webhook pointing at a local receiver, sends
it a test event and sees it delivered, signed."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from core import words
from core.webhooks import events, signing
from tests.support.browser import PASSWORDS, Server, _prepare, _start, _stop, log_in, wait_idle
from tests.support.webhook_receiver import Receiver, listening


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on its own demo data: the webhook added here must not hear other modules' batches."""
    tmp = tmp_path_factory.mktemp("api_tokens_and_webhooks")
    proc, server = _start(tmp, *_prepare(tmp))
    yield server
    _stop(proc)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that checks each post's signature."""
    with listening() as found:
        yield found


def get_quests(server: Server, token: str) -> tuple[int, str, bytes]:
    """`GET /api/v1/quests` with the token, as a script would: status, content type, body."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/quests", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def open_tokens(page: Page) -> Locator:
    """Account menu › "API tokens": the dialog, once it shows."""
    page.get_by_role("button", name=words.ACCOUNT).click()
    page.get_by_role("button", name=words.API_TOKENS).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog.get_by_role("button", name=words.CREATE_TOKEN)).to_be_visible()
    wait_idle(page)  # a click while the dialog's run is still drawing it may go unseen
    return dialog


def close_dialog(page: Page) -> None:
    """Close the dialog with its own close button, and wait until it is gone."""
    page.get_by_test_id("stDialog").get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("stDialog")).to_have_count(0)
    wait_idle(page)


def test_a_token_made_in_the_account_menu_calls_the_api_until_it_is_revoked(
    page: Page, app: Server
) -> None:
    log_in(page, app.url, "dev", PASSWORDS["dev"])
    dialog = open_tokens(page)
    dialog.get_by_role("textbox", name=words.TOKEN_NAME).fill("nightly-import")
    create = dialog.get_by_role("button", name=words.CREATE_TOKEN)
    create.click()
    secret_shown = dialog.get_by_text(words.SECRET_SHOWN_ONCE)
    try:
        expect(secret_shown).to_be_visible()
    except AssertionError:
        # CI twice: the app idle, the dialog still saying there is no token, so the click made
        # no run (nothing was created). As a person would, click again; a second miss fails.
        wait_idle(page)
        expect(dialog.get_by_text("You have no API tokens yet.")).to_be_visible()
        create.click()
        expect(secret_shown).to_be_visible()
    secret = dialog.get_by_test_id("stCode").inner_text().strip()
    assert secret and " " not in secret

    status, content_type, body = get_quests(app, secret)
    assert status == 200, body
    assert content_type.startswith("application/json")
    assert isinstance(json.loads(body)["items"], list)

    close_dialog(page)
    dialog = open_tokens(page)
    expect(dialog.get_by_text("nightly-import", exact=False).first).to_be_attached()
    expect(dialog.get_by_test_id("stCode")).to_have_count(0)
    expect(dialog.get_by_text(secret)).to_have_count(0)

    # Chosen by typing, as a keyboard user does: under load a click on an option of the open
    # list could chase it while the list redraws (CI once timed out so, the option detaching).
    dialog.get_by_role("combobox", name="Token to revoke").click()
    page.keyboard.type("nightly-import")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(dialog.get_by_role("button", name=words.REVOKE_TOKEN)).to_be_enabled()
    dialog.get_by_role("button", name=words.REVOKE_TOKEN).click()
    expect(dialog.get_by_text("Revoked the token “nightly-import”")).to_be_visible()

    status, content_type, body = get_quests(app, secret)
    assert status == 401, body
    assert content_type.startswith("application/problem+json")
    assert json.loads(body)["status"] == 401


def delivered_row(page: Page, url: str) -> Locator:
    """The row of Recent deliveries (the page's one table) saying the test event to `url` was
    "Delivered"."""
    cells = {events.TEST, url, words.DELIVERY_DELIVERED}
    row = page.get_by_test_id("stDataFrame").locator("tbody tr")
    for text in cells:
        row = row.filter(has=page.locator("td").filter(has_text=re.compile(f"^{re.escape(text)}$")))
    return row


def test_an_admin_adds_a_webhook_sends_a_test_event_and_sees_it_delivered_signed(
    page: Page, app: Server, receiver: Receiver
) -> None:
    log_in(page, app.url, "admin", PASSWORDS["admin"])
    page.get_by_test_id("stTopNavSection").filter(has_text=words.MANAGE).click()
    menu = page.get_by_test_id("stTopNavPopoverBody")
    menu.get_by_test_id("stTopNavDropdownLink").filter(has_text=words.WEBHOOKS_PAGE).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.WEBHOOKS_PAGE, exact=True)).to_be_visible()

    form = page.get_by_test_id("stForm")
    form.get_by_role("textbox", name=words.WEBHOOK_URL).fill(receiver.url)
    form.get_by_role("button", name=words.ADD_WEBHOOK).click()
    code = page.get_by_test_id("stCode")
    expect(code).to_be_visible()
    receiver.secret = code.inner_text().strip()  # shown once: the receiver checks with it
    assert receiver.secret
    hook = page.locator("[class*='st-key-webhook_']").filter(has_text=receiver.url)
    expect(hook).to_have_count(1)

    hook.get_by_role("button", name=words.SEND_TEST_EVENT).click()
    # The deliveries table polls every few seconds while one is pending.
    expect(delivered_row(page, receiver.url)).to_have_count(1, timeout=30_000)

    # The receiver files each post before it answers, so "Delivered" means it is filed.
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.signed
    headers = {name.lower(): value for name, value in got.headers.items()}
    assert signing.verify(receiver.secret, headers[signing.SIGNATURE_HEADER.lower()], got.body)
    assert got.answered == 200
