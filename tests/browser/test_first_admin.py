"""In a real browser: a new, empty data file asks for its first admin once, then logs it in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import Server, _start, _stop, cli, wait_idle


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a data file that is not the default one and has no account."""
    tmp = tmp_path_factory.mktemp("empty")
    db = tmp / "new-store.duckdb"
    cli(db, "init")
    proc, srv = _start(tmp, db, {})
    yield srv
    _stop(proc)


def test_the_first_visit_creates_the_first_admin_and_then_the_form_is_gone(
    page: Page, empty_server: Server
) -> None:
    page.goto(f"{empty_server.url}/batch-unlock")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name="Create the first admin account")).to_be_visible()
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password", exact=True).fill("first-admin-pass")
    page.get_by_label("Password again").fill("first-admin-pass")
    page.get_by_role("button", name="Create the first admin account").click()
    page.wait_for_selector("[data-testid=stApp]", timeout=30_000)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    # Once an account exists the form is gone: /setup leads to the login form.
    page.context.clear_cookies()
    page.goto(f"{empty_server.url}/setup")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
