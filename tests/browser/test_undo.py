"""In a real browser, the way back (issue 15), with the publisher throttled to 1 unlock a second:
cancel a queued batch and find it among the drafts; pause a running batch and see it stop, resume
it and see it finish; tick users of a published batch, revoke them with a reason and watch them
turn "Revoked". On DuckDB and on PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from core import words
from tests.support import grid
from tests.support.browser import (
    PASSWORDS,
    Server,
    _prepare,
    _start,
    _stop,
    cli,
    log_in,
    published_batch,
    wait_idle,
)

pytestmark = pytest.mark.postgres  # each test on both stores (tests/conftest.py `store_kind`)

SLOW_USERS = [str(910_001 + i) for i in range(45)]  # 45 s of work at 1 unlock a second
REVOKED_REASON = "Awarded to the wrong team"


@pytest.fixture(scope="module")
def undo_server(
    tmp_path_factory: pytest.TempPathFactory, store_kind: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Server, dict]]:
    """The app on its own store with three batches, and their ids by role in the tests.

    "Revoke some" is published (3 users); "Slow batch" is queued first, so the throttled
    publisher works on it for 45 s; "Cancel me" waits behind it, "Unpublished".
    """
    tmp = tmp_path_factory.mktemp(f"undo_{store_kind}")
    pg = request.getfixturevalue("pg_stores").url("empty") if store_kind == "postgres" else None
    db, quests = _prepare(tmp, pg)
    people = tmp / "slow_users.csv"
    people.write_text(
        "id,username,email,active\n"
        + "".join(f"{u},slow.{u},slow.{u}@test.example,true\n" for u in SLOW_USERS)
    )
    cli(db, "import-users", str(people))
    ids = {
        "published": published_batch(
            db, "Revoke some", quests["First quest"], "900001", "900002", "900004"
        )
    }
    for role, name, quest, users in (
        ("slow", "Slow batch", "Second quest", SLOW_USERS),
        ("queued", "Cancel me", "Third quest", ["900009", "900010"]),
    ):
        args = [a for u in users for a in ("--user", u)]
        made = cli(
            db, "batch", "create", "--name", name, "--quest", str(quests[quest]), *args, "--json"
        )
        ids[role] = json.loads(made)["id"]
        cli(db, "batch", "publish", str(ids[role]))
    cli(db, "rate", "1")
    proc, srv = _start(tmp, db, quests)
    yield srv, ids
    _stop(proc)


def metric(page: Page, label: str) -> Locator:
    """The metric whose label is exactly `label` ("Published", not "Unpublished")."""
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )


def count(page: Page, label: str) -> int:
    return int(metric(page, label).get_by_test_id("stMetricValue").inner_text().replace(",", ""))


def open_batch(page: Page, server: Server, batch_id: int) -> None:
    page.goto(f"{server.url}/batch?id={batch_id}")
    wait_idle(page)


def ask_and_confirm(page: Page, label: str) -> None:
    """Click an undo button, then the confirmation's own button of that name."""
    page.get_by_role("button", name=label, exact=True).first.click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible(timeout=10_000)
    dialog.get_by_role("button", name=label, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)


def test_a_queued_batch_is_cancelled_and_found_back_among_the_drafts(
    page: Page, undo_server: tuple[Server, dict]
) -> None:
    server, ids = undo_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    open_batch(page, server, ids["queued"])
    expect(page.get_by_text("2nd in the publishing queue")).to_be_visible()
    page.get_by_role("button", name=words.CANCEL_PUBLISHING).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_contain_text("Cancel publishing “Cancel me”? It leaves the queue")
    dialog.get_by_role("button", name=words.CANCEL_PUBLISHING).click()
    wait_idle(page)
    # A draft opens where drafts are edited, saying what happened.
    expect(page.get_by_role("heading", name=words.NEW_BATCH)).to_be_visible()
    expect(page.get_by_text("is a draft again")).to_be_visible()

    page.goto(f"{server.url}/batch-unlock?status=draft&name=Cancel")
    wait_idle(page)
    grid.wait_for_cell(page, "Cancel me", "status", f"^{words.DRAFT}$")


def test_a_paused_batch_stops_moving_and_once_resumed_it_finishes(
    page: Page, undo_server: tuple[Server, dict]
) -> None:
    server, ids = undo_server
    log_in(page, server.url, "dev", PASSWORDS["dev"])
    open_batch(page, server, ids["slow"])
    expect(page.get_by_text(re.compile(r"^In Progress \(\d+%\)$"))).to_be_visible()

    ask_and_confirm(page, words.PAUSE)
    expect(page.get_by_text(re.compile(r"^In Progress \(\d+%\) · Paused$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Paused by dev · "))).to_be_visible()
    time.sleep(1.5)  # the chunk in flight when it was paused ends first
    stopped = count(page, words.PUBLISHED)
    time.sleep(4)  # four chunks' worth at 1 unlock a second
    assert count(page, words.PUBLISHED) == stopped, "a paused batch moved"
    assert stopped < len(SLOW_USERS)

    ask_and_confirm(page, words.RESUME)
    expect(page.get_by_text(re.compile(r"· Paused"))).to_have_count(0)
    expect(metric(page, words.PUBLISHED)).not_to_have_text(
        re.compile(rf"{words.PUBLISHED}\s*{stopped}$"), timeout=10_000
    )
    expect(page.get_by_text("100% of users processed")).to_be_visible(timeout=90_000)
    expect(metric(page, words.PUBLISHED)).to_contain_text(str(len(SLOW_USERS)))


def users_rows(page: Page) -> list[list[str]]:
    """The users grid's shown rows, as text (its readable copy of the canvas)."""
    # The last: while a run replaces the grid (a new key), the old one is still there a moment.
    frame = page.locator("[class*='st-key-users_grid'] [data-testid=stDataFrame]").last
    return frame.evaluate(
        """el => [...el.querySelectorAll('table[role=grid] tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()))"""
    )


def wait_users(page: Page, check, what: str, timeout: float = 30) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while True:
        shown = users_rows(page)
        if shown and check(shown):
            return shown
        assert time.monotonic() < deadline, f"the users never {what}: {shown}"
        page.wait_for_timeout(250)


def row_of(rows: list[list[str]], user_id: str) -> list[str]:
    return next(r for r in rows if user_id in r)


def test_ticked_users_are_revoked_with_a_reason_and_turn_revoked_live(
    page: Page, undo_server: tuple[Server, dict]
) -> None:
    server, ids = undo_server
    log_in(page, server.url, "admin", PASSWORDS["admin"])
    open_batch(page, server, ids["published"])
    expect(page.get_by_text(words.PUBLISHED, exact=True).first).to_be_visible()
    shown = wait_users(page, lambda rows: len(rows) == 3, "showed 3 rows")
    assert [r for r in shown if "900004" in r]

    # Switch the checkboxes on, then tick the first two rows (the grid's first column).
    page.get_by_text("Tick users to revoke").click()
    wait_idle(page)
    users = page.locator("[class*='st-key-users_grid'] [data-testid=stDataFrame]")
    expect(users).to_have_count(1)  # the grid with checkboxes, in place of the one without
    wait_users(page, lambda rows: len(rows) == 3, "showed 3 rows again")
    users.scroll_into_view_if_needed()
    box = users.bounding_box()
    assert box is not None
    ticked = [shown[0], shown[1]]
    for row, said in ((0, "1 user ticked"), (1, "2 users ticked")):
        page.mouse.click(box["x"] + 15, box["y"] + 36 * (row + 1.5))
        wait_idle(page)
        expect(page.get_by_text(re.compile(f"^{said}: "))).to_be_visible()
    page.get_by_role("button", name=words.REVOKE, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog.get_by_text("Users ticked in the list (2)")).to_be_visible()
    expect(dialog.get_by_text("Revoke Browser tests › First quest from 2 users?")).to_be_visible()
    reason = dialog.get_by_role("textbox", name=words.REVOKE_REASON)
    reason.fill(REVOKED_REASON)
    reason.press("Control+Enter")
    wait_idle(page)
    dialog.get_by_role("button", name=words.REVOKE, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"Revoking .* in the background"))).to_be_visible()

    ticked_ids = [next(c for c in r if re.fullmatch(r"9000\d\d", c)) for r in ticked]
    rows = wait_users(
        page,
        lambda rows: all(words.REVOKED in row_of(rows, u) for u in ticked_ids),
        f"turned {words.REVOKED}",
    )
    for u in ticked_ids:
        row = row_of(rows, u)
        assert REVOKED_REASON in row and any(c.startswith("by admin · ") for c in row)
    untouched = next(r for r in rows if not set(ticked_ids) & set(r))
    assert words.PUBLISHED in untouched
    expect(page.get_by_text(words.PARTIALLY_REVOKED, exact=True).first).to_be_visible()
    expect(metric(page, words.REVOKED)).to_contain_text("2")
