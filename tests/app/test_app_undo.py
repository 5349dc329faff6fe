"""AppTest: the batch page's way back (issue 15). Each state offers its own action to admins and
devs only ("Cancel publishing" queued, "Pause"/"Resume" running, "Revoke" finished), each asks
first in core's words and sends the version shown, and every refusal shows as the error it is.
The Publisher box's brake is for admins alone and says who pulled it and when."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.proto.Dataframe_pb2 import Dataframe
from streamlit.testing.v1 import AppTest

from core import words
from core.access.roles import Account, Role
from core.batches import add_file, drafts, read_model, rules
from core.publishing import actions, publisher_pause, undo, unlocking
from core.upload import intake
from pages.ui import formatting
from pages.web import runtime
from tests.support.apptest import app_as, fresh_quest_and_users, serve_demo_store
from tests.support.apptest import app_cursor as cursor
from tests.support.apptest import app_query as query

DETAIL = "pages/screens/batch_detail.py"
LIST = "pages/screens/batch_list.py"
DEV = Account("dev", Role.DEV)
ADMIN = Account("admin", Role.ADMIN)
UNDO_LABELS = {words.CANCEL_PUBLISHING, words.PAUSE, words.RESUME, words.REVOKE}


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves (no publisher runs in it)."""
    yield from serve_demo_store(tmp_path_factory.mktemp("undo"))


def fresh_users(n: int) -> tuple[int, list[int]]:
    """A usable quest and `n` active users in no batch of it yet: no two test batches share a
    user, so the publisher one test runs cannot make another's users fail as unlocked already."""
    quest, _ = fresh_quest_and_users(1)
    users = [
        r[0]
        for r in query(
            "SELECT id FROM platform_users p WHERE active AND NOT EXISTS "
            "(SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) AND NOT EXISTS "
            "(SELECT 1 FROM batch_users bu JOIN batches b ON b.id = bu.batch_id "
            "WHERE bu.user_id = p.id AND b.quest_id = ?) ORDER BY id LIMIT ?",
            [quest, quest, n],
        )
    ]
    assert len(users) == n
    return quest, users


def queued_batch(name: str, n: int, by: Account = DEV) -> tuple[int, list[int]]:
    """A batch of `n` users made and published by `by`: "Unpublished", waiting in the queue."""
    quest, users = fresh_users(n)
    draft = drafts.create_draft(cursor(), by, name, quest)
    text = "ID\n" + "\n".join(map(str, users)) + "\n"
    add_file.add_upload(cursor(), by, draft, intake.read_upload(text.encode(), "people.csv"))
    actions.publish(cursor(), by, draft)
    return draft, users


def running_batch(name: str, n: int) -> int:
    """A queued batch one of whose users the publisher (played here) has done: "In Progress"."""
    batch_id, users = queued_batch(name, n)

    def one_done(c) -> None:
        c.execute(
            "UPDATE batch_users SET status = 'published', processed_at = current_timestamp "
            "WHERE batch_id = ? AND user_id = ?",
            [batch_id, users[0]],
        )
        c.batches.refresh_counts([batch_id])

    cursor().transaction(one_done)
    assert read_model.read(cursor(), batch_id).status == rules.IN_PROGRESS
    return batch_id


def run_publisher_until(batch_id: int, statuses: tuple[str, ...]) -> read_model.Batch:
    """Run the publisher's chunks (the real ones) until the batch is in one of `statuses`."""
    for _ in range(50):
        batch = read_model.read(cursor(), batch_id)
        if batch.status in statuses:
            return batch
        unlocking.process_once(runtime.unit_of_work())
    raise AssertionError(f"batch {batch_id} stayed {batch.status}")


def finished_batch(name: str, n: int) -> tuple[int, list[int]]:
    """A batch published by the real publisher: every user "Published", their unlocks made."""
    batch_id, users = queued_batch(name, n)
    run_publisher_until(batch_id, rules.FINISHED_STATUSES)
    return batch_id, users


def open_detail(username: str, batch_id: int) -> AppTest:
    at = app_as(username, DETAIL, id=str(batch_id)).run()
    assert not at.exception
    return at


def users_grid(at: AppTest):
    """The batch page's users grid."""
    return next(d for d in at.dataframe if "added_via" in d.value.columns)


def undo_buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button if b.label in UNDO_LABELS}


def click(at: AppTest, label: str) -> AppTest:
    """Click the (first) button with this label and run the app."""
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def confirm(at: AppTest, batch_id: int) -> AppTest:
    at.button(key=f"undo_yes_{batch_id}").click().run()
    assert not at.exception
    return at


def test_each_state_offers_its_own_undo_to_admins_and_devs_and_none_to_analysts() -> None:
    done, _ = finished_batch("Offers revoke", 2)  # first: the publisher runs the whole queue
    queued, _ = queued_batch("Offers cancel", 2)
    running = running_batch("Offers pause", 3)
    for who in ("admin", "dev"):
        assert undo_buttons(open_detail(who, queued)) == {words.CANCEL_PUBLISHING}, who
        assert undo_buttons(open_detail(who, running)) == {words.PAUSE}, who
        at = open_detail(who, done)
        assert undo_buttons(at) == {words.REVOKE}, who
        assert Dataframe.MULTI_ROW not in users_grid(at).proto.selection_mode  # as always
        at.toggle(key=f"tick_to_revoke_{done}").set_value(True).run()
        assert Dataframe.MULTI_ROW in users_grid(at).proto.selection_mode  # ticks to revoke
    for batch_id in (queued, running, done):
        at = open_detail("analyst", batch_id)
        assert undo_buttons(at) == set()
        assert Dataframe.MULTI_ROW not in users_grid(at).proto.selection_mode
        assert not at.toggle


def test_cancel_publishing_asks_in_cores_words_then_the_batch_is_a_draft_again() -> None:
    batch_id, _ = queued_batch("Cancel me", 2)
    at = click(open_detail("dev", batch_id), words.CANCEL_PUBLISHING)
    batch = read_model.read(cursor(), batch_id)
    question = formatting.literal(undo.undo_question(batch, "cancel"))
    assert question in [m.value for m in at.markdown]
    assert read_model.read(cursor(), batch_id).status == rules.UNPUBLISHED  # asked, not done

    confirm(at, batch_id)
    assert read_model.read(cursor(), batch_id).status == rules.DRAFT
    # A draft opens on New Batch, as drafts do, with what happened said at the top.
    assert any(h.value == words.NEW_BATCH for h in at.title)
    assert any("is a draft again" in s.value for s in at.success)


def test_back_in_the_confirmation_changes_nothing() -> None:
    batch_id, _ = queued_batch("Not cancelled", 1)
    before = read_model.read(cursor(), batch_id)
    at = click(open_detail("dev", batch_id), words.CANCEL_PUBLISHING)
    at.button(key=f"undo_no_{batch_id}").click().run()
    assert not at.exception
    assert read_model.read(cursor(), batch_id) == before
    assert not [m for m in at.markdown if m.value.startswith("Cancel publishing")]


def test_a_batch_that_started_meanwhile_is_not_cancelled_and_the_page_says_why() -> None:
    batch_id, users = queued_batch("Started meanwhile", 2)
    at = click(open_detail("admin", batch_id), words.CANCEL_PUBLISHING)
    cursor().transaction(
        lambda c: (
            c.execute(
                "UPDATE batch_users SET status = 'published' WHERE batch_id = ? AND user_id = ?",
                [batch_id, users[0]],
            ),
            c.batches.refresh_counts([batch_id]),
        )
    )
    confirm(at, batch_id)
    assert read_model.read(cursor(), batch_id).status == rules.IN_PROGRESS
    assert any(words.PAUSE in e.value and "cannot be cancelled" in e.value for e in at.error)


def test_a_dev_cannot_cancel_an_admins_batch_and_is_told_so_with_a_lock() -> None:
    batch_id, _ = queued_batch("The admin's batch", 1, by=ADMIN)
    before = read_model.read(cursor(), batch_id)
    at = confirm(click(open_detail("dev", batch_id), words.CANCEL_PUBLISHING), batch_id)
    refusal = next(e for e in at.error if "was created by admin" in e.value)
    assert refusal.icon == ":material/lock:"
    assert read_model.read(cursor(), batch_id) == before


def test_pause_shows_paused_with_who_and_resume_lets_it_go_on() -> None:
    batch_id = running_batch("Pause me", 4)
    at = confirm(click(open_detail("dev", batch_id), words.PAUSE), batch_id)
    batch = read_model.read(cursor(), batch_id)
    assert batch.is_paused and batch.paused_by == "dev"
    badge = f":yellow-badge[{batch.status_label}]"  # "In Progress (25%) · Paused"
    assert batch.status_label.endswith(f" · {words.PAUSED}")
    assert badge in [m.value for m in at.markdown]
    assert any(c.value.startswith("Paused by dev · ") for c in at.caption)
    assert undo_buttons(at) == {words.RESUME}

    confirm(click(at, words.RESUME), batch_id)
    assert not read_model.read(cursor(), batch_id).is_paused
    assert undo_buttons(at) == {words.PAUSE}


def test_a_pause_on_a_page_drawn_before_another_tab_paused_is_refused_with_who_and_when() -> None:
    batch_id = running_batch("Paused elsewhere", 2)
    at = click(open_detail("admin", batch_id), words.PAUSE)
    undo.pause(cursor(), DEV, batch_id)  # another tab, after this page drew "Pause"

    confirm(at, batch_id)
    refusal = next(e.value for e in at.error)
    assert "This batch was" in refusal and "by dev at" in refusal
    assert read_model.read(cursor(), batch_id).paused_by == "dev"  # nothing written over it
    assert undo_buttons(at) == {words.RESUME}  # drawn again as it is now


def revoke_dialog(batch_id: int, username: str = "admin") -> AppTest:
    return click(open_detail(username, batch_id), words.REVOKE)


def test_revoke_previews_what_happens_asks_for_a_reason_and_then_revokes() -> None:
    batch_id, users = finished_batch("Revoke one", 3)
    at = revoke_dialog(batch_id)
    at.radio(key=f"revoke_{batch_id}_target").set_value("one").run()
    at.text_input(key=f"revoke_{batch_id}_lookup").input(str(users[0])).run()
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts["Will be revoked"] == "1" and counts["Not in this batch"] == "0"
    assert any(m.value.startswith("**Revoke ") for m in at.markdown)  # core's question

    at.button(key=f"revoke_{batch_id}_yes").click().run()  # no reason: core refuses
    assert not at.exception
    assert at.error and query(
        "SELECT count(*) FROM batch_users WHERE batch_id = ? AND status <> 'published'",
        [batch_id],
    ) == [(0,)]

    at.text_area(key=f"revoke_{batch_id}_reason").input("Sent to the wrong team").run()
    at.button(key=f"revoke_{batch_id}_yes").click().run()
    assert not at.exception
    assert query(
        "SELECT user_id, status, revoke_reason, revoked_by FROM batch_users "
        "WHERE batch_id = ? AND status <> 'published'",
        [batch_id],
    ) == [(users[0], "revoking", "Sent to the wrong team", "admin")]
    assert words.REVOKING in set(users_grid(at).value["status"])


def test_revoked_users_show_the_reason_who_and_when_and_the_filter_offers_them() -> None:
    from core.publishing import revoking

    batch_id, users = finished_batch("Revoked shown", 2)
    target = revoking.RevokeTarget(user_ids=(users[1],))
    revoking.revoke(cursor(), ADMIN, batch_id, target, "Duplicate award")
    run_publisher_until(batch_id, (rules.REVOKED, rules.PARTIALLY_REVOKED))

    at = open_detail("analyst", batch_id)
    grid = users_grid(at)
    row = grid.value[grid.value["user_id"] == str(users[1])].iloc[0]
    assert row["status"] == words.REVOKED and row["reason"] == "Duplicate award"
    assert row["revoked"].startswith("by admin · ")
    headers = [c.get("label") for c in json.loads(grid.proto.columns).values()]
    assert words.REVOKED in headers
    status_filter = at.selectbox(key="user_status")
    assert {words.REVOKING, words.REVOKED} <= set(status_filter.options)
    assert {m.label: m.value for m in at.metric}[words.REVOKED] == "1"


def test_only_an_admin_pauses_the_publisher_and_the_box_says_who_and_when() -> None:
    dev_box = app_as("dev", LIST).run()
    assert not dev_box.exception
    assert words.PAUSE_PUBLISHER not in {b.label for b in dev_box.button}

    at = app_as("admin", LIST).run()
    at = click(click(at, words.PAUSE_PUBLISHER), words.PAUSE_PUBLISHER)  # asked, then confirmed
    assert publisher_pause.publisher_pause(cursor()).by == "admin"
    assert any(w.value.startswith("Paused by admin · ") for w in at.warning)
    assert words.RESUME_PUBLISHER in {b.label for b in at.button}

    dev_box = app_as("dev", LIST).run()
    assert any(w.value.startswith("Paused by admin · ") for w in dev_box.warning)
    click(click(at, words.RESUME_PUBLISHER), words.RESUME_PUBLISHER)
    assert publisher_pause.publisher_pause(cursor()) is None


def test_a_file_of_users_is_previewed_row_by_row_saying_why_some_are_not_revoked() -> None:
    batch_id, users = finished_batch("Revoke a file", 2)
    _, (outsider,) = fresh_users(1)
    text = f"ID\n{users[0]}\n{outsider}\n999999993\n"
    at = revoke_dialog(batch_id)
    at.radio(key=f"revoke_{batch_id}_target").set_value("file").run()
    at.file_uploader(key=f"revoke_{batch_id}_file").set_value(
        ("wrong.csv", text.encode(), "text/csv")
    ).run()
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts["Will be revoked"] == "1" and counts["Not in this batch"] == "2"
    why = next(d for d in at.dataframe if "Why" in d.value.columns).value
    assert list(why["Row"]) == ["3", "4"]  # as a spreadsheet numbers them (the header is 1)
    assert list(why[words.USER_ID][:1]) == [str(outsider)]
    assert "Will be revoked" not in set(why["Why"])
    question = next(m.value for m in at.markdown if m.value.startswith("**Revoke "))
    assert question.endswith("from 1 user?**")


def test_the_preview_is_worked_out_once_per_target_not_again_as_the_reason_is_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.publishing import revoking

    batch_id, users = finished_batch("Preview once", 2)
    targets = []
    real = revoking.preview_revoke

    def counted(uow, actor, batch, target):
        targets.append(target)
        return real(uow, actor, batch, target)

    monkeypatch.setattr(revoking, "preview_revoke", counted)
    at = revoke_dialog(batch_id)  # all users, previewed at once
    assert len(targets) == 1 and targets[0].all_users
    at.text_area(key=f"revoke_{batch_id}_reason").input("Sent to the wrong team").run()
    at.radio(key=f"revoke_{batch_id}_target").set_value("one").run()
    at.text_input(key=f"revoke_{batch_id}_lookup").input(str(users[0])).run()
    at.text_area(key=f"revoke_{batch_id}_reason").input("Sent to the wrong team, twice").run()
    at.radio(key=f"revoke_{batch_id}_target").set_value("all").run()
    assert not at.exception
    assert [(t.all_users, t.lookup) for t in targets] == [(True, None), (False, str(users[0]))]
    assert {m.label: m.value for m in at.metric}["Will be revoked"] == "2"


def test_while_a_revoke_runs_the_page_says_users_go_from_revoking_to_revoked() -> None:
    from core.publishing import revoking

    batch_id, _ = finished_batch("Revoking note", 2)
    revoking.revoke(cursor(), ADMIN, batch_id, revoking.RevokeTarget(all_users=True), "Wrong")
    at = open_detail("analyst", batch_id)
    assert read_model.read(cursor(), batch_id).status == rules.REVOKING
    captions = [c.value for c in at.caption]
    assert any(f"from “{words.REVOKING}” to “{words.REVOKED}” a chunk" in c for c in captions)
    assert not any(f"from “{words.UNPUBLISHED}”" in c for c in captions)


def test_a_revoked_batch_with_users_in_error_still_offers_retry_errors() -> None:
    from core.publishing import revoking

    batch_id, users = queued_batch("Revoked with errors", 3)
    leaver = users[0]
    cursor().execute("UPDATE platform_users SET active = FALSE WHERE id = ?", [leaver])
    run_publisher_until(batch_id, rules.FINISHED_STATUSES)
    revoking.revoke(cursor(), ADMIN, batch_id, revoking.RevokeTarget(all_users=True), "Wrong")
    batch = run_publisher_until(batch_id, (rules.REVOKED, rules.PARTIALLY_REVOKED))
    assert batch.n_error == 1
    cursor().execute("UPDATE platform_users SET active = TRUE WHERE id = ?", [leaver])

    at = open_detail("dev", batch_id)
    retry_button = next(b for b in at.button if b.label == words.RETRY_ERRORS)
    assert not retry_button.disabled
    retry_button.click().run()
    assert not at.exception
    assert query(
        "SELECT status FROM batch_users WHERE batch_id = ? AND user_id = ?", [batch_id, leaver]
    ) == [("unpublished",)]


def test_a_file_naming_a_user_twice_lists_the_merged_row_among_those_not_revoked() -> None:
    batch_id, users = finished_batch("Revoke a repeat", 2)
    text = f"ID\n{users[0]}\n{users[0]}\n"
    at = revoke_dialog(batch_id)
    at.radio(key=f"revoke_{batch_id}_target").set_value("file").run()
    at.file_uploader(key=f"revoke_{batch_id}_file").set_value(
        ("twice.csv", text.encode(), "text/csv")
    ).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Will be revoked"] == "1"
    why = next(d for d in at.dataframe if "Why" in d.value.columns).value
    assert list(why["Row"]) == ["3"] and list(why["Why"]) == [words.MSG_DUPLICATE]
    assert list(why[words.USER_ID]) == [str(users[0])]
