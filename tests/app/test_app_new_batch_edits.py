"""AppTest: on New Batch no edit is lost, made behind the admin's back, or written in a loop;
on a batch, "Retry errors" retries only what can succeed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import words
from core.access.roles import Account, Role
from core.batches import add_one, drafts
from core.publishing import actions, worker
from tests.support.apptest import app_as, serve_demo_store
from tests.support.store import sql_view

NEW = "pages/screens/new_batch.py"
DETAIL = "pages/screens/batch_detail.py"
DEV = Account("dev", Role.DEV)


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("edits"))


def cursor():
    """The app's own connection to the demo store (one per process)."""
    from pages.web import runtime

    return sql_view(runtime.unit_of_work())


def query(sql: str, params: list | None = None) -> list[tuple]:
    return cursor().execute(sql, params or []).fetchall()


def two_quests_and_users() -> tuple[int, int, int, int]:
    """Quests A and B (usable), a user U1 who holds B but not A, and U2 who holds neither."""
    usable = "SELECT q.id FROM quests q JOIN badges b ON b.id = q.badge_id WHERE NOT q.archived AND NOT b.archived"
    a, b = (r[0] for r in query(usable + " ORDER BY q.id LIMIT 2"))
    u1, u2 = (
        query(
            "SELECT id FROM platform_users p WHERE active AND "
            "EXISTS (SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) AND "
            "NOT EXISTS (SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) "
            "ORDER BY id LIMIT 1",
            [b, a],
        )[0][0],
        query(
            "SELECT id FROM platform_users p WHERE active AND NOT EXISTS "
            "(SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id IN (?, ?)) ORDER BY id LIMIT 1",
            [a, b],
        )[0][0],
    )
    return a, b, u1, u2


def written(batch_id: int) -> tuple:
    """What a write leaves behind: "Last updated", the name and quest, and the audit entries."""
    return (
        query("SELECT updated_at, name, quest_id FROM batches WHERE id = ?", [batch_id]),
        query("SELECT count(*) FROM audit_log WHERE batch_id = ?", [batch_id]),
    )


def open_draft(batch_id: int) -> AppTest:
    at = app_as("dev", NEW, draft=str(batch_id)).run()
    assert not at.exception
    return at


def name_field(at: AppTest):
    return next(t for t in at.text_input if t.label == words.NAME)


def publish_button(at: AppTest):
    return next(b for b in at.button if b.label == words.PUBLISH)


def test_a_draft_whose_name_differs_only_in_whitespace_reruns_without_any_write() -> None:
    a, _b, _u1, _u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "a  b\u00a0c", a)
    at = open_draft(draft)
    before = written(draft)

    name_field(at).input("a  b\u00a0c").run()
    for _ in range(3):
        at.run()

    assert not at.exception
    assert written(draft) == before
    assert query("SELECT name FROM batches WHERE id = ?", [draft]) == [("a b c",)]


def test_publish_publishes_the_name_as_typed_without_enter() -> None:
    a, _b, _u1, u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "X OLD", a)
    add_one.add_single(cursor(), DEV, draft, "id", str(u2))
    at = open_draft(draft)

    # One run carries both, as in the browser: leaving the field commits it as Publish is clicked.
    name_field(at).input("X NEW")
    publish_button(at).click()
    at.run()
    at.button(key=f"publish_yes_{draft}").click().run()  # the confirmation's own Publish

    assert not at.exception
    assert query("SELECT name, status <> 'draft' FROM batches WHERE id = ?", [draft]) == [
        ("X NEW", True)
    ]


def test_an_empty_name_disables_publish_with_the_fields_own_message() -> None:
    a, _b, _u1, _u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "Keeps its name", a)
    at = open_draft(draft)

    name_field(at).input("").run()

    assert publish_button(at).disabled
    assert "has no name" in publish_button(at).help
    assert any("has no name" in e.value for e in at.error)
    assert query("SELECT name, status FROM batches WHERE id = ?", [draft]) == [
        ("Keeps its name", "draft")
    ]


def open_picker(at: AppTest, draft: int) -> AppTest:
    """Open the draft's quest picker, as the user does: it draws its quests only while open."""
    at.session_state[f"quest_{draft}_popover"] = True
    return at.run()


def test_a_quest_change_that_removes_users_asks_first_and_reports_after() -> None:
    a, b, u1, u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "Switches quest", a)
    add_one.add_single(cursor(), DEV, draft, "id", str(u1))
    add_one.add_single(cursor(), DEV, draft, "id", str(u2))
    at = open_picker(open_draft(draft), draft)

    at.button(key=f"quest_{draft}_q{b}").click().run()

    assert any(
        "will be removed from this draft" in w.value and str(u1) in w.value for w in at.warning
    )
    assert query("SELECT quest_id, n_users FROM batches WHERE id = ?", [draft]) == [(a, 2)]

    at.button(key=f"confirm_quest_{draft}").click().run()

    assert not at.exception
    assert query("SELECT quest_id, n_users FROM batches WHERE id = ?", [draft]) == [(b, 1)]
    assert any("was removed" in s.value and str(u1) in s.value for s in at.success)


def test_a_quest_change_can_be_cancelled_and_changes_nothing() -> None:
    a, b, u1, u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "Keeps its quest", a)
    add_one.add_single(cursor(), DEV, draft, "id", str(u1))
    add_one.add_single(cursor(), DEV, draft, "id", str(u2))
    at = open_picker(open_draft(draft), draft)
    before = written(draft)

    at.button(key=f"quest_{draft}_q{b}").click().run()
    at.button(key=f"keep_quest_{draft}").click().run()

    assert not at.exception
    assert not at.warning
    assert written(draft) == before
    assert query("SELECT quest_id, n_users FROM batches WHERE id = ?", [draft]) == [(a, 2)]


def test_delete_from_a_tab_that_shows_an_older_draft_is_refused_in_words() -> None:
    a, _b, _u1, u2 = two_quests_and_users()
    draft = drafts.create_draft(cursor(), DEV, "Two tabs", a)
    stale = open_draft(draft)
    add_one.add_single(cursor(), DEV, draft, "id", str(u2), expected=0)  # the other tab

    stale.button(key=f"delete_{draft}").click().run()

    assert not stale.exception
    assert any(
        "This batch was given more users by dev" in e.value and "nothing was changed" in e.value
        for e in stale.error
    )
    assert query("SELECT status, n_users FROM batches WHERE id = ?", [draft]) == [("draft", 1)]


def test_the_detail_page_retries_only_errors_that_can_go_away_and_says_which_would_not() -> None:
    a, _b, _u1, u2 = two_quests_and_users()
    leaver = query(
        "SELECT id FROM platform_users p WHERE active AND id > ? AND NOT EXISTS "
        "(SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) ORDER BY id LIMIT 1",
        [u2, a],
    )[0][0]
    draft = drafts.create_draft(cursor(), DEV, "Has a leaver", a)
    add_one.add_single(cursor(), DEV, draft, "id", str(u2))
    add_one.add_single(cursor(), DEV, draft, "id", str(leaver))
    cursor().execute("UPDATE platform_users SET active = FALSE WHERE id = ?", [leaver])
    actions.publish(cursor(), DEV, draft)
    worker.run_until_empty(cursor())
    assert query("SELECT status FROM batches WHERE id = ?", [draft]) == [("partially_published",)]
    before = written(draft)

    at = app_as("admin", DETAIL, id=str(draft)).run()

    assert not at.exception
    assert any(
        "1 user in “Error” would fail again as things stand" in c.value
        and "1 still deactivated" in c.value
        for c in at.caption
    )
    assert next(b for b in at.button if b.label == words.RETRY_ERRORS).disabled
    at.run()
    assert written(draft) == before  # nothing retried, "Last updated" unchanged

    cursor().execute("UPDATE platform_users SET active = TRUE WHERE id = ?", [leaver])
    at.run()
    next(b for b in at.button if b.label == words.RETRY_ERRORS).click().run()

    assert not at.exception
    assert query(
        "SELECT status FROM batch_users WHERE batch_id = ? AND user_id = ?", [draft, leaver]
    ) in (
        [("unpublished",)],
        [("published",)],  # the app's own publisher may have taken it already
    )
