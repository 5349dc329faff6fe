"""Several workers on one PostgreSQL database: claims, take-overs, consistent counters, NOTIFY.

The contract tests (test_publisher.py, test_publish_concurrency.py) run on both stores; these
are what only PostgreSQL has: batches claimed with an advisory lock each, a lock released when a
worker's connection dies (or idles past its lease), and idle workers woken by LISTEN/NOTIFY.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import polars as pl
import psycopg
import pytest

from core.batches import rules
from core.publishing import actions, queue, unlocking, worker
from core.store.postgres.notices import CHANNEL
from core.store.postgres.publishing_sql import claim_lock
from tests.support.pg_store import PgSqlUnitOfWork
from tests.support.publish import add_platform_users, assert_consistent, make_batch

LISTENER = "batch-unlock worker (listen)"  # the listening connection's application_name


@pytest.fixture
def pg(pg_stores) -> Iterator[PgSqlUnitOfWork]:
    """A PostgreSQL store holding small_world (users 1-9 active, user 10 not)."""
    yield from pg_stores.open("small_world")


def queued(uow: PgSqlUnitOfWork, accounts: dict, user_lists: list[list[int]]) -> list[int]:
    """Make and publish one batch per list of users (quests 1, 2, 3 in turn); return their ids."""
    ids = [make_batch(uow, users, quest_id=1 + i % 3) for i, users in enumerate(user_lists)]
    for batch in ids:
        actions.publish(uow, accounts["admin"], batch)
    return ids


def status_of(uow: PgSqlUnitOfWork, batch_id: int) -> str:
    """A batch's stored status code."""
    return uow.execute("SELECT status FROM batches WHERE id = ?", [batch_id]).fetchone()[0]


def wait_for(condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Poll until the condition holds; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true"
        time.sleep(0.01)


@contextlib.contextmanager
def holding(uow: PgSqlUnitOfWork, work: Callable[[PgSqlUnitOfWork], object]) -> Iterator[object]:
    """Run `work` in a transaction of another thread and keep that transaction open in the block."""
    held, release, result = threading.Event(), threading.Event(), {}

    def hold(u: PgSqlUnitOfWork) -> None:
        result["value"] = work(u)
        held.set()
        release.wait(30)

    thread = threading.Thread(target=lambda: uow.transaction(hold))
    thread.start()
    try:
        assert held.wait(30), "the holding transaction never got its claim"
        yield result["value"]
    finally:
        release.set()
        thread.join(30)


@pytest.mark.slow
def test_two_workers_publish_ten_batches_every_user_once_with_consistent_counters(
    pg, accounts, monkeypatch
):
    # Two threads with their own unit of work stand for two processes: no per-process lock.
    monkeypatch.setattr(unlocking, "_PROCESS_LOCK", contextlib.nullcontext())
    add_platform_users(pg, 11, 3000)
    batches = queued(pg, accounts, [list(range(1 + 300 * i, 301 + 300 * i)) for i in range(10)])
    stop = threading.Event()
    reports: list[worker.RunReport] = []
    seen: list[set[int]] = [set(), set()]

    def work(i: int) -> None:
        chunks = seen[i].update  # the batches each worker took users from
        reports.append(
            worker.run(
                pg.cursor(),
                stop,
                rate=0,
                chunk_size=100,
                max_chunk=100,
                on_chunk=lambda chunk: chunks(chunk.batch_ids),
            )
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: not queue.anything_queued(pg), 120)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert len(reports) == 2 and all(r.processed for r in reports), "both workers published"
    assert sum(r.processed for r in reports) == 3000  # nobody was handed to both workers
    assert sum(r.errors for r in reports) == 1  # user 10 is inactive
    statuses = pg.execute("SELECT status, count(*) FROM batches GROUP BY 1 ORDER BY 1").fetchall()
    assert statuses == [("partially_published", 1), ("published", 9)]
    assert sorted(set().union(*seen)) == batches
    unlocks = pg.execute("SELECT count(*), count(DISTINCT (user_id, quest_id)) FROM unlocks")
    assert unlocks.fetchone() == (2999, 2999)
    assert_consistent(pg)


def test_a_chunk_skips_batches_another_worker_holds_and_never_waits_for_them(pg, accounts):
    first, settled, second = queued(pg, accounts, [[1, 2, 3], [4], [5, 6, 7]])
    pg.execute("DELETE FROM batch_users WHERE batch_id = ?", [settled])  # left without users

    def claim_first_and_the_settled(u: PgSqlUnitOfWork) -> tuple[list[int], list[int]]:
        chunk = u.publishing.next_chunk(3)  # `first` fills it: no further batch is claimed
        return chunk["batch_id"].unique().to_list(), u.publishing.settled_batches()

    with holding(pg.cursor(), claim_first_and_the_settled) as (held, held_settled):
        began = time.monotonic()
        chunk, others_settled = pg.cursor().transaction(
            lambda u: (u.publishing.next_chunk(10), u.publishing.settled_batches())
        )
        took = time.monotonic() - began

    assert held == [first] and held_settled == [settled]
    assert chunk["batch_id"].to_list() == [second] * 3 and chunk["rank"].to_list() == [1, 2, 3]
    assert others_settled == []  # `settled` is the other worker's to finish
    assert took < 2, "a claim or the settled check waited for the other worker's locks"


def test_a_chunk_takes_many_small_batches_in_queue_order_around_one_held_elsewhere(pg, accounts):
    batches = queued(pg, accounts, [[user] for user in range(1, 10)])
    other = psycopg.connect(pg.pool.conninfo, autocommit=True)
    other.execute("BEGIN")
    other.execute(f"SELECT {claim_lock('%s')}", [batches[2]])  # another worker's claim

    chunk = pg.transaction(lambda u: u.publishing.next_chunk(100))

    other.close()
    assert chunk["batch_id"].to_list() == batches[:2] + batches[3:]
    assert chunk["user_id"].to_list() == [1, 2, 4, 5, 6, 7, 8, 9]
    assert chunk["rank"].to_list() == list(range(1, 9))


def test_a_batch_held_by_a_worker_that_died_is_taken_over_at_once(pg, accounts):
    first, second = queued(pg, accounts, [[1, 2], [3, 4]])
    dead = psycopg.connect(pg.pool.conninfo, autocommit=True)
    dead.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    dead.execute(f"SELECT {claim_lock('%s')}", [first])
    other = pg.cursor()

    def next_batches() -> list[int]:
        def claim(u: PgSqlUnitOfWork) -> list[int]:
            return u.publishing.next_chunk(2)["batch_id"].unique().to_list()

        return other.transaction(claim)

    assert next_batches() == [second]
    # A SIGKILLed worker's connection drops; PostgreSQL ends its backend and frees its locks.
    pg.execute("SELECT pg_terminate_backend(?)", [dead.info.backend_pid])
    wait_for(lambda: next_batches() == [first], 10)
    dead.close()


def test_a_hung_worker_loses_its_batch_when_its_idle_transaction_times_out(pg, accounts):
    first, _second = queued(pg, accounts, [[1, 2], [3, 4]])
    hung = psycopg.connect(pg.pool.conninfo, autocommit=True)
    # The app's connections use 60 s (connection.py); one second keeps this test short.
    hung.execute("SET idle_in_transaction_session_timeout = '1s'")
    hung.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    hung.execute(f"SELECT {claim_lock('%s')}", [first])
    began = time.monotonic()

    def claims_first() -> bool:
        claim = pg.cursor().transaction(lambda u: u.publishing.next_chunk(1))
        return claim["batch_id"].to_list() == [first]

    wait_for(claims_first, 10)
    assert time.monotonic() - began >= 0.9
    hung.close()


def test_a_notify_wakes_an_idle_worker_long_before_its_poll(pg, accounts, monkeypatch):
    monkeypatch.setattr(worker, "IDLE_POLL", 60.0)  # the fallback poll would take a minute
    batch = make_batch(pg, [1, 2, 3])
    stop, idles = threading.Event(), []
    # No wake event: only a NOTIFY can reach it, as for a worker in another process.
    thread = threading.Thread(
        target=lambda: worker.run(pg.cursor(), stop, rate=0, on_idle=lambda: idles.append(1))
    )
    thread.start()
    try:
        wait_for(lambda: len(idles) >= 2)  # listening: the first wait opened the connection
        began = time.monotonic()
        actions.publish(pg.cursor(), accounts["admin"], batch)
        wait_for(lambda: status_of(pg, batch) == rules.PUBLISHED, 30)
        took = time.monotonic() - began
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "a stopped worker should leave its wait at once"
    assert took < 3, f"the worker took {took:.1f} s to notice the batch"


def test_only_a_committed_announcement_wakes_a_listener(pg):
    with pg.publishing.listen(threading.Event()) as waiter:
        assert waiter.wait(10)  # just opened: the caller should look at the queue now

        def rolled_back(u: PgSqlUnitOfWork) -> None:
            u.publishing.announce_queued(1)
            raise RuntimeError("the publish failed")

        with pytest.raises(RuntimeError):
            pg.transaction(rolled_back)
        assert not waiter.wait(0.5)
        pg.transaction(lambda u: u.publishing.announce_queued(1))
        began = time.monotonic()
        assert waiter.wait(10)
        assert time.monotonic() - began < 1
        assert not waiter.wait(0.3)  # the one notification was used up


def test_the_listening_connection_is_reopened_after_it_drops(pg):
    with pg.publishing.listen(threading.Event()) as waiter:
        assert waiter.wait(10)
        ended = pg.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = ? AND datname = current_database()",
            [LISTENER],
        ).fetchall()
        assert ended == [(True,)]
        assert waiter.wait(10)  # the drop is noticed, the connection reopened
        pg.execute("SELECT pg_notify(?, 'x')", [CHANNEL])
        assert waiter.wait(10)


def test_the_wake_event_ends_a_wait_on_either_store(con):
    wake = threading.Event()
    with con.publishing.listen(wake) as waiter:
        wake.set()
        began = time.monotonic()
        assert waiter.wait(30)
        assert time.monotonic() - began < 1


def test_a_chunk_has_the_ports_columns_and_types_on_either_store(con, small_world, accounts):
    first = make_batch(small_world, [1, 10])
    second = make_batch(small_world, [2])
    for batch in (first, second):
        actions.publish(small_world, accounts["admin"], batch)

    chunk = small_world.transaction(lambda u: u.publishing.next_chunk(10))

    assert chunk.schema == pl.Schema(
        {
            "batch_id": pl.Int64,
            "user_id": pl.Int64,
            "quest_id": pl.Int32,
            "rank": pl.Int64,
            "failure": pl.String,
        }
    )
    assert chunk.rows() == [
        (first, 1, 1, 1, None),
        (first, 10, 1, 2, "inactive"),
        (second, 2, 1, 3, None),
    ]
