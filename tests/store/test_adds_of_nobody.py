"""An add that adds nobody changes nothing (issue 17's review), on both stores: the batch keeps
its version, "Last updated", its place (or none) in the queue and its audit log, so a write made
with the version shown before it still goes through; a real add still adds exactly one version."""

from __future__ import annotations

import pytest

from core import audit
from core.batches import add_file, add_one, cli_fill, read_model
from core.batches.expected_state import Stale
from core.publishing import actions, worker
from tests.support.batches import HOLDS_VISIT_10, upload

# Rows of which nobody can be added to the draft once user 1 is in it: user 1 itself, the holder
# of the quest, a user nobody has.
NOBODY_NEW = f"ID\n1\n{HOLDS_VISIT_10}\n999999\n"


def snapshot(cur, batch_id: int) -> tuple:
    """Everything an add could change: the batch's row, its users, its audit entries."""
    row = cur.execute("SELECT * FROM batches WHERE id = ?", [batch_id]).fetchall()
    users = cur.execute(
        "SELECT user_id, status FROM batch_users WHERE batch_id = ? ORDER BY 1", [batch_id]
    ).fetchall()
    log = cur.execute("SELECT count(*) FROM audit_log WHERE batch_id = ?", [batch_id]).fetchall()
    return row, users, log


def version(cur, batch_id: int) -> int:
    return read_model.read(cur, batch_id).version


@pytest.fixture
def with_one_user(batch_world, draft, accounts) -> int:
    """The draft holding user 1."""
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1")
    return draft


def test_an_upload_that_adds_nobody_leaves_the_batch_as_it_was_and_still_reports(
    batch_world, with_one_user, accounts
) -> None:
    before = snapshot(batch_world, with_one_user)

    result = add_file.add_upload(
        batch_world, accounts["dev"], with_one_user, upload(NOBODY_NEW), "csv"
    )

    assert (result.added, result.changed) == (0, False)
    assert result.preview.n_errors == 3 and result.message.startswith("0 users added")
    assert snapshot(batch_world, with_one_user) == before


def test_after_an_add_of_nobody_a_write_with_the_version_shown_before_goes_through(
    batch_world, with_one_user, accounts
) -> None:
    shown = version(batch_world, with_one_user)
    add_file.add_upload(
        batch_world, accounts["admin"], with_one_user, upload(NOBODY_NEW), "csv", shown
    )

    actions.publish(batch_world, accounts["dev"], with_one_user, expected=shown)

    assert version(batch_world, with_one_user) == shown + 1
    actions_logged = audit.entries(batch_world, with_one_user)["action"].to_list()
    assert actions_logged.count(audit.Action.USERS_ADDED) == 1  # user 1's add only


def test_an_add_of_nobody_with_a_stale_version_is_still_refused(
    batch_world, with_one_user, accounts
) -> None:
    stale = version(batch_world, with_one_user) - 1
    before = snapshot(batch_world, with_one_user)

    with pytest.raises(Stale, match="was given more users by dan"):
        add_file.add_upload(
            batch_world, accounts["admin"], with_one_user, upload(NOBODY_NEW), "csv", stale
        )
    assert snapshot(batch_world, with_one_user) == before


def test_a_published_batch_given_nobody_new_is_not_queued_again(
    batch_world, with_one_user, accounts
) -> None:
    actions.publish(batch_world, accounts["dev"], with_one_user)
    worker.run_until_empty(batch_world)
    assert read_model.read(batch_world, with_one_user).status == "published"
    before = snapshot(batch_world, with_one_user)

    result = add_file.add_upload(
        batch_world, accounts["dev"], with_one_user, upload(NOBODY_NEW), "csv"
    )

    assert result.added == 0
    assert snapshot(batch_world, with_one_user) == before  # status, queued_at, version alike


def test_a_command_line_fill_of_nobody_leaves_the_batch_as_it_was(
    batch_world, with_one_user, accounts
) -> None:
    before = snapshot(batch_world, with_one_user)

    result = cli_fill.add_to_batch(batch_world, accounts["dev"], with_one_user, [upload("ID\n1\n")])

    assert result.added == 0
    assert snapshot(batch_world, with_one_user) == before


@pytest.mark.parametrize(
    "add",
    [
        lambda cur, actor, batch, v: add_file.add_upload(
            cur, actor, batch, upload("ID\n1\n2\n3\n"), "csv", v
        ),
        lambda cur, actor, batch, v: add_one.add_single(cur, actor, batch, "id", "2", expected=v),
    ],
    ids=["upload", "single"],
)
def test_a_real_add_adds_exactly_one_version_and_one_audit_entry(
    batch_world, draft, accounts, add
) -> None:
    shown = version(batch_world, draft)
    logged = len(audit.entries(batch_world, draft))

    add(batch_world, accounts["dev"], draft, shown)

    assert version(batch_world, draft) == shown + 1
    assert len(audit.entries(batch_world, draft)) == logged + 1


def test_an_upload_that_adds_someone_says_it_changed_the_batch(
    batch_world, with_one_user, accounts
) -> None:
    result = add_file.add_upload(
        batch_world, accounts["dev"], with_one_user, upload(NOBODY_NEW + "2\n"), "csv"
    )

    assert (result.added, result.changed) == (1, True)
