"""Retry errors: who would fail again as things stand is counted and left alone; a retry that
changes nothing writes nothing."""

from __future__ import annotations

import duckdb
from fixtures_publish import assert_consistent, batch_status, make_batch, statuses

from core.publishing import publisher, worker


def published_with_errors(cur: duckdb.DuckDBPyConnection, admin, users: list[int]) -> int:
    """A batch of these users, published; users 9 and 10 are deactivated while it runs."""
    batch = make_batch(cur, users)
    cur.execute("UPDATE platform_users SET active = FALSE WHERE id IN (9, 10)")
    publisher.publish(cur, admin, batch)
    worker.run_until_empty(cur)
    return batch


def written(cur: duckdb.DuckDBPyConnection, batch_id: int) -> tuple:
    """What a retry would leave behind: the batch row (Last updated, version, queue time), the
    users' statuses and the audit entries."""
    return (
        cur.execute(
            "SELECT updated_at, version, queued_at, status FROM batches WHERE id = ?", [batch_id]
        ).fetchall(),
        statuses(cur, batch_id),
        cur.execute("SELECT count(*) FROM audit_log WHERE batch_id = ?", [batch_id]).fetchall(),
    )


def test_the_retry_plan_counts_the_errors_that_would_come_back_and_why(
    small_world, accounts
) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 9, 10])
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 9")  # fixed since

    plan = publisher.retry_plan(cur, batch)

    assert plan.retryable == (9,)
    assert plan.failing == {"inactive": 1}
    assert plan.message == (
        "1 user in “Error” would fail again as things stand (1 still deactivated), so it is not "
        "retried; 1 user in “Error” can be retried."
    )


def test_retrying_only_the_errors_that_can_go_away_leaves_the_others_in_error(
    small_world, accounts
) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 9, 10])
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 9")

    assert publisher.retry_errors(cur, accounts["dev"], batch, only_retryable=True) == 1

    assert statuses(cur, batch) == {1: "published", 9: "unpublished", 10: "error"}
    worker.run_until_empty(cur)
    assert statuses(cur, batch) == {1: "published", 9: "published", 10: "error"}
    assert batch_status(cur, batch) == "partially_published"
    assert_consistent(cur)


def test_a_retry_with_nothing_that_can_go_away_writes_nothing(small_world, accounts) -> None:
    cur = small_world
    batch = published_with_errors(cur, accounts["admin"], [1, 10])
    before = written(cur, batch)

    assert publisher.retry_errors(cur, accounts["dev"], batch, only_retryable=True) == 0

    assert written(cur, batch) == before
    plan = publisher.retry_plan(cur, batch)
    assert plan.retryable == ()
    assert plan.message.endswith(
        "Once the users are active again on the platform (or the badge quest is restored), retry."
    )


def test_the_publisher_and_the_advance_checks_share_one_failure_rule() -> None:
    from core.publishing import failure_rule, publish_notes, publisher, worker

    assert set(publisher.STILL_FAILING) == set(failure_rule.CODES)
    for sql in (worker._CHUNK_SQL, publisher._STILL_FAILING_SQL, publish_notes._WOULD_FAIL_SQL):
        assert failure_rule.joins("x", "y").strip().splitlines()[0].split(" ON ")[0] in sql
    assert failure_rule.AS_PARAMETERS in worker._CHUNK_SQL
    assert failure_rule.AS_CODES in publisher._STILL_FAILING_SQL
    assert failure_rule.AS_CODES in publish_notes._WOULD_FAIL_SQL
