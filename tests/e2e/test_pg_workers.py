"""Two `python -m core worker` processes on one PostgreSQL database; one is SIGKILLed mid-batch.

The other takes the killed worker's batch over (PostgreSQL released its claim with its
connection) and the queue ends with every user processed once: one unlock per (user, quest),
counters equal to the users' statuses, every batch finished.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time

from core.access.roles import command_line_account
from core.publishing import actions, queue
from tests.support.pg_store import open_pg_store
from tests.support.publish import ROOT, assert_consistent, cli_env, make_batch

BATCHES = 10
USERS_PER_BATCH = 2_000
STEP = 1_500  # batch i holds users STEP*i+1 .. STEP*i+2000: neighbours share 500 users
INACTIVE_EVERY = 97  # deactivated after being added: they end in "Error"
LAST_USER = STEP * (BATCHES - 1) + USERS_PER_BATCH
_IN_PROGRESS = re.compile(r"^batch (\d+) .*: In Progress")


def start_worker(url: str) -> subprocess.Popen:
    """Start `python -m core --db URL worker`, unthrottled, in small chunks (many claims)."""
    return subprocess.Popen(
        [sys.executable, "-m", "core", "--db", url, "worker", "--rate", "0", "--chunk", "100"],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_lines(proc: subprocess.Popen, into: list[str]) -> threading.Thread:
    """Collect a worker's output in the background (a full pipe would stall it)."""
    thread = threading.Thread(target=lambda: into.extend(proc.stdout), daemon=True)
    thread.start()
    return thread


def fill(url: str) -> list[int]:
    """Users 1..LAST_USER, ten overlapping batches for one quest, all queued; return the ids."""
    uow = open_pg_store(url, size=2)
    try:
        uow.execute("INSERT INTO badges (name) VALUES ('Explorer')")
        uow.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
        uow.execute(
            """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.example', 'u' || i,
                   'u' || i || '@x.example', TRUE FROM generate_series(1, ?::bigint) r(i)""",
            [LAST_USER],
        )
        ids = [
            make_batch(
                uow,
                list(range(STEP * i + 1, STEP * i + USERS_PER_BATCH + 1)),
                name=f"Batch {i + 1}",
            )
            for i in range(BATCHES)
        ]
        for batch in ids:
            actions.publish(uow, command_line_account(), batch)
        uow.execute("UPDATE platform_users SET active = FALSE WHERE id % ? = 0", [INACTIVE_EVERY])
        return ids
    finally:
        uow.close()


def test_two_worker_processes_share_the_queue_and_one_takes_over_a_killed_ones_batch(pg_url):
    batches = fill(pg_url)
    rng = random.Random(14)
    killed_out: list[str] = []
    survivor_out: list[str] = []
    survivor = start_worker(pg_url)
    reader = read_lines(survivor, survivor_out)
    victim = start_worker(pg_url)
    try:
        for line in victim.stdout:  # the victim's first progress: it holds that batch now
            killed_out.append(line)
            found = _IN_PROGRESS.match(line)
            if found:
                held = int(found.group(1))
                break
        else:
            raise AssertionError(f"the worker ended before publishing anything: {killed_out}")
        time.sleep(rng.uniform(0, 0.03))  # inside a later chunk's transaction, or between two
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL

        uow = open_pg_store(pg_url, size=2)
        try:
            deadline = time.monotonic() + 180
            while queue.anything_queued(uow):
                assert survivor.poll() is None, "".join(survivor_out)
                assert time.monotonic() < deadline, "the survivor never emptied the queue"
                time.sleep(0.1)
            survivor.send_signal(signal.SIGTERM)  # stops after its chunk
            assert survivor.wait(30) == 0, "".join(survivor_out)
            reader.join(10)
            check_the_end(uow, batches)
        finally:
            uow.close()
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()

    took_over = [line for line in survivor_out if line.startswith(f"batch {held} ")]
    assert took_over and "Partially published" in took_over[-1], survivor_out[-5:]
    assert any(line.startswith("Stopped: processed") for line in survivor_out)


def check_the_end(uow, batches: list[int]) -> None:
    """Every batch finished, each user processed once, counters and unlocks consistent."""
    assert_consistent(uow)
    rows = uow.execute(
        "SELECT id, status, n_users, n_published, n_error FROM batches ORDER BY id"
    ).fetchall()
    expected = []
    for i, batch in enumerate(batches):
        first, last = STEP * i + 1, STEP * i + USERS_PER_BATCH
        inactive = last // INACTIVE_EVERY - (first - 1) // INACTIVE_EVERY
        expected.append(
            (batch, "partially_published", USERS_PER_BATCH, USERS_PER_BATCH - inactive, inactive)
        )
    assert rows == expected
    active = LAST_USER - LAST_USER // INACTIVE_EVERY
    unlocks = uow.execute(
        "SELECT count(*), count(DISTINCT user_id) FROM unlocks WHERE quest_id = 1"
    ).fetchone()
    assert unlocks == (active, active)  # overlapping users: one unlock, whoever got there first
