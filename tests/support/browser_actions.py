"""Click paths several browser test modules share: uploading users, confirming Publish."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core import words
from tests.support.browser import wait_idle


def upload(page: Page, csv: str) -> None:
    """Add users through the "Multiple" upload dialog."""
    page.get_by_role("button", name=words.UPLOAD, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "users.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    expect(dialog.get_by_test_id("stMetric").first).to_be_visible(timeout=15_000)
    dialog.get_by_role("button", name=words.UPLOAD, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)


def confirm_publish(page: Page) -> None:
    """Press the header's Publish, then the confirmation's own Publish."""
    page.get_by_role("button", name=words.PUBLISH).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible(timeout=10_000)
    dialog.get_by_role("button", name=words.PUBLISH).click()
    wait_idle(page)
