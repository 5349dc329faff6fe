"""Retry errors: who would fail again as things stand is counted and left alone; a retry that
changes nothing writes nothing."""

from __future__ import annotations

import pytest

from core.batches.read_model import read
from core.errors import InputError
from core.publishing import actions, failure_rule, retry, worker
from core.publishing.revoking import RevokeTarget, revoke
from core.store.duckdb import publishing_sql
from core.store.ports import UnitOfWork
from tests.support.publish import assert_consistent, batch_status, make_batch, statuses


def published_with_errors(cur: UnitOfWork, admin, users: list[int]) -> int:
    """A batch of these users, published; users 9 and 10 are deactivated while it runs."""
    batch = make_batch(cur, users)
    cur.execute("UPDATE platform_users SET active = FALSE WHERE id IN (9, 10)")
    actions.publish(cur, admin, batch)
    worker.run_until_empty(cur)
    return batch


def written(cur: UnitOfWork, batch_id: int) -> tuple:
    """What a retry would leave behind: the batch row (Last updated, version, queue time), the
    users' statuses and the audit entries."""
    return (
        cur.execute(
            "SELECT updated_at, version, queued_at, status FROM batches WHERE id = ?", [batch_id]
        ).fetchall(),
        statuses(cur, batch_id),
        cur.execute("SELECT count(*) FROM audit_log WHERE batch_id = ?", [batch_id]).fetchall(),
    )


@pytest.mark.slow
def test_the_retry_plan_counts_the_errors_that_would_come_back_and_why(
    small_world, accounts
) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 9, 10])
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 9")  # fixed since

    plan = retry.retry_plan(cur, batch)

    assert plan.retryable == (9,)
    assert plan.failing == {"inactive": 1}
    assert plan.message == (
        "1 user in “Error” would fail again as things stand (1 still deactivated), so it is not "
        "retried; 1 user in “Error” can be retried."
    )


@pytest.mark.slow
def test_retrying_only_the_errors_that_can_go_away_leaves_the_others_in_error(
    small_world, accounts
) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 9, 10])
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 9")

    assert retry.retry_errors(cur, accounts["dev"], batch, only_retryable=True) == 1

    assert statuses(cur, batch) == {1: "published", 9: "unpublished", 10: "error"}
    worker.run_until_empty(cur)
    assert statuses(cur, batch) == {1: "published", 9: "published", 10: "error"}
    assert batch_status(cur, batch) == "partially_published"
    assert_consistent(cur)


@pytest.mark.slow
def test_a_retry_with_nothing_that_can_go_away_writes_nothing(small_world, accounts) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 10])
    before = written(cur, batch)

    assert retry.retry_errors(cur, accounts["dev"], batch, only_retryable=True) == 0

    assert written(cur, batch) == before
    plan = retry.retry_plan(cur, batch)
    assert plan.retryable == ()
    assert plan.message.endswith(
        "Once the users are active again on the platform (or the badge quest is restored), retry."
    )


def test_the_publisher_and_the_advance_checks_share_one_failure_rule() -> None:
    sql = publishing_sql
    assert set(failure_rule.REASONS) == set(failure_rule.PHRASES) == set(failure_rule.CODES)
    checked = [sql.FAILURE.index(f"'{code}'") for code in failure_rule.CODES]
    assert checked == sorted(checked)  # in the rule's order: the first that holds is the failure
    # The worker's chunks, Retry errors and the Publish question all read this one CASE.
    joins = sql.failure_joins("x", "y").strip().splitlines()[0].split(" ON ")[0]
    for query in (sql.NEXT_CHUNK, sql.USER_FAILURES):
        assert sql.FAILURE in query and joins in query


@pytest.mark.parametrize(
    ("revoked", "status"), [((1,), "partially_revoked"), ((1, 2, 3), "revoked")]
)
def test_the_errors_of_a_batch_revoked_in_part_or_in_full_can_still_be_retried(
    small_world, accounts, revoked, status
) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 2, 3, 9, 10])
    revoke(cur, accounts["dev"], batch, RevokeTarget(user_ids=revoked), "Sent by mistake")
    worker.run_until_empty(cur)
    assert batch_status(cur, batch) == status
    assert retry.offers_retry(read(cur, batch)) is True
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 9")

    assert retry.retry_errors(cur, accounts["dev"], batch, only_retryable=True) == 1
    worker.run_until_empty(cur)

    assert statuses(cur, batch)[9] == "published" and statuses(cur, batch)[10] == "error"
    assert {statuses(cur, batch)[u] for u in revoked} == {"revoked"}
    assert retry.offers_retry(read(cur, batch)) is True  # user 10 is still in "Error"
    assert_consistent(cur)


def test_a_finished_batch_with_nobody_in_error_offers_no_retry(small_world, accounts) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 2])
    revoke(cur, accounts["dev"], batch, RevokeTarget(user_ids=(1,)), "Sent by mistake")
    worker.run_until_empty(cur)

    assert retry.offers_retry(read(cur, batch)) is False
    with pytest.raises(InputError, match="no users in “Error” to retry"):
        retry.retry_errors(cur, accounts["dev"], batch)
