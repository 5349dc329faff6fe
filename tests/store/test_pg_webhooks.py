"""Webhook claims on PostgreSQL (issue 17): a claim skips the rows another transaction holds
(`FOR UPDATE SKIP LOCKED`) instead of waiting for them. The contract tests of the outbox, on
both stores, are in tests/store/test_webhooks.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core.access.roles import Account, Role
from core.webhooks import events, registry
from tests.support.pg_store import PgSqlUnitOfWork
from tests.support.publish import make_batch

ADMIN = Account("ada", Role.ADMIN)


@pytest.fixture
def pg(pg_stores) -> Iterator[PgSqlUnitOfWork]:
    """A PostgreSQL store holding small_world."""
    yield from pg_stores.open("small_world")


def test_a_claim_skips_a_delivery_another_transaction_holds_instead_of_waiting(pg) -> None:
    registry.add_webhook(pg, ADMIN, "http://127.0.0.1:9/hook")
    first, second = (make_batch(pg, [n], name=f"b{n}") for n in (1, 2))
    for batch in (first, second):
        pg.transaction(lambda u, b=batch: events.enqueue(u, events.PUBLISHED, b))
    (held_id,) = pg.execute("SELECT min(id) FROM webhook_deliveries").fetchone()
    holding, release = threading.Event(), threading.Event()

    def hold(u: PgSqlUnitOfWork) -> None:
        u.execute("SELECT id FROM webhook_deliveries WHERE id = ? FOR UPDATE", [held_id])
        holding.set()
        release.wait(10)

    holder = threading.Thread(target=lambda: pg.cursor().transaction(hold))
    holder.start()
    try:
        assert holding.wait(10)
        now = datetime.now(UTC)
        started = time.perf_counter()
        claimed = pg.cursor().webhooks.claim_due(now, now + timedelta(minutes=1), "c1", 5)
        took = time.perf_counter() - started
    finally:
        release.set()
        holder.join(10)
    assert [row[0] for row in claimed] == [held_id + 1]  # the held one skipped
    assert took < 2  # skipped, not waited for
    # Once free, the next claim takes it.
    later = datetime.now(UTC)
    again = pg.webhooks.claim_due(later, later + timedelta(minutes=1), "c2", 5)
    assert [row[0] for row in again] == [held_id]
