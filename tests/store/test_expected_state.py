"""Writes say the state they expect: a batch changed meanwhile is refused in words, unchanged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import pytest

from core import audit
from core.access.roles import Account
from core.batches import (
    add_file,
    add_one,
    drafts,
    expected_state,
    guard,
    membership,
    quest_change,
    read_model,
)
from core.batches.expected_state import Stale
from core.publishing import actions, retry, worker
from core.store.duckdb.connection import migrate
from tests.support.batches import VISIT_10, VISIT_100, members_of, upload
from tests.support.store import open_store


def snapshot(cur: duckdb.DuckDBPyConnection, batch_id: int) -> tuple:
    """Everything a write could change: the batch row, its users, its audit entries."""
    row = cur.execute("SELECT * FROM batches WHERE id = ?", [batch_id]).fetchall()
    users = cur.execute(
        "SELECT user_id, status FROM batch_users WHERE batch_id = ? ORDER BY 1", [batch_id]
    ).fetchall()
    log = cur.execute("SELECT count(*) FROM audit_log WHERE batch_id = ?", [batch_id]).fetchall()
    unlocks = cur.execute("SELECT count(*) FROM unlocks").fetchall()
    return row, users, log, unlocks


def version(cur: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    return read_model.read(cur, batch_id).version


@pytest.fixture
def other_tab(batch_world, draft, accounts) -> tuple[int, int]:
    """A draft as one tab showed it (version 0), then given a user from another tab by "dan"."""
    shown = version(batch_world, draft)
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1", expected=shown)
    return draft, shown


def stale_writes(cur: duckdb.DuckDBPyConnection, actor: Account, batch_id: int, seen: int) -> dict:
    """Every write a page offers on a draft, made with the version an older page showed."""
    return {
        "rename": lambda: drafts.rename_draft(cur, actor, batch_id, "Renamed", expected=seen),
        "change quest": lambda: quest_change.change_draft_quest(
            cur, actor, batch_id, VISIT_100, expected=seen
        ),
        "add a file": lambda: add_file.add_upload(
            cur, actor, batch_id, upload("ID\n2\n"), "csv", seen
        ),
        "add one user": lambda: add_one.add_single(cur, actor, batch_id, "id", "2", expected=seen),
        "remove users": lambda: membership.remove_users(cur, actor, batch_id, [1], expected=seen),
        "publish": lambda: actions.publish(cur, actor, batch_id, expected=seen),
        "delete": lambda: drafts.delete_draft(cur, actor, batch_id, expected=seen),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "write",
    ["rename", "change quest", "add a file", "add one user", "remove users", "publish", "delete"],
)
def test_each_write_on_a_draft_changed_meanwhile_is_refused_and_changes_nothing(
    batch_world, other_tab, accounts, write: str
) -> None:
    draft, seen = other_tab
    before = snapshot(batch_world, draft)
    attempt: Callable = stale_writes(batch_world, accounts["admin"], draft, seen)[write]

    with pytest.raises(Stale, match=r"^This batch was given more users by dan at \d\d:\d\d UTC"):
        attempt()

    assert snapshot(batch_world, draft) == before
    assert members_of(batch_world, draft)["user_id"].to_list() == [1]


@pytest.mark.slow
def test_a_write_on_a_draft_published_meanwhile_says_it_was_published_by_whom(
    batch_world, draft, accounts
) -> None:
    shown = version(batch_world, draft)
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1", expected=shown)
    actions.publish(batch_world, accounts["dev"], draft, expected=shown + 1)
    worker.run_until_empty(batch_world)
    before = snapshot(batch_world, draft)

    # The stale tab still shows the empty draft: adding would queue the batch again and unlock
    # the new user at once, so it is refused.
    with pytest.raises(Stale) as refused:
        add_one.add_single(batch_world, accounts["admin"], draft, "id", "2", expected=shown)

    assert str(refused.value).startswith("This batch was published by dan at ")
    assert "nothing was changed. Reload the page" in str(refused.value)
    assert snapshot(batch_world, draft) == before


@pytest.mark.slow
def test_a_write_on_a_draft_deleted_meanwhile_says_it_was_deleted_by_whom(
    batch_world, draft, accounts
) -> None:
    shown = version(batch_world, draft)
    drafts.delete_draft(batch_world, accounts["dev"], draft, expected=shown)

    for attempt in stale_writes(batch_world, accounts["admin"], draft, shown).values():
        with pytest.raises(Stale, match=r"^This batch was deleted by dan at .*batch list"):
            attempt()
    assert batch_world.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ?", [draft]
    ).fetchall() == [(0,)]


@pytest.mark.slow
def test_retrying_errors_from_a_page_that_showed_an_older_state_is_refused(
    small_world, accounts
) -> None:
    cur = small_world
    batch = drafts.create_draft(cur, accounts["admin"], "Has an inactive user", VISIT_10)
    add_one.add_single(cur, accounts["admin"], batch, "id", "1")
    cur.execute(
        "INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by) "
        "VALUES (?, 10, 'unpublished', 'cli', 'ada')",
        [batch],
    )
    actions.publish(cur, accounts["admin"], batch)
    worker.run_until_empty(cur)  # user 10 is deactivated: "Partially published"
    shown = version(cur, batch)
    assert retry.retry_errors(cur, accounts["admin"], batch, expected=shown) == 1
    worker.run_until_empty(cur)  # fails again: "Partially published" again, one version on
    before = snapshot(cur, batch)

    with pytest.raises(Stale, match="queued again to retry its errors by ada"):
        retry.retry_errors(cur, accounts["dev"], batch, expected=shown)
    assert snapshot(cur, batch) == before


@pytest.mark.slow
def test_each_change_adds_one_to_the_version_and_the_publishers_progress_adds_none(
    batch_world, draft, accounts
) -> None:
    dev = accounts["dev"]
    steps = [
        lambda v: drafts.rename_draft(batch_world, dev, draft, "Renamed", expected=v),
        lambda v: add_file.add_upload(batch_world, dev, draft, upload("ID\n1\n2\n3\n"), "csv", v),
        lambda v: add_one.add_single(batch_world, dev, draft, "id", "4", expected=v),
        lambda v: membership.remove_users(batch_world, dev, draft, [4], expected=v),
        lambda v: quest_change.change_draft_quest(batch_world, dev, draft, VISIT_100, expected=v),
        lambda v: actions.publish(batch_world, dev, draft, expected=v),
    ]
    for n, step in enumerate(steps):
        assert version(batch_world, draft) == n
        step(n)
    assert version(batch_world, draft) == len(steps)
    worker.run_until_empty(batch_world)
    assert read_model.read(batch_world, draft).status == "published"
    assert version(batch_world, draft) == len(steps)


@pytest.mark.slow
def test_a_write_with_the_version_it_was_shown_goes_through(batch_world, draft, accounts) -> None:
    assert guard.check_expected(batch_world, accounts["dev"], draft, 0).id == draft
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1", expected=0)
    with pytest.raises(Stale):
        guard.check_expected(batch_world, accounts["dev"], draft, 0)
    assert members_of(batch_world, draft)["user_id"].to_list() == [1]


def test_every_audited_change_to_a_batch_has_words_for_the_refusal() -> None:
    assert set(audit.BATCH_ACTIONS) <= set(expected_state.CHANGED_BY)


def test_the_refusal_gives_the_time_in_the_viewers_zone() -> None:
    moment = datetime(2026, 3, 2, 9, 42, tzinfo=UTC)
    change = expected_state.Change("dev", "batch published", moment)
    refusal = Stale(7, change)
    assert refusal.message("Europe/Paris").startswith(
        "This batch was published by dev at 2026-03-02 10:42, after this page showed it"
    )
    assert "2026-03-02 09:42 UTC" in str(refusal)


@pytest.mark.slow
def test_an_older_data_file_gets_a_version_on_each_batch_and_keeps_its_rows(db_path) -> None:
    con = duckdb.connect(str(db_path))
    migrate(con, up_to=4)
    con.execute("INSERT INTO batches (name, quest_id, created_by) VALUES ('Kept', 1, 'ada')")
    con.close()

    upgraded = open_store(db_path)
    assert upgraded.execute("SELECT name, version FROM batches").fetchall() == [("Kept", 0)]
    assert audit.entries(upgraded).is_empty()
    upgraded.close()
