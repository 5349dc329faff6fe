"""Races: two sessions publishing, a publish racing an add, adds racing the worker, two workers.

The adds are the product's own (core.batches.add_file through fixtures_publish.add_users), the
publishes core.publishing.actions.publish: each race runs the real transactions against each other.
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from core import audit
from core.access.roles import Account, Role
from core.audit import Action
from core.errors import InputError, StoreError
from core.publishing import actions, queue, unlocking, worker
from tests.support.publish import add_platform_users, add_users, assert_consistent, make_batch
from tests.support.threads import together


def unlocks_of(cur, quest_id: int) -> int:
    rows = cur.execute("SELECT count(*) FROM unlocks WHERE quest_id = ?", [quest_id]).fetchall()
    return rows[0][0]


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(5))
def test_two_sessions_pressing_publish_at_once_queue_the_batch_once(
    con, small_world, accounts, attempt
):
    cur = small_world
    batch = make_batch(cur, range(1, 10))
    a, b = con.cursor(), con.cursor()

    results = together(
        lambda: actions.publish(a, accounts["admin"], batch),
        lambda: actions.publish(b, Account("amy", Role.ADMIN), batch),
    )

    assert [type(r) for r in results] == [actions.PublishOutcome] * 2, results
    assert sorted(r.changed for r in results) == [False, True]
    log = audit.entries(cur, batch)
    assert log.filter(log["action"] == Action.BATCH_PUBLISHED).height == 1
    report = worker.run_until_empty(cur)
    assert report.processed == 9 and unlocks_of(cur, 1) == 9
    assert_consistent(cur)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(5))
def test_a_publish_racing_an_add_to_the_draft_loses_no_user_and_processes_none_twice(
    con, small_world, accounts, attempt
):
    cur = small_world
    batch = make_batch(cur, [1, 2, 3])
    a, b = con.cursor(), con.cursor()

    published, added = together(
        lambda: actions.publish(a, accounts["admin"], batch),
        lambda: add_users(b, batch, [4, 5, 6]),
    )
    report = worker.run_until_empty(cur)

    assert isinstance(published, actions.PublishOutcome)
    members = {
        r[0]
        for r in cur.execute(
            "SELECT user_id FROM batch_users WHERE batch_id = ?", [batch]
        ).fetchall()
    }
    if isinstance(added, InputError):  # the publish won: the add saw a queued batch and refused
        assert members == {1, 2, 3} and published.users == 3
    else:  # the add won: the publish saw (and queued) all six users
        assert added == 3 and members == set(range(1, 7)) and published.users == 6
    assert report.processed == len(members) == unlocks_of(cur, 1)
    assert_consistent(cur)


@pytest.mark.slow
def test_adds_racing_the_worker_on_a_published_batch_are_each_processed_exactly_once(
    con, small_world, accounts
):
    cur = small_world
    add_platform_users(cur, 11, 1100)
    grown = make_batch(cur, [1], quest_id=1)
    actions.publish(cur, accounts["admin"], grown)
    worker.run_until_empty(cur)
    big = make_batch(cur, range(1, 601), quest_id=2)
    actions.publish(cur, accounts["admin"], big)
    done = threading.Event()
    processed: list[int] = []

    def work() -> None:
        c = con.cursor()
        while not done.is_set() or queue.anything_queued(c):
            n = worker.run_until_empty(c, chunk_size=100).processed
            processed.append(n)
            if not n:
                time.sleep(0.001)

    def add() -> None:
        c = con.cursor()
        next_user, give_up = 11, time.monotonic() + 60  # the limit only stops a hang
        try:
            while next_user < 1011:  # users 11..1010, 100 at a time (all active)
                assert time.monotonic() < give_up, "the adds never got through"
                try:
                    add_users(c, grown, range(next_user, next_user + 100))
                    next_user += 100
                except InputError:  # "grown" is being published again: wait until Published
                    time.sleep(0.001)
        finally:
            done.set()

    worker_thread = threading.Thread(target=work)
    worker_thread.start()
    add()
    worker_thread.join()

    assert sum(processed) == 600 + 1000  # big's users, then grown's added users, once each
    assert unlocks_of(cur, 1) == 1001  # user 1, then users 11..1010
    status = cur.execute("SELECT status, n_users FROM batches WHERE id = ?", [grown]).fetchall()
    assert status == [("published", 1001)]
    assert_consistent(cur)


@pytest.mark.slow
@pytest.mark.parametrize("with_process_lock", [True, False])
def test_two_workers_at_once_never_process_a_user_twice(
    con, small_world, accounts, monkeypatch, with_process_lock
):
    cur = small_world
    if not with_process_lock:  # the database's conflict detection alone must be enough
        monkeypatch.setattr(unlocking, "_PROCESS_LOCK", contextlib.nullcontext())
    add_platform_users(cur, 11, 4000)
    batches = [make_batch(cur, range(1, 4001), quest_id=q) for q in (1, 2)]
    batches.append(make_batch(cur, range(2000, 3001), quest_id=1))  # overlaps the first
    for batch in batches:
        actions.publish(cur, accounts["admin"], batch)
    chunks: list[unlocking.ChunkReport] = []

    def drain() -> None:
        c = con.cursor()
        while True:
            try:
                chunk = unlocking.process_once(c, 300)
            except StoreError:  # lost every retry to the other worker: nothing was written
                continue
            if chunk.empty:
                return
            chunks.append(chunk)

    assert together(drain, drain) == [None, None]

    assert sum(c.processed for c in chunks) == 4000 + 4000 + 1001
    assert sum(c.already_held for c in chunks) == 1001  # the overlap: users 2000..3000
    assert unlocks_of(cur, 1) == unlocks_of(cur, 2) == 3999
    assert_consistent(cur)
