"""In a real browser: logging in and out, deep links, the spec's path to "Batch unlock", roles."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support import grid
from tests.support.browser import PASSWORDS, Server, log_in, wait_idle


def test_a_deep_link_opened_without_a_session_leads_to_login_then_back_to_the_link(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/batch-unlock?status=published")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORDS["analyst"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/batch-unlock?status=published")
    expect(page.get_by_role("heading", name="Batch unlock")).to_be_visible()


def test_wrong_credentials_get_one_message_that_does_not_say_which_part(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Wrong username or password. Check both and try again."
    )
    expect(page.get_by_label("Username")).to_have_value("admin")


def test_the_session_survives_a_refresh_and_log_out_ends_it(page: Page, server: Server) -> None:
    log_in(page, server.url, "dev", PASSWORDS["dev"])
    expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(f"{server.url}/batch-unlock")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fbatch-unlock"))


def test_a_login_posted_from_another_site_is_refused(page: Page, server: Server) -> None:
    form = {"username": "admin", "password": PASSWORDS["admin"], "next": "/"}
    foreign = page.request.post(
        f"{server.url}/login", form=form, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    assert "another web site" in foreign.text()
    assert "set-cookie" not in foreign.headers
    own = page.request.post(
        f"{server.url}/login", form=form, headers={"Origin": server.url}, max_redirects=0
    )
    assert own.status == 303 and "set-cookie" in own.headers


def test_a_logout_link_from_elsewhere_asks_before_ending_the_session(
    page: Page, server: Server
) -> None:
    log_in(page, server.url, "dev", PASSWORDS["dev"])
    page.goto(f"{server.url}/logout")  # as a link or an image on another site would
    expect(page.get_by_text("Log out of Batch Unlock as dev?")).to_be_visible()
    foreign = page.request.post(f"{server.url}/logout", headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    page.goto(f"{server.url}/batch-unlock")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Batch unlock")).to_be_visible()  # still logged in
    page.goto(f"{server.url}/logout")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{server.url}/badges")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_an_admin_goes_from_badges_through_the_three_dots_to_batch_unlock(as_admin: Page) -> None:
    page = as_admin
    expect(page.locator(".st-key-breadcrumb")).to_contain_text(
        re.compile(r"Manage.*›.*Gamification.*›.*Badges")
    )
    page.get_by_role("button", name="⋮").click()
    page.get_by_text("Batch unlock", exact=True).last.click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Batch unlock")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/batch-unlock"))
    expect(page.get_by_role("button", name="Create Batch")).to_be_visible()


def test_an_analyst_is_offered_no_write_action(page: Page, server: Server) -> None:
    log_in(page, server.url, "analyst", PASSWORDS["analyst"])
    page.get_by_role("button", name="⋮").click()
    expect(page.get_by_text("Add badge")).to_have_count(0)
    page.keyboard.press("Escape")
    page.goto(f"{server.url}/batch-unlock")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Batch unlock")).to_be_visible()
    expect(page.get_by_role("button", name="Create Batch")).to_have_count(0)
    # Every row offers "View", none "Edit", and View opens the read-only detail.
    assert set(grid.column(page, "open")) == {"View"}
    expect(page.get_by_text("Publisher", exact=True)).to_have_count(0)
    grid.click_open(page, 0)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/batch\?id=\d+"))
    expect(page.get_by_role("button", name="Retry errors")).to_have_count(0)
    expect(page.get_by_text("Upload type")).to_have_count(0)
    # The new-batch page is not the analyst's: its URL says so (not "Page not found").
    page.goto(f"{server.url}/new-batch")
    wait_idle(page)
    expect(page.get_by_text("Your role (analyst) cannot create batches.")).to_be_visible()
    expect(page.get_by_text("Connect Badge and Users")).to_have_count(0)
