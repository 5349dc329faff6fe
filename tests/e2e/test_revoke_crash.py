"""Crash safety of revoking: a worker process killed with SIGKILL mid-revoke resumes, and takes
back exactly this batch's unlocks, once, touching no other batch's."""

from __future__ import annotations

import random

from core.access.roles import command_line_account
from core.cli import main
from core.publishing import actions, worker
from core.store.ports import UnitOfWork
from tests.support.publish import assert_consistent, make_batch, run_cli
from tests.support.store import open_store
from tests.support.worker_process import kill_after_first_progress_line, start_worker

USERS = 5_000  # batch "Wrong" holds them all; the revoke takes back 4,000 and hands on 1,000
SHARED = range(4_001, 5_001)  # also in batch "Right" (same quest): they keep the quest
REASON = "Awarded by mistake"


def assert_revoked_once(cur: UnitOfWork) -> None:
    """Beyond assert_consistent: no unlock was revoked twice or is still there once revoked, and
    the unlocks counted net of the revokes are the unlocks left."""
    twice = cur.execute(
        "SELECT count(*) - count(DISTINCT (user_id, quest_id, unlocked_at)) FROM revocations"
    ).fetchone()[0]
    assert twice == 0, "an unlock was revoked twice"
    revoked_unlock_left = cur.execute(
        """SELECT count(*) FROM revocations r JOIN unlocks x
           ON x.user_id = r.user_id AND x.quest_id = r.quest_id
           AND x.unlocked_at <= r.revoked_at"""
    ).fetchone()[0]
    assert revoked_unlock_left == 0, "a revoked unlock is still there (not unlocked again)"
    counted, revoked, left = cur.execute(
        """SELECT (SELECT coalesce(sum(unlocks), 0) FROM unlock_counts),
                  (SELECT coalesce(sum(revokes), 0) FROM revoke_counts),
                  (SELECT count(*) FROM unlocks WHERE batch_id IS NOT NULL)"""
    ).fetchone()
    assert counted - revoked == left, "unlocks counted net of revokes differ from those left"


def revoked_so_far(db, batch_id: int) -> int:
    con = open_store(db)  # replays the write-ahead log of the killed process
    try:
        cur = con.cursor()
        assert_consistent(cur)  # committed chunks are whole even right after a crash
        assert_revoked_once(cur)
        return cur.execute("SELECT n_revoked FROM batches WHERE id = ?", [batch_id]).fetchone()[0]
    finally:
        con.close()


def test_a_worker_killed_mid_revoke_resumes_and_revokes_exactly_this_batchs_unlocks(db_path):
    con = open_store(db_path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 100 pages')")
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.example', 'u' || i,
               'u' || i || '@x.example', TRUE FROM range(1, 6001) r(i)"""
    )
    wrong = make_batch(cur, range(1, USERS + 1), name="Wrong")
    right = make_batch(cur, range(SHARED.start, 6_001), name="Right")  # after "Wrong": 1,000 held
    other_quest = make_batch(cur, range(1, USERS + 1), quest_id=2, name="Other quest")
    for batch in (wrong, right, other_quest):
        actions.publish(cur, command_line_account(), batch)
        worker.run_until_empty(cur)
    untouched = cur.execute(
        "SELECT user_id, quest_id, batch_id, unlocked_at FROM unlocks "
        "WHERE quest_id = 2 OR batch_id = ? ORDER BY ALL",
        [right],
    ).fetchall()
    assert len(untouched) == USERS + 1_000
    con.close()

    assert (
        main(["--db", str(db_path), "batch", "revoke", str(wrong), "--all", "--reason", REASON])
        == 0
    )

    rng = random.Random(15)
    done_after_kills = []
    for _ in range(2):
        with start_worker(db_path, chunk=250) as proc:
            kill_after_first_progress_line(proc, rng, "revoking")
        done_after_kills.append(revoked_so_far(db_path, wrong))
    assert 0 < done_after_kills[0] < USERS, "the first kill should land mid-revoke"

    finished = run_cli(db_path, "worker", "--once")
    assert finished.returncode == 0, finished.stderr
    assert "Queue empty" in finished.stdout

    con = open_store(db_path)
    cur = con.cursor()
    assert_consistent(cur)
    assert_revoked_once(cur)
    rows = cur.execute(
        "SELECT id, status, n_users, n_published, n_revoking, n_revoked FROM batches ORDER BY id"
    ).fetchall()
    assert rows == [
        (wrong, "revoked", USERS, 0, 0, USERS),
        (right, "published", 2_000, 2_000, 0, 0),
        (other_quest, "published", USERS, USERS, 0, 0),
    ]
    held = cur.execute(
        "SELECT min(user_id), max(user_id), count(*), count(*) FILTER (WHERE batch_id = ?) "
        "FROM unlocks WHERE quest_id = 1",
        [right],
    ).fetchone()
    assert held == (SHARED.start, 6_000, 2_000, 2_000), "the shared users' unlocks went to Right"
    after = cur.execute(
        "SELECT user_id, quest_id, batch_id, unlocked_at FROM unlocks "
        "WHERE quest_id = 2 OR (batch_id = ? AND user_id > ?) ORDER BY ALL",
        [right, SHARED.stop - 1],
    ).fetchall()
    assert after == [row for row in untouched if row[1] == 2 or row[0] > SHARED.stop - 1]
    revocations = cur.execute(
        "SELECT count(*), count(DISTINCT user_id), min(user_id), max(user_id), "
        "count(*) FILTER (WHERE batch_id = ? AND quest_id = 1 AND reason = ?) FROM revocations",
        [wrong, REASON],
    ).fetchone()
    assert revocations == (4_000, 4_000, 1, 4_000, 4_000)
    assert cur.execute("SELECT sum(revokes) FROM revoke_counts").fetchone()[0] == 4_000
    kept = cur.execute(
        "SELECT kept_by_batch, count(*) FROM batch_users WHERE batch_id = ? "
        "GROUP BY ALL ORDER BY ALL NULLS FIRST",
        [wrong],
    ).fetchall()
    assert kept == [(None, 4_000), (right, 1_000)]
    con.close()
