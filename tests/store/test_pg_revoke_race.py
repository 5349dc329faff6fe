"""A revoke chunk racing a publish chunk of another batch of the same quest, on PostgreSQL.

Two workers on one database: batch A revokes user 1 while batch B (same quest) publishes user 1.
Whichever order their transactions take, afterwards user 1 holds the quest exactly when B says
"Published": nothing lost (B's user without an unlock) and nothing kept by mistake (A's unlock
left after its revoke). The revoke chunk's FOR SHARE lock of B's row is what makes it so
(core/store/postgres/publishing_sql.py RECORD_REVOKES).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import polars as pl
import pytest

from core.batches import rules
from tests.support.pg_store import PgSqlUnitOfWork
from tests.support.publish import make_batch, statuses

QUEST = 1
USER = 1


@pytest.fixture
def pg(pg_stores) -> Iterator[PgSqlUnitOfWork]:
    """A PostgreSQL store holding small_world (users 1-9 active, user 10 not)."""
    yield from pg_stores.open("small_world")


def publish_chunk(u: PgSqlUnitOfWork) -> pl.DataFrame:
    """One publish chunk as the publisher writes it (no failures in these batches)."""
    chunk = u.publishing.next_chunk(100)
    done = chunk.with_columns(error_reason=pl.lit(None, dtype=pl.String))
    u.publishing.count_unlocks(u.publishing.record_chunk(done))
    u.batches.refresh_counts(chunk["batch_id"].unique().to_list())
    return chunk


def revoke_chunk(u: PgSqlUnitOfWork) -> pl.DataFrame:
    """One revoke chunk as the publisher writes it."""
    chunk = u.publishing.next_revoke_chunk(100)
    gone = u.publishing.record_revoke_chunk(chunk)
    u.publishing.count_revokes(gone)
    u.batches.refresh_counts(chunk["batch_id"].unique().to_list())
    return chunk


def queue(pg: PgSqlUnitOfWork, batch_id: int) -> None:
    pg.transaction(lambda u: (u.batches.requeue(batch_id), u.batches.refresh_counts([batch_id])))


def setup(pg: PgSqlUnitOfWork) -> tuple[int, int]:
    """A published (user 1 holds the quest from it) and asked to revoke user 1; B queued with 1."""
    a = make_batch(pg, [USER, 2], quest_id=QUEST, name="A")
    queue(pg, a)
    pg.transaction(publish_chunk)
    b = make_batch(pg, [USER, 3], quest_id=QUEST, name="B")

    def ask(u: PgSqlUnitOfWork) -> None:
        assert u.publishing.request_revoke(a, [USER], "Sent by mistake", "ada") == 1
        u.batches.refresh_counts([a])

    pg.transaction(ask)
    queue(pg, b)
    return a, b


def waiting_for_a_lock(pg: PgSqlUnitOfWork) -> bool:
    """Tell whether a session of this database waits for a row lock."""
    found = pg.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return bool(found[0])


def race(
    pg: PgSqlUnitOfWork,
    first: Callable[[PgSqlUnitOfWork], object],
    second: Callable[[PgSqlUnitOfWork], object],
) -> None:
    """Run `first` in a transaction held open while `second` runs in another one."""
    held, release, errors = threading.Event(), threading.Event(), []

    def hold(u: PgSqlUnitOfWork) -> None:
        first(u)
        held.set()
        assert release.wait(30), "the second transaction never waited"

    def run(work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as exc:  # reported by the test below
            errors.append(exc)

    one = threading.Thread(target=run, args=(lambda: pg.cursor().transaction(hold),))
    one.start()
    assert held.wait(30), "the first transaction did not get going"
    two = threading.Thread(target=run, args=(lambda: pg.cursor().transaction(second),))
    two.start()
    # The second waits for the first's locks (or, with none in its way, just ends).
    deadline = time.monotonic() + 30
    while two.is_alive() and not waiting_for_a_lock(pg):
        assert time.monotonic() < deadline, "the second transaction hung"
        time.sleep(0.01)
    release.set()
    one.join(30)
    two.join(30)
    assert errors == []


def assert_nothing_lost(pg: PgSqlUnitOfWork, a: int, b: int) -> None:
    holder = pg.execute(
        "SELECT batch_id FROM unlocks WHERE user_id = ? AND quest_id = ?", [USER, QUEST]
    ).fetchall()
    assert statuses(pg, b)[USER] == "published"
    assert holder == [(b,)]  # user 1 holds the quest, B's unlock (made or handed over)
    assert statuses(pg, a)[USER] == "revoked"
    assert pg.batches.read(a)["status"] == rules.PARTIALLY_REVOKED
    assert pg.batches.read(b)["status"] == rules.PUBLISHED


def test_a_revoke_that_waits_for_a_publish_of_the_same_user_sees_it_and_hands_over(pg) -> None:
    a, b = setup(pg)

    race(pg, publish_chunk, revoke_chunk)  # B's publish holds; A's revoke waits, then retries

    assert_nothing_lost(pg, a, b)
    kept = pg.execute(
        "SELECT kept_by_batch FROM batch_users WHERE batch_id = ? AND user_id = ?", [a, USER]
    ).fetchone()
    assert kept == (b,)
    assert pg.execute("SELECT count(*) FROM revocations").fetchone() == (0,)


def test_a_publish_that_waits_for_a_revoke_of_the_same_user_inserts_its_own_unlock(pg) -> None:
    a, b = setup(pg)

    race(pg, revoke_chunk, publish_chunk)  # A's revoke holds; B's publish waits for it

    assert_nothing_lost(pg, a, b)
    assert pg.execute("SELECT user_id, batch_id FROM revocations").fetchall() == [(USER, a)]


def test_a_revoke_after_a_committed_publish_of_the_same_user_keeps_the_unlock(pg) -> None:
    a, b = setup(pg)

    pg.transaction(publish_chunk)
    pg.transaction(revoke_chunk)

    assert_nothing_lost(pg, a, b)
