"""Crash safety: a worker process killed with SIGKILL mid-publish resumes, and unlocks exactly once."""

from __future__ import annotations

import random

from core.access.roles import command_line_account
from core.publishing import actions, batch_report
from tests.support.publish import assert_consistent, make_batch, run_cli
from tests.support.store import open_store
from tests.support.worker_process import kill_after_first_progress_line, start_worker

USERS = 16_000
INACTIVE_EVERY = 97  # every 97th platform user was deactivated after being added


def processed(db, batch_id: int) -> int:
    con = open_store(db)  # replays the write-ahead log of the killed process
    try:
        cur = con.cursor()
        assert_consistent(cur)  # committed chunks are whole even right after a crash
        counts = batch_report.batch_summary(cur, batch_id)["counts"]
        return counts["Published"] + counts["Error"]
    finally:
        con.close()


def test_a_worker_killed_mid_publish_resumes_and_unlocks_everyone_exactly_once(db_path):
    con = open_store(db_path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.example', 'u' || i,
               'u' || i || '@x.example', TRUE FROM range(1, ?) r(i)""",
        [USERS + 1],
    )
    first = make_batch(cur, range(1, 12_001), name="Large")
    second = make_batch(cur, range(9_001, 15_001), name="Overlapping")  # 3,000 in both
    for batch in (first, second):
        actions.publish(cur, command_line_account(), batch)
    cur.execute("UPDATE platform_users SET active = FALSE WHERE id % ? = 0", [INACTIVE_EVERY])
    con.close()

    rng = random.Random(4)
    done_after_kills = []
    for _ in range(2):
        with start_worker(db_path, chunk=500) as proc:
            kill_after_first_progress_line(proc, rng, "publishing")
        done_after_kills.append(processed(db_path, first))
    assert 0 < done_after_kills[0] < 12_000, "the first kill should land mid-publish"

    finished = run_cli(db_path, "worker", "--once")
    assert finished.returncode == 0, finished.stderr
    assert "Queue empty" in finished.stdout

    con = open_store(db_path)
    cur = con.cursor()
    assert_consistent(cur)
    rows = cur.execute(
        "SELECT id, status, n_users, n_published, n_error FROM batches ORDER BY id"
    ).fetchall()
    inactive_first = 12_000 // INACTIVE_EVERY
    inactive_second = 15_000 // INACTIVE_EVERY - 9_000 // INACTIVE_EVERY
    assert rows == [
        (first, "partially_published", 12_000, 12_000 - inactive_first, inactive_first),
        (second, "partially_published", 6_000, 6_000 - inactive_second, inactive_second),
    ]
    active_members = 15_000 - 15_000 // INACTIVE_EVERY
    unlocks = cur.execute(
        "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE batch_id = ?) "
        "FROM unlocks WHERE quest_id = 1",
        [second],
    ).fetchall()[0]
    only_second = 3_000 - (15_000 // INACTIVE_EVERY - 12_000 // INACTIVE_EVERY)
    assert unlocks == (active_members, active_members, only_second)
    con.close()
