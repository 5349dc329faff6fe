"""Races of undo (issue 15): a revoke racing an add to the same batch while workers publish another
batch of the same quest, and revoke chunks racing publish chunks of that quest.

Each party has its own unit of work (its own connection on PostgreSQL). On DuckDB one process
holds the file and its chunks go one at a time (`unlocking._PROCESS_LOCK`); on PostgreSQL the
workers also race without it, as workers in separate processes do. Nothing may be lost or done
twice: every Published user holds the quest once, credited to a batch that has them Published,
and the chart's counts add up.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import pytest

from core.access.roles import Account, Role
from core.audit import Action, entries
from core.errors import InputError, StoreError
from core.publishing import actions, queue, undo, unlocking, worker
from core.publishing.revoking import RevokeOutcome, RevokeTarget, revoke
from tests.support.publish import (
    add_platform_users,
    add_users,
    assert_counters_match_the_users,
    batch_status,
    make_batch,
    statuses,
    unlock_owners,
)
from tests.support.threads import together

ADMIN = Account("ada", Role.ADMIN)
# Platform users 11..700, all active (small_world's user 10 is not).
FIRST = range(11, 411)  # the batch that is revoked
SECOND = range(210, 611)  # another batch of the same quest, overlapping users 210..410
ADDED = range(611, 621)  # added to the first batch during the revoke
N_WORKERS = 2  # workers racing the pause


def drainer(con, done: threading.Event, chunks: list[unlocking.ChunkReport]) -> Callable[[], None]:
    """A worker on its own unit of work: chunks until the requests are done and nothing is left."""

    def drain() -> None:
        c = con.cursor()
        give_up = time.monotonic() + 120  # only stops a hang
        while time.monotonic() < give_up:
            try:
                chunk = unlocking.process_once(c, 50)
            except StoreError:  # lost every retry to the other writers: nothing was written
                continue
            if not chunk.empty:
                chunks.append(chunk)
            elif done.is_set() and not queue.anything_queued(c):
                return
            else:
                time.sleep(0.002)
        raise AssertionError("the worker never finished")

    return drain


def assert_counts_add_up(cur, quest_id: int = 1) -> None:
    """Unlocks counted minus revokes counted is the unlocks held (per quest, whoever holds them)."""
    unlocked, revoked, held = cur.execute(
        """SELECT (SELECT coalesce(sum(unlocks), 0) FROM unlock_counts WHERE quest_id = $1),
                  (SELECT coalesce(sum(revokes), 0) FROM revoke_counts WHERE quest_id = $1),
                  (SELECT count(*) FROM unlocks WHERE quest_id = $1)""".replace("$1", "?"),
        [quest_id, quest_id, quest_id],
    ).fetchone()
    assert unlocked - revoked == held


def _workers(store_kind: str, with_process_lock: bool, monkeypatch) -> None:
    if not with_process_lock:
        if store_kind == "duckdb":
            pytest.skip("DuckDB has one process: its chunks always go through the process lock")
        # As workers in separate processes: only the database keeps them apart.
        monkeypatch.setattr(unlocking, "_PROCESS_LOCK", contextlib.nullcontext())


@pytest.mark.slow
@pytest.mark.parametrize("with_process_lock", [True, False])
@pytest.mark.parametrize("attempt", range(3))
def test_a_revoke_racing_an_add_and_a_publish_of_the_same_quest_loses_nothing(
    con, small_world, store_kind, monkeypatch, with_process_lock, attempt
):
    _workers(store_kind, with_process_lock, monkeypatch)
    cur = small_world
    add_platform_users(cur, 11, 700)
    first = make_batch(cur, FIRST, quest_id=1, name="First")
    actions.publish(cur, ADMIN, first)
    worker.run_until_empty(cur)
    second = make_batch(cur, SECOND, quest_id=1, name="Second")
    actions.publish(cur, ADMIN, second)
    done, chunks = threading.Event(), []
    a, b = con.cursor(), con.cursor()

    def requests() -> list[object]:
        try:
            return together(
                lambda: revoke(a, ADMIN, first, RevokeTarget(all_users=True), "Wrong quest"),
                lambda: add_users(b, first, ADDED),
            )
        finally:
            done.set()

    results = together(requests, drainer(con, done, chunks), drainer(con, done, chunks))
    revoked, added = results[0]
    worker.run_until_empty(cur)  # whatever the race left queued

    # Each request either went through or was refused for the batch's state at its turn: the
    # add while "Revoking", the revoke while the added users were waiting. One that came after
    # the other had finished (the workers are fast) went through as well.
    went = [
        a
        for a in reversed(entries(cur, first)["action"].to_list())
        if a in (Action.REVOKE_REQUESTED, Action.USERS_ADDED)
    ]
    assert went, results[0]
    assert isinstance(revoked, RevokeOutcome) == (Action.REVOKE_REQUESTED in went), results[0]
    assert (added == len(ADDED)) == (Action.USERS_ADDED in went), results[0]
    for refused in (revoked, added):
        assert isinstance(refused, RevokeOutcome | int | InputError), refused
    members = set(FIRST) | (set(ADDED) if Action.USERS_ADDED in went else set())
    gone_users = set() if Action.REVOKE_REQUESTED not in went else members
    if went == [Action.REVOKE_REQUESTED, Action.USERS_ADDED]:
        gone_users = set(FIRST)  # the added users came after the revoke: they are unlocked
    final = statuses(cur, first)
    assert set(final) == members
    assert {u for u, st in final.items() if st == "revoked"} == gone_users
    assert {u for u, st in final.items() if st == "published"} == members - gone_users
    assert set(statuses(cur, second).values()) == {"published"}
    owners = unlock_owners(cur)
    # Users only the first batch unlocked lost the quest; the second batch's kept theirs.
    assert set(owners) == (members - gone_users) | set(SECOND)
    assert all(owners[u] == second for u in set(SECOND) - (members - gone_users))
    gone, kept = cur.execute(
        """SELECT (SELECT count(*) FROM revocations WHERE batch_id = ?),
                  (SELECT count(*) FROM batch_users WHERE batch_id = ?
                   AND kept_by_batch IS NOT NULL)""",
        [first, first],
    ).fetchone()
    assert gone + kept == len(gone_users)  # each revoked exactly once, deleted or kept
    assert sum(c.revoked + c.kept for c in chunks) == len(gone_users)
    assert_counters_match_the_users(cur)
    assert_counts_add_up(cur)


@pytest.mark.slow
@pytest.mark.parametrize("with_process_lock", [True, False])
@pytest.mark.parametrize("attempt", range(3))
def test_revoke_chunks_racing_publish_chunks_of_the_same_quest_hand_over_every_unlock_once(
    con, small_world, store_kind, monkeypatch, with_process_lock, attempt
):
    _workers(store_kind, with_process_lock, monkeypatch)
    cur = small_world
    add_platform_users(cur, 11, 700)
    first = make_batch(cur, FIRST, quest_id=1, name="First")
    actions.publish(cur, ADMIN, first)
    worker.run_until_empty(cur)
    revoke(cur, ADMIN, first, RevokeTarget(all_users=True), "Wrong quest")
    second = make_batch(cur, SECOND, quest_id=1, name="Second")
    actions.publish(cur, ADMIN, second)
    done, chunks = threading.Event(), []
    done.set()

    assert together(drainer(con, done, chunks), drainer(con, done, chunks)) == [None, None]

    assert sum(c.revoked + c.kept for c in chunks) == len(FIRST)
    published = sum(c.published for c in chunks)
    assert published == len(SECOND)  # every user of the second batch processed once
    assert unlock_owners(cur) == dict.fromkeys(SECOND, second)
    assert set(statuses(cur, first).values()) == {"revoked"}
    assert_counters_match_the_users(cur)
    assert_counts_add_up(cur)


@pytest.mark.slow
@pytest.mark.parametrize("with_process_lock", [True, False])
def test_once_a_pause_returns_no_chunk_takes_another_user_of_the_batch(
    con, small_world, store_kind, monkeypatch, with_process_lock
):
    _workers(store_kind, with_process_lock, monkeypatch)
    cur = small_world
    add_platform_users(cur, 11, 3010)
    batch = make_batch(cur, range(11, 3011))
    actions.publish(cur, ADMIN, batch)
    stop, chunks = threading.Event(), []

    def work() -> None:
        c = con.cursor()
        while not stop.is_set():
            try:
                chunk = unlocking.process_once(c, 20)
            except StoreError:
                continue
            if chunk.processed:
                chunks.append(chunk)
            else:
                time.sleep(0.002)

    workers = [threading.Thread(target=work) for _ in range(N_WORKERS)]
    for t in workers:
        t.start()
    try:
        while sum(c.processed for c in chunks) < 200:
            time.sleep(0.002)
        undo.pause(cur, ADMIN, batch)  # retried if it collides with a chunk in flight
        done_at_pause = _processed(cur, batch)
        time.sleep(0.3)  # a dozen chunks' time
        assert _processed(cur, batch) == done_at_pause
        assert 0 < done_at_pause < 3000
        undo.resume(cur, ADMIN, batch)
        give_up = time.monotonic() + 60
        while batch_status(cur, batch) != "published":
            assert time.monotonic() < give_up, "the resumed batch never finished"
            time.sleep(0.01)
    finally:
        stop.set()
        for t in workers:
            t.join()
    assert sum(c.processed for c in chunks) == 3000  # nobody processed twice
    assert_counters_match_the_users(cur)


def _processed(cur, batch_id: int) -> int:
    return cur.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ? AND status <> 'unpublished'",
        [batch_id],
    ).fetchone()[0]
