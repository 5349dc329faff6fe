"""The API's write use cases (core/api/writes.py, write_adds.py, write_lists.py, write_checks.py)
on a small store: what each answers, and each refusal in the class that gives its HTTP status."""

from __future__ import annotations

import base64

import pytest

from core import words
from core.access.roles import Account
from core.api import write_adds, write_checks, write_lists, writes
from core.api.write_checks import Conflict, PreconditionFailed
from core.batches.errors import BatchFull, BatchNotVisible
from core.batches.row_status import ALREADY_UNLOCKED, INACTIVE, MISMATCH, NOT_FOUND, OK
from core.errors import InputError, OverLimit, PermissionDenied
from core.publishing import undo, unlocking
from core.upload import limits
from tests.support.batches import HOLDS_VISIT_10, INACTIVE_USER, VISIT_10, members_of
from tests.support.publish import add_platform_users, make_batch
from tests.support.store import SqlUnitOfWork
from tests.support.world import admin, analyst, dev

OTHER_DEV = Account("dora", dev.role)
# The use cases run on both stores: PostgreSQL's transactions and locks are not DuckDB's.
pytestmark = pytest.mark.postgres


def ids_rows(*user_ids: int) -> list[dict]:
    """JSON rows naming users by User ID."""
    return [{"id": user_id} for user_id in user_ids]


def published_batch(cur: SqlUnitOfWork, *user_ids: int) -> int:
    """A batch of the admin for quest 1, published and processed to the end."""
    upload = write_lists.rows_upload(ids_rows(*user_ids))
    answer = write_adds.create_batch(cur, admin, "Winners", VISIT_10, [upload])
    writes.publish(cur, admin, answer["id"])
    while not unlocking.process_once(cur).empty:
        pass
    return answer["id"]


# ---- rows and bodies ------------------------------------------------------------------------


def test_json_rows_become_an_upload_numbered_by_their_place_in_the_list() -> None:
    upload = write_lists.rows_upload(
        [{"id": 3}, {"username": "user4"}, {"email": "x@y.z", "id": "5"}]
    )
    assert upload.rows["row"].to_list() == [1, 2, 3]
    assert upload.rows["id"].to_list() == ["3", None, "5"]
    assert upload.columns == ("id", "username", "email")


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([], "empty"),
        ([{"id": 1}, {}], "Row 2 names nobody"),
        ([{"user_id": 1}], "field “user_id”"),
        ([{"id": True}], "Row 1: id must be text"),
        ([{"username": 7}], "Row 1: username must be text"),
        (["7"], "Row 1 is not an object"),
    ],
)
def test_rows_that_name_nobody_or_carry_unknown_fields_are_refused(rows: list, says: str) -> None:
    with pytest.raises(InputError, match=says):
        write_lists.rows_upload(rows)


def test_more_rows_than_an_upload_may_hold_are_too_large() -> None:
    with pytest.raises(OverLimit, match="holds more than 10,000 users"):
        write_lists.rows_upload(ids_rows(*range(1, limits.MAX_ROWS + 2)))


def test_a_csv_body_over_the_upload_size_is_too_large_before_it_is_read() -> None:
    with pytest.raises(OverLimit, match="the limit is 10 MB"):
        write_lists.csv_upload(b"ID\n" + b"1\n" * (limits.MAX_FILE_BYTES // 2 + 1), "big.csv")


def test_a_csv_body_is_read_as_the_upload_dialog_reads_a_file() -> None:
    upload = write_lists.csv_upload(b"ID;Username\n3;user3\n\n4;user4\n", "list.csv")
    assert upload.filename == "list.csv"
    assert upload.rows["row"].to_list() == [2, 4]


# ---- create and add -------------------------------------------------------------------------


def test_creating_a_batch_with_rows_adds_the_good_ones_and_reports_the_others(
    batch_world: SqlUnitOfWork,
) -> None:
    rows = [{"id": 2}, {"id": 999}, {"id": INACTIVE_USER}, {"id": HOLDS_VISIT_10},
            {"id": 3, "username": "user4"}]  # fmt: skip
    answer = write_adds.create_batch(
        batch_world, dev, "  Spring  ", VISIT_10, [write_lists.rows_upload(rows)]
    )
    assert answer["name"] == "Spring" and answer["status"] == words.DRAFT and answer["users"] == 1
    report = answer["report"]
    assert report["added"] == 1 and report["dry_run"] is False
    assert {k: report[k] for k in (OK, NOT_FOUND, INACTIVE, ALREADY_UNLOCKED, MISMATCH)} == {
        OK: 1, NOT_FOUND: 1, INACTIVE: 1, ALREADY_UNLOCKED: 1, MISMATCH: 1,
    }  # fmt: skip
    assert [d["status"] for d in report["details"]] == [
        OK, NOT_FOUND, INACTIVE, ALREADY_UNLOCKED, MISMATCH,
    ]  # fmt: skip
    assert report["message"].startswith("1 user added to the batch. 4 rows not added")
    assert members_of(batch_world, answer["id"])["user_id"].to_list() == [2]


def test_creating_a_batch_without_users_answers_the_draft_with_no_report(
    batch_world: SqlUnitOfWork,
) -> None:
    answer = write_adds.create_batch(batch_world, dev, "Empty", VISIT_10)
    assert answer["report"] is None and answer["users"] == 0
    assert answer["created_by"] == dev.username and answer["quest_id"] == VISIT_10


def test_a_missing_quest_in_the_body_is_a_request_to_fix_not_a_missing_page(
    batch_world: SqlUnitOfWork,
) -> None:
    with pytest.raises(InputError, match="quest") as refused:
        write_adds.create_batch(batch_world, dev, "Nowhere", 99)
    assert not isinstance(refused.value, PermissionDenied)


def test_an_analyst_creates_nothing(batch_world: SqlUnitOfWork) -> None:
    with pytest.raises(PermissionDenied, match="analyst"):
        write_adds.create_batch(batch_world, analyst, "No", VISIT_10)


def test_a_read_only_token_writes_nothing(batch_world: SqlUnitOfWork) -> None:
    read_only = Account(admin.username, admin.role, via_token="ci", read_only=True)
    with pytest.raises(PermissionDenied):
        write_adds.create_batch(batch_world, read_only, "No", VISIT_10)


def test_a_dry_run_previews_the_rows_and_adds_nothing(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    upload = write_lists.rows_upload(ids_rows(1, 2, 999))
    answer = write_adds.add_users(batch_world, dev, draft, upload, dry_run=True)
    assert answer["dry_run"] is True and answer["added"] == 0
    assert answer["rows"] == 3 and answer[OK] == 2 and answer[NOT_FOUND] == 1
    assert answer["details"][2] == {
        "row": 3, "status": NOT_FOUND, "message": words.MSG_NOT_FOUND, "user_id": None,
    }  # fmt: skip
    assert answer["message"].startswith("Nothing was changed (dry run): 2 users would be added.")
    assert members_of(batch_world, draft).is_empty()


def test_adding_users_answers_the_preview_it_acted_on(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    answer = write_adds.add_users(
        batch_world, dev, draft, write_lists.rows_upload(ids_rows(1, 2, 2))
    )
    assert answer["id"] == draft and answer["added"] == 2 and answer["duplicate"] == 1
    assert answer["message"] == "2 users added to the batch. 1 duplicated row merged."
    assert members_of(batch_world, draft)["user_id"].to_list() == [1, 2]


def test_a_dry_run_over_the_limit_says_so_and_a_real_add_over_it_adds_nothing(
    batch_world: SqlUnitOfWork,
) -> None:
    add_platform_users(batch_world, 100, 5098)
    batch_id = make_batch(batch_world, range(100, 5099))  # 4,999 users: one place left
    upload = write_lists.rows_upload(ids_rows(1, 2))
    answer = write_adds.add_users(batch_world, admin, batch_id, upload, dry_run=True)
    assert answer["over_limit"] is True and "over the limit of 5,000 users" in answer["message"]
    with pytest.raises(BatchFull):
        write_adds.add_users(batch_world, admin, batch_id, upload)
    assert members_of(batch_world, batch_id).height == 4999


def test_a_queued_batch_takes_no_users_in_a_dry_run_either(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    write_adds.add_users(batch_world, dev, draft, write_lists.rows_upload(ids_rows(1)))
    writes.publish(batch_world, dev, draft)
    for dry_run in (True, False):
        with pytest.raises(Conflict, match=words.ADD_REQUIRES_PUBLISHED):
            write_adds.add_users(
                batch_world, dev, draft, write_lists.rows_upload(ids_rows(2)), dry_run=dry_run
            )


def test_someone_elses_draft_is_refused_as_a_missing_batch(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    with pytest.raises(BatchNotVisible, match=f"No batch {draft} is visible to you"):
        write_adds.add_users(batch_world, OTHER_DEV, draft, write_lists.rows_upload(ids_rows(1)))


def test_an_add_at_another_version_is_a_failed_precondition_saying_what_changed(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    write_adds.add_users(
        batch_world, dev, draft, write_lists.rows_upload(ids_rows(1))
    )  # version 1 → 2
    for dry_run in (True, False):
        with pytest.raises(PreconditionFailed) as refused:
            write_adds.add_users(
                batch_world,
                dev,
                draft,
                write_lists.rows_upload(ids_rows(2)),
                dry_run=dry_run,
                expected=0,
            )
        assert "was given more users by dan at" in str(refused.value)
        assert refused.value.extensions["changed"]["by"] == dev.username
        assert refused.value.version == write_checks.batch_object(batch_world, draft)["version"]
    assert members_of(batch_world, draft)["user_id"].to_list() == [1]


# ---- publish, retry, cancel, pause, resume, revoke -----------------------------------------


def test_publishing_answers_the_batch_its_sentence_and_queue_place(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    write_adds.add_users(batch_world, dev, draft, write_lists.rows_upload(ids_rows(1, 2)))
    answer = writes.publish(batch_world, dev, draft)
    assert answer["status"] == words.UNPUBLISHED and answer["position"] == 1
    assert answer["message"].startswith("“Spring onboarding” was queued: its 2 users")


def test_publishing_a_finished_batch_with_nobody_waiting_is_a_conflict(
    batch_world: SqlUnitOfWork,
) -> None:
    batch_id = published_batch(batch_world, 2)
    with pytest.raises(Conflict, match="has no user waiting to be unlocked"):
        writes.publish(batch_world, admin, batch_id)


def test_publishing_at_another_version_changes_nothing(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    with pytest.raises(PreconditionFailed, match="nothing was changed"):
        writes.publish(batch_world, dev, draft, expected=7)
    assert write_checks.batch_object(batch_world, draft)["status"] == words.DRAFT


def test_retrying_a_draft_is_a_conflict_and_a_published_one_queues_nobody_missing(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    with pytest.raises(Conflict, match="only a finished batch with users in “Error”"):
        writes.retry_errors(batch_world, dev, draft)


def test_retrying_errors_queues_those_who_can_succeed_and_says_why_not_the_others(
    batch_world: SqlUnitOfWork,
) -> None:
    batch_id = published_batch(batch_world, 2, 3)
    batch_world.execute("UPDATE platform_users SET active = FALSE WHERE id = 2")
    batch_world.execute(
        "UPDATE batch_users SET status = 'error', error_reason = 'x' WHERE batch_id = ?", [batch_id]
    )
    batch_world.execute("DELETE FROM unlocks WHERE batch_id = ?", [batch_id])
    batch_world.batches.refresh_counts([batch_id])
    answer = writes.retry_errors(batch_world, admin, batch_id)
    assert answer["queued"] == 1 and answer["message"] == "1 user in “Error” was queued again."
    assert "would fail again" in answer["failing_message"]
    assert answer["counts"][words.UNPUBLISHED] == 1


@pytest.mark.parametrize("action", [undo.PAUSE, undo.RESUME, undo.CANCEL])
def test_undoing_a_draft_is_a_conflict_in_the_pages_words(
    batch_world: SqlUnitOfWork, draft: int, action: str
) -> None:
    with pytest.raises(Conflict, match="“Spring onboarding” is"):
        writes.undo_action(batch_world, dev, draft, action)


def test_cancelling_a_queued_batch_makes_it_a_draft_again(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    write_adds.add_users(batch_world, dev, draft, write_lists.rows_upload(ids_rows(1)))
    writes.publish(batch_world, dev, draft)
    answer = writes.undo_action(batch_world, dev, draft, undo.CANCEL)
    assert answer["status"] == words.DRAFT
    assert "left the publishing queue and is a draft again" in answer["message"]


def test_pausing_and_resuming_a_running_batch(batch_world: SqlUnitOfWork, draft: int) -> None:
    write_adds.add_users(batch_world, dev, draft, write_lists.rows_upload(ids_rows(1, 2, 3)))
    writes.publish(batch_world, dev, draft)
    unlocking.process_once(batch_world, limit=1)
    paused = writes.undo_action(batch_world, dev, draft, undo.PAUSE)
    assert paused["paused"] is True and paused["paused_by"] == dev.username
    resumed = writes.undo_action(batch_world, dev, draft, undo.RESUME)
    assert resumed["paused"] is False and "running again" in resumed["message"]


def test_a_revoke_dry_run_answers_the_clis_preview_and_changes_nothing(
    batch_world: SqlUnitOfWork,
) -> None:
    batch_id = published_batch(batch_world, 2, 3)
    target = writes.revoke_target(user_ids=[2, 5])
    answer = writes.revoke(batch_world, admin, batch_id, target, None, dry_run=True)
    assert (answer["revoke"], answer["not_in_batch"], answer["dry_run"]) == (1, 1, True)
    assert answer["question"].startswith("Revoke ")
    assert write_checks.batch_object(batch_world, batch_id)["status"] == words.PUBLISHED


def test_a_revoke_request_answers_the_batch_revoking(batch_world: SqlUnitOfWork) -> None:
    batch_id = published_batch(batch_world, 2, 3)
    target = writes.revoke_target(all_users=True)
    answer = writes.revoke(batch_world, admin, batch_id, target, "Awarded by mistake")
    assert answer["requested"] == 2 and answer["kept"] == 0
    assert answer["status"] == answer["revoke_status"] == words.REVOKING


def test_revoking_a_draft_is_a_conflict_but_a_missing_reason_is_a_bad_request(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    target = writes.revoke_target(all_users=True)
    with pytest.raises(Conflict, match="is a draft: it has unlocked nothing"):
        writes.revoke(batch_world, dev, draft, target, "why")
    batch_id = published_batch(batch_world, 2)
    with pytest.raises(InputError, match="A reason is required") as refused:
        writes.revoke(batch_world, admin, batch_id, target, "  ")
    assert not isinstance(refused.value, Conflict)


def test_a_revoke_names_its_users_one_way_only() -> None:
    with pytest.raises(InputError, match="one way only"):
        writes.revoke_target(all_users=True, user_ids=[1])


# ---- several lists in one transaction (`batch add`'s rules) -------------------------------


def test_a_fill_adds_files_rows_and_user_ids_in_one_transaction(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    csv = base64.b64encode(b"ID\n3\n999\n").decode()
    uploads = [write_lists.rows_upload(ids_rows(1))]
    uploads += write_lists.file_uploads([{"filename": "more.csv", "content_base64": csv}])
    answer = write_adds.fill_batch(batch_world, dev, draft, uploads, ["5"])
    assert answer["added"] == 3
    assert [(f["file"], f["added"], f[NOT_FOUND]) for f in answer["files"]] == [
        (write_lists.ROWS_NAME, 1, 0),
        ("more.csv", 1, 1),
    ]
    assert answer["added_users"] == [
        {"user_id": 5, "username": "user5", "message": "user5 (User ID 5) was added to the batch."}
    ]
    assert members_of(batch_world, draft)["user_id"].to_list() == [1, 3, 5]


def test_a_user_id_that_cannot_be_added_refuses_the_whole_fill(
    batch_world: SqlUnitOfWork, draft: int
) -> None:
    with pytest.raises(InputError, match="999"):
        write_adds.fill_batch(
            batch_world, dev, draft, [write_lists.rows_upload(ids_rows(1))], ["999"]
        )
    assert members_of(batch_world, draft).is_empty()


def test_a_fill_at_another_version_adds_nothing(batch_world: SqlUnitOfWork, draft: int) -> None:
    with pytest.raises(PreconditionFailed):
        write_adds.fill_batch(batch_world, dev, draft, [], ["1"], expected=41)
    assert members_of(batch_world, draft).is_empty()


@pytest.mark.parametrize("content", ["%%%", "ÿé"])
def test_a_file_that_is_not_base64_is_refused_by_name(content: str) -> None:
    with pytest.raises(InputError, match=r"“a\.csv” is not base64"):
        write_lists.file_uploads([{"filename": "a.csv", "content_base64": content}])


def test_creating_with_user_ids_that_cannot_be_added_creates_nothing(
    batch_world: SqlUnitOfWork,
) -> None:
    before = batch_world.execute("SELECT count(*) FROM batches").fetchone()[0]
    with pytest.raises(InputError):
        write_adds.create_batch(batch_world, dev, "Never", VISIT_10, (), [str(INACTIVE_USER)])
    assert batch_world.execute("SELECT count(*) FROM batches").fetchone()[0] == before
