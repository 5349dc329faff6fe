"""Drafts and batch users: create, rename, delete, add from files or one by one, remove, roles."""

from __future__ import annotations

import threading

import duckdb
import pytest

from core import audit, words
from core.access.roles import Account
from core.audit import Action
from core.batches import (
    add_file,
    add_one,
    cli_fill,
    drafts,
    errors,
    membership,
    quest_change,
    read_model,
    row_status,
    rules,
)
from core.catalog import editing
from core.errors import InputError, NotFound, PermissionDenied
from core.publishing.actions import publish
from core.upload import intake
from tests.support.batches import (
    ANSWER,
    HOLDS_VISIT_10,
    INACTIVE_USER,
    VISIT_10,
    VISIT_100,
    members_of,
    upload,
)
from tests.support.world import DATA


def members(cur: duckdb.DuckDBPyConnection, batch_id: int) -> list[int]:
    return sorted(members_of(cur, batch_id)["user_id"].to_list())


def actions(cur: duckdb.DuckDBPyConnection, batch_id: int) -> list[str]:
    return audit.entries(cur, batch_id)["action"].to_list()[::-1]


def stored(cur: duckdb.DuckDBPyConnection, batch_id: int) -> tuple:
    return cur.execute(
        "SELECT status, n_users, n_unpublished, queued_at IS NOT NULL FROM batches WHERE id = ?",
        [batch_id],
    ).fetchall()[0]


# --- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_saved_with_its_name_and_quest_and_audited(batch_world, accounts) -> None:
    batch_id = drafts.create_draft(batch_world, accounts["dev"], "  Spring   onboarding ", 1)
    batch = read_model.read(batch_world, batch_id)
    assert (batch.name, batch.quest_id, batch.status, batch.created_by) == (
        "Spring onboarding",
        VISIT_10,
        "draft",
        "dan",
    )
    assert (batch.badge, batch.quest, batch.n_users, batch.is_draft) == (
        "Explorer",
        "Visit 10 pages",
        0,
        True,
    )
    assert batch.status_label == words.DRAFT
    assert actions(batch_world, batch_id) == [Action.BATCH_CREATED]


def test_a_draft_needs_a_name(batch_world, accounts) -> None:
    with pytest.raises(InputError, match="no name"):
        drafts.create_draft(batch_world, accounts["dev"], "   ", VISIT_10)
    with pytest.raises(InputError, match="longer than 120"):
        drafts.create_draft(batch_world, accounts["dev"], "x" * 121, VISIT_10)


def test_a_draft_for_an_archived_or_unknown_quest_is_refused(batch_world, accounts) -> None:
    editing.set_quest_archived(batch_world, accounts["admin"], ANSWER)
    with pytest.raises(InputError, match="is archived"):
        drafts.create_draft(batch_world, accounts["dev"], "Mentors", ANSWER)
    with pytest.raises(NotFound):
        drafts.create_draft(batch_world, accounts["dev"], "Ghost", 999)
    assert read_model.list_drafts(batch_world, accounts["admin"]).is_empty()


def test_an_analyst_cannot_create_or_change_batches(batch_world, draft, accounts) -> None:
    analyst = accounts["analyst"]
    with pytest.raises(PermissionDenied):
        drafts.create_draft(batch_world, analyst, "Mine", VISIT_10)
    for attempt in (
        lambda: drafts.rename_draft(batch_world, analyst, draft, "New"),
        lambda: quest_change.change_draft_quest(batch_world, analyst, draft, VISIT_100),
        lambda: drafts.delete_draft(batch_world, analyst, draft),
        lambda: add_file.add_upload(batch_world, analyst, draft, upload("ID\n1\n")),
        lambda: add_one.add_single(batch_world, analyst, draft, "id", "1"),
        lambda: membership.remove_users(batch_world, analyst, draft, [1]),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert members(batch_world, draft) == []


def test_drafts_are_listed_for_their_creator_and_for_admins(batch_world, draft, accounts) -> None:
    other = Account("deb", accounts["dev"].role)
    mine = drafts.create_draft(batch_world, other, "Deb's", VISIT_100)
    assert read_model.list_drafts(batch_world, accounts["dev"])["id"].to_list() == [draft]
    assert read_model.list_drafts(batch_world, other)["id"].to_list() == [mine]
    assert sorted(read_model.list_drafts(batch_world, accounts["admin"])["id"]) == [draft, mine]
    assert read_model.list_drafts(batch_world, accounts["analyst"]).is_empty()


@pytest.mark.slow
def test_someone_elses_draft_cannot_be_opened_or_changed_except_by_an_admin(
    batch_world, draft, accounts
) -> None:
    other = Account("deb", accounts["dev"].role)
    with pytest.raises(PermissionDenied, match=f"^No batch {draft} is visible to you"):
        read_model.get_batch(batch_world, draft, other)
    with pytest.raises(PermissionDenied):
        add_one.add_single(batch_world, other, draft, "id", "1")
    assert read_model.get_batch(batch_world, draft, accounts["admin"]).id == draft
    add_one.add_single(batch_world, accounts["admin"], draft, "id", "1")
    assert members(batch_world, draft) == [1]


def test_a_draft_can_be_renamed(batch_world, draft, accounts) -> None:
    drafts.rename_draft(batch_world, accounts["dev"], draft, "Summer onboarding")
    assert read_model.read(batch_world, draft).name == "Summer onboarding"
    assert actions(batch_world, draft)[-1] == Action.DRAFT_RENAMED
    with pytest.raises(InputError):
        drafts.rename_draft(batch_world, accounts["dev"], draft, "")


@pytest.mark.slow
def test_changing_a_drafts_quest_removes_the_users_who_already_hold_it(
    batch_world, accounts
) -> None:
    dev = accounts["dev"]
    batch_id = drafts.create_draft(batch_world, dev, "Second level", VISIT_100)
    add_file.add_upload(batch_world, dev, batch_id, upload(f"ID\n1\n{HOLDS_VISIT_10}\n"))
    assert members(batch_world, batch_id) == [1, HOLDS_VISIT_10]
    assert quest_change.change_draft_quest(batch_world, dev, batch_id, VISIT_10) == 1
    batch = read_model.read(batch_world, batch_id)
    assert (batch.quest_id, batch.n_users) == (VISIT_10, 1)
    assert members(batch_world, batch_id) == [1]
    assert quest_change.change_draft_quest(batch_world, dev, batch_id, VISIT_10) == 0


@pytest.mark.slow
def test_a_draft_can_be_deleted_with_its_users(batch_world, draft, accounts) -> None:
    add_file.add_upload(batch_world, accounts["dev"], draft, upload("ID\n1\n2\n"))
    drafts.delete_draft(batch_world, accounts["dev"], draft)
    with pytest.raises(NotFound):
        read_model.read(batch_world, draft)
    left = "SELECT count(*) FROM batch_users WHERE batch_id = ?"
    assert batch_world.execute(left, [draft]).fetchone()[0] == 0
    assert actions(batch_world, draft)[-1] == Action.DRAFT_DELETED


def test_a_published_batch_cannot_be_renamed_deleted_or_emptied(batch_world, accounts) -> None:
    admin = accounts["admin"]  # batch 1 of batch_world is Published
    with pytest.raises(errors.NotEditable, match="only a draft"):
        drafts.rename_draft(batch_world, admin, 1, "New name")
    with pytest.raises(errors.NotEditable):
        drafts.delete_draft(batch_world, admin, 1)
    with pytest.raises(errors.NotEditable):
        membership.remove_users(batch_world, admin, 1, [HOLDS_VISIT_10])
    assert read_model.read(batch_world, 1).name == "Old"


# --- adding an upload -------------------------------------------------------------------------


@pytest.mark.slow
def test_only_the_good_rows_of_an_upload_are_added(batch_world, draft, accounts) -> None:
    text = f"ID;Username\n1;\n2;\n999;\n;user1\n{INACTIVE_USER};\n{HOLDS_VISIT_10};\n1;user3\n"
    result = add_file.add_upload(batch_world, accounts["dev"], draft, upload(text, "spring.csv"))
    assert result.added == 2
    assert members(batch_world, draft) == [1, 2]
    assert result.message == (
        "2 users added to the batch. 4 rows not added: 1 not found, 1 user not found, "
        "1 already unlocked, 1 deactivated. 1 duplicated row merged."
    )
    frame = members_of(batch_world, draft)
    assert {"user_id", "username", "email", "added_via", "status", "error_reason"} <= set(
        frame.columns
    )
    assert frame.select("username", "email", "added_via", "status").rows() == [
        ("user1", "user1@example.com", "csv", "unpublished"),
        ("user2", "user2@example.com", "csv", "unpublished"),
    ]
    batch = read_model.read(batch_world, draft)
    assert (batch.status, batch.n_users, batch.n_unpublished) == ("draft", 2, 2)
    assert "2 added from “spring.csv” (csv)" in audit.entries(batch_world, draft)["detail"][0]


@pytest.mark.slow
def test_an_upload_sees_the_users_already_in_the_batch(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    add_file.add_upload(batch_world, dev, draft, upload("ID\n1\n2\n"))
    result = add_file.add_upload(batch_world, dev, draft, upload("ID\n2\n3\n"))
    assert result.added == 1
    assert result.preview.counts[row_status.ALREADY_IN_BATCH] == 1
    assert members(batch_world, draft) == [1, 2, 3]


@pytest.mark.slow
def test_an_upload_that_would_overfill_the_batch_adds_nothing(batch_world, draft, accounts) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.org', 'u' || i, "
        "'u' || i || '@x.org', TRUE FROM generate_series(13, 5002) r(i)"
    )
    batch_world.execute("UPDATE platform_users SET active = TRUE")
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "5002")
    big = intake.read_upload_file(DATA / "users_5001.csv")  # 5,000 can go in: user 7 cannot
    with pytest.raises(errors.BatchFull, match=r"5,001 users in all, over the limit of 5,000"):
        add_file.add_upload(batch_world, accounts["dev"], draft, big)
    assert members(batch_world, draft) == [5002]
    assert read_model.read(batch_world, draft).n_users == 1


def test_adding_to_a_published_batch_queues_it_again(batch_world, accounts) -> None:
    admin = accounts["admin"]  # batch 1: Published, user 7 Published
    result = add_file.add_upload(batch_world, admin, 1, upload("ID\n1\n2\n"))
    assert result.added == 2
    status, n_users, n_unpublished, queued = stored(batch_world, 1)
    assert (n_users, n_unpublished, queued) == (3, 2, True)
    assert status in rules.PENDING_STATUSES
    assert status == rules.derive_status(3, 0, 1, 0)


def test_adding_nothing_to_a_published_batch_leaves_it_published(batch_world, accounts) -> None:
    result = add_file.add_upload(batch_world, accounts["admin"], 1, upload("ID\n999\n"))
    assert result.added == 0
    assert stored(batch_world, 1) == ("published", 1, 0, False)


@pytest.mark.parametrize("status", ["unpublished", "in_progress", "partially_published"])
def test_a_batch_that_is_not_draft_or_published_takes_no_users(
    batch_world, accounts, status: str
) -> None:
    batch_world.execute("UPDATE batches SET status = ? WHERE id = 1", [status])
    with pytest.raises(errors.NotEditable, match=words.ADD_REQUIRES_PUBLISHED):
        add_file.add_upload(batch_world, accounts["admin"], 1, upload("ID\n1\n"))
    with pytest.raises(errors.NotEditable, match=words.ADD_REQUIRES_PUBLISHED):
        add_one.add_single(batch_world, accounts["admin"], 1, "id", "1")
    assert members(batch_world, 1) == [HOLDS_VISIT_10]


@pytest.mark.slow
def test_two_tabs_adding_the_same_file_at_once_add_each_user_once(
    batch_world, draft, accounts
) -> None:
    text = "ID\n" + "\n".join(str(i) for i in range(1, 7)) + "\n"
    errors: list[Exception] = []

    def add() -> None:
        try:
            add_file.add_upload(batch_world.cursor(), accounts["dev"], draft, upload(text))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert members(batch_world, draft) == [1, 2, 3, 4, 5, 6]
    assert read_model.read(batch_world, draft).n_users == 6


# --- adding one user --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_single_user_is_added_by_id_or_by_username(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    added = add_one.add_single(batch_world, dev, draft, "id", " 3 ")
    assert (added.user_id, added.username, added.email) == (3, "user3", "user3@example.com")
    assert added.message == "user3 (User ID 3) was added to the batch."
    added = add_one.add_single(batch_world, dev, draft, "username", "RENÉE")
    assert added.username == "Renée"
    frame = members_of(batch_world, draft)
    assert frame.select("user_id", "added_via").rows() == [(3, "single"), (11, "single")]
    assert read_model.read(batch_world, draft).n_users == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("by", "value", "error", "message"),
    [
        ("id", "999", errors.UserNotFound, "No user has the User ID “999”. Check the number"),
        ("id", "12a", errors.UserNotFound, "digits only"),
        ("id", "", errors.UserNotFound, "Type a User ID first"),
        ("username", "ghost", errors.UserNotFound, "No user has the username “ghost”"),
        ("id", "7", errors.AlreadyUnlocked, "user7 .* already has the badge quest"),
        ("id", "10", errors.UserInactive, "user10 .* is deactivated"),
        ("username", "user1", errors.AlreadyInBatch, "user1 .* is already in this batch"),
    ],
)
def test_a_single_user_that_cannot_be_added_gets_a_clear_refusal(
    batch_world, draft, accounts, by: str, value: str, error: type, message: str
) -> None:
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1")
    with pytest.raises(error, match=message):
        add_one.add_single(batch_world, accounts["dev"], draft, by, value)
    assert issubclass(error, InputError)
    assert members(batch_world, draft) == [1]


def test_a_single_user_cannot_go_into_a_full_batch(batch_world, draft, accounts) -> None:
    batch_world.execute(
        "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
        "SELECT ?, i, 'cli', 'test' FROM generate_series(100000, 104999) r(i)",
        [draft],
    )
    with pytest.raises(errors.BatchFull, match="5,000"):
        add_one.add_single(batch_world, accounts["dev"], draft, "id", "1")


# --- removing ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_user_can_be_removed_from_a_draft(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    add_file.add_upload(batch_world, dev, draft, upload("ID\n1\n2\n"))
    membership.remove_users(batch_world, dev, draft, [1])
    assert members(batch_world, draft) == [2]
    assert read_model.read(batch_world, draft).n_users == 1
    assert actions(batch_world, draft)[-1] == Action.USER_REMOVED
    with pytest.raises(NotFound, match="not in the batch"):
        membership.remove_users(batch_world, dev, draft, [1])


@pytest.mark.slow
def test_several_users_leave_a_draft_in_one_step_and_one_audit_entry(
    batch_world, draft, accounts
) -> None:
    dev = accounts["dev"]
    add_file.add_upload(batch_world, dev, draft, upload("ID\n1\n2\n3\n"))
    before = len(actions(batch_world, draft))
    assert membership.remove_users(batch_world, dev, draft, [3, 1, 1]) == 2
    assert members(batch_world, draft) == [2]
    assert read_model.read(batch_world, draft).n_users == 1
    assert actions(batch_world, draft)[before:] == [Action.USER_REMOVED]


@pytest.mark.slow
def test_a_stale_selection_removes_no_one(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    add_file.add_upload(batch_world, dev, draft, upload("ID\n1\n2\n"))
    with pytest.raises(NotFound, match=r"User ID 5 is not in the batch.*Reload"):
        membership.remove_users(batch_world, dev, draft, [1, 5])
    assert members(batch_world, draft) == [1, 2]


# --- several steps in one transaction ---------------------------------------------------------


@pytest.mark.slow
def test_create_batch_adds_files_and_ids_together(batch_world, accounts) -> None:
    result = cli_fill.create_batch(
        batch_world,
        accounts["dev"],
        "From the CLI",
        VISIT_10,
        [upload("ID\n1\n2\n", "a.csv"), upload("ID\n2\n3\n", "b.csv")],
        ["4"],
    )
    assert result.added == 4
    assert [f.added for f in result.files] == [2, 1]
    assert members(batch_world, result.batch_id) == [1, 2, 3, 4]
    assert set(members_of(batch_world, result.batch_id)["added_via"]) == {"cli"}


@pytest.mark.slow
def test_create_batch_with_a_bad_user_leaves_no_draft_behind(batch_world, accounts) -> None:
    with pytest.raises(errors.UserNotFound):
        cli_fill.create_batch(
            batch_world, accounts["dev"], "X", VISIT_10, [upload("ID\n1\n")], ["999"]
        )
    assert read_model.list_drafts(batch_world, accounts["admin"]).is_empty()
    assert batch_world.execute("SELECT count(*) FROM batch_users").fetchall()[0][0] == 1


# --- no change is lost or made silently ---------------------------------------------------------


def stamp(cur: duckdb.DuckDBPyConnection, batch_id: int) -> tuple:
    """What a write leaves behind: "Last updated" and the audit entries."""
    row = cur.execute("SELECT updated_at FROM batches WHERE id = ?", [batch_id]).fetchall()
    return row[0], actions(cur, batch_id)


@pytest.mark.parametrize(
    "same", ["Spring onboarding", " Spring  onboarding ", "Spring\t\u00a0onboarding"]
)
def test_renaming_a_draft_to_its_own_name_under_the_cleaning_rule_writes_nothing(
    batch_world, draft, accounts, same: str
) -> None:
    before = stamp(batch_world, draft)
    renamed = drafts.rename_draft(batch_world, accounts["dev"], draft, same)
    assert stamp(batch_world, draft) == before
    assert renamed is False


def test_pointing_a_draft_at_its_own_quest_writes_nothing(batch_world, draft, accounts) -> None:
    before = stamp(batch_world, draft)
    assert quest_change.change_draft_quest(batch_world, accounts["dev"], draft, VISIT_10) == 0
    assert stamp(batch_world, draft) == before


@pytest.mark.slow
def test_a_quest_change_says_beforehand_who_it_would_remove_and_writes_nothing(
    batch_world, accounts
) -> None:
    dev = accounts["dev"]
    batch_id = drafts.create_draft(batch_world, dev, "Second level", VISIT_100)
    add_file.add_upload(batch_world, dev, batch_id, upload(f"ID\n1\n{HOLDS_VISIT_10}\n"))
    before = stamp(batch_world, batch_id)

    change = quest_change.preview_quest_change(batch_world, dev, batch_id, VISIT_10, expected=1)

    assert change.removed == ((HOLDS_VISIT_10, f"user{HOLDS_VISIT_10}"),)
    assert change.warning == (
        "1 user already holds “Explorer › Visit 10 pages” and will be removed from this draft "
        f"(a quest is never unlocked twice): {HOLDS_VISIT_10} (user{HOLDS_VISIT_10})."
    )
    assert stamp(batch_world, batch_id) == before
    assert members(batch_world, batch_id) == [1, HOLDS_VISIT_10]

    assert (
        quest_change.change_draft_quest(
            batch_world, dev, batch_id, VISIT_10, change.version, change.removed_ids
        )
        == 1
    )
    assert members(batch_world, batch_id) == [1]
    assert change.message == (
        "The badge quest is now “Explorer › Visit 10 pages”. 1 user who already held it was "
        f"removed: {HOLDS_VISIT_10} (user{HOLDS_VISIT_10})."
    )
    assert f"removed: {HOLDS_VISIT_10}" in audit.entries(batch_world, batch_id)["detail"][0]


@pytest.mark.slow
def test_a_quest_change_whose_removals_differ_from_the_confirmed_ones_is_refused(
    batch_world, accounts
) -> None:
    dev = accounts["dev"]
    batch_id = drafts.create_draft(batch_world, dev, "Second level", VISIT_100)
    add_file.add_upload(batch_world, dev, batch_id, upload(f"ID\n1\n{HOLDS_VISIT_10}\n"))
    change = quest_change.preview_quest_change(batch_world, dev, batch_id, VISIT_10)
    # Meanwhile user 1 gets the quest from another batch: the change would now remove two.
    batch_world.execute("INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (1, 1, 1)")
    before = stamp(batch_world, batch_id)

    with pytest.raises(errors.RemovalsChanged, match="2 would now be removed, not 1"):
        quest_change.change_draft_quest(
            batch_world, dev, batch_id, VISIT_10, change.version, change.removed_ids
        )

    assert stamp(batch_world, batch_id) == before
    assert read_model.read(batch_world, batch_id).quest_id == VISIT_100
    assert members(batch_world, batch_id) == [1, HOLDS_VISIT_10]


@pytest.mark.slow
def test_publishing_with_the_name_as_typed_renames_and_publishes_in_one_step(
    batch_world, draft, accounts
) -> None:
    dev = accounts["dev"]
    add_one.add_single(batch_world, dev, draft, "id", "1")

    outcome = publish(batch_world, dev, draft, expected=1, name="  X  NEW ")

    assert outcome.message.startswith("“X NEW” was queued")
    batch = read_model.read(batch_world, draft)
    assert (batch.name, batch.status) == ("X NEW", "unpublished")
    assert actions(batch_world, draft)[-2:] == [Action.DRAFT_RENAMED, Action.BATCH_PUBLISHED]


@pytest.mark.slow
def test_publishing_with_an_empty_name_is_refused_and_publishes_nothing(
    batch_world, draft, accounts
) -> None:
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1")
    before = stamp(batch_world, draft)
    with pytest.raises(InputError, match="has no name"):
        publish(batch_world, accounts["dev"], draft, expected=1, name=" ")
    assert stamp(batch_world, draft) == before
    assert read_model.read(batch_world, draft).status == "draft"


# --- the rules' one home, and the store's SQL built from them ---------------------------------


def test_the_store_shows_a_draft_to_exactly_whom_the_visibility_rule_does(batch_world) -> None:
    from core.batches.visibility import DraftScope
    from core.store.duckdb.batches_scope import visible_sql

    for status in ("draft", "published"):
        for creator in ("dev", "ada"):
            for all_drafts in (False, True):
                scope = DraftScope("dev", all_drafts)
                predicate, params = visible_sql(scope, "b")
                got = batch_world.execute(
                    f"SELECT {predicate} FROM (SELECT $status AS status, $creator AS created_by) b",
                    {**params, "status": status, "creator": creator},
                ).fetchall()[0][0]
                assert got == scope.sees(status, creator), (status, creator, all_drafts)


def test_the_read_model_shows_the_rules_progress(batch_world, draft, accounts) -> None:
    add_file.add_upload(batch_world, accounts["dev"], draft, upload("ID\n1\n2\n"))
    batch = read_model.read(batch_world, draft)
    assert batch.progress == rules.progress(batch.n_users, 0, 0, batch.status) == 0
    assert batch.status_label == words.DRAFT


@pytest.mark.duckdb_only("checks DuckDB's SQL; tests/store/test_pg_history.py checks PostgreSQL's")
def test_the_stores_status_and_progress_sql_are_the_rules_for_every_small_count(con) -> None:
    from core.store.duckdb.batches_sql import DERIVED_STATUS_SQL, PROGRESS_SQL

    derived = DERIVED_STATUS_SQL.format(
        n_users="b.n_users",
        n_published="b.n_published",
        n_error="b.n_error",
        n_in_progress="b.n_in_progress",
        n_revoking="b.n_revoking",
        n_revoked="b.n_revoked",
    )
    statuses = ", ".join(f"'{s}'" for s in rules.FINISHED_STATUSES + rules.PENDING_STATUSES)
    rows = con.execute(
        f"""SELECT b.n_users, b.n_in_progress, b.n_published, b.n_error, b.n_revoking,
                   b.n_revoked, b.revoked_before, b.status, {derived},
                   ({PROGRESS_SQL})::INTEGER
            FROM (SELECT u AS n_users, i AS n_in_progress, p AS n_published, e AS n_error,
                         rg AS n_revoking, rd AS n_revoked, rb AS revoked_before,
                         s AS status
                  FROM range(5) t1(u), range(5) t2(i), range(5) t3(p), range(5) t4(e),
                       range(3) t6(rg), range(3) t7(rd), range(3) t8(rb),
                       unnest([{statuses}, '{rules.REVOKING}']) t5(s)
                  WHERE i + p + e + rg + rd <= u AND rb <= rd) b"""
    ).fetchall()
    assert rows
    assert any(row[4] and row[6] for row in rows)  # every counter takes part
    for row in rows:
        users, in_progress, published, error, revoking, revoked, before, status, got, percent = row
        counts = (users, in_progress, published, error, revoking, revoked)
        assert got == rules.derive_status(*counts), counts
        expected = rules.progress(users, published, error, status, revoking, revoked, before)
        assert percent == expected, (counts, status)
