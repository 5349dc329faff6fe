"""On PostgreSQL the command line pauses and resumes beside a running worker process: a batch
(`batch pause`/`resume`) or the whole publisher (`worker pause`/`resume`), within a chunk; and
`batch revoke` there is done by that worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from core.access.roles import command_line_account
from core.publishing import actions
from tests.support.pg_store import open_pg_store
from tests.support.publish import ROOT, assert_consistent, cli_env, make_batch

pytestmark = pytest.mark.pg

USERS = 4_000
RATE = 200  # unlocks per second: chunks of 50 users every quarter second, 20 s for the batch
# "Within a chunk": the chunk in flight when the pause is stored still commits. A busy machine
# makes the worker's throttled chunks bigger to keep up with the rate (throttle.ChunkSizer), so
# allow a second's worth at the rate rather than exactly one tick's 50 users.
IN_FLIGHT = RATE


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m core --db URL …` beside the worker and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", url, *args],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def done(uow, batch_id: int) -> int:
    """How many of the batch's users were processed so far."""
    return uow.execute(
        "SELECT n_published + n_error FROM batches WHERE id = ?", [batch_id]
    ).fetchone()[0]


def status(uow, batch_id: int) -> str:
    return uow.execute("SELECT status FROM batches WHERE id = ?", [batch_id]).fetchone()[0]


def wait_for(what, deadline_s: float, message: str) -> None:
    deadline = time.monotonic() + deadline_s
    while not what():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def assert_stops_within_a_chunk(uow, batch_id: int, before: int) -> int:
    """After a pause that returned when `before` users were done: at most the chunk in flight
    more, then no more (watched for two seconds); return where it stopped."""
    time.sleep(1.0)  # the chunk in flight commits
    stopped = done(uow, batch_id)
    assert before <= stopped <= before + IN_FLIGHT, (before, stopped)
    time.sleep(2.0)
    assert done(uow, batch_id) == stopped, "the batch kept moving while paused"
    assert stopped < USERS, "the batch finished before the pause could be seen"
    return stopped


def test_pausing_from_the_cli_beside_a_running_worker_takes_effect_within_a_chunk(pg_url, tmp_path):
    uow = open_pg_store(pg_url, size=1)
    try:
        uow.execute("INSERT INTO badges (name) VALUES ('Explorer')")
        uow.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
        uow.execute(
            """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.example', 'u' || i,
                   'u' || i || '@x.example', TRUE FROM generate_series(1, ?::bigint) r(i)""",
            [USERS],
        )
        batch = make_batch(uow, range(1, USERS + 1), name="Large")
        actions.publish(uow, command_line_account(), batch)

        printed: list[str] = []
        worker = subprocess.Popen(
            [sys.executable, "-m", "core", "--db", pg_url, "worker", "--rate", str(RATE)],
            cwd=ROOT,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        reader = threading.Thread(target=lambda: printed.extend(worker.stdout), daemon=True)
        reader.start()
        try:
            wait_for(lambda: done(uow, batch) > 0, 30, "the worker published nothing")

            paused = cli(pg_url, "batch", "pause", str(batch))
            assert paused.returncode == 0, paused.stderr
            stopped = assert_stops_within_a_chunk(uow, batch, done(uow, batch))
            shown = cli(pg_url, "batch", "show", str(batch))
            assert "In Progress" in shown.stdout and "· Paused" in shown.stdout, shown.stdout

            resumed = cli(pg_url, "batch", "resume", str(batch))
            assert resumed.returncode == 0, resumed.stderr
            wait_for(lambda: done(uow, batch) > stopped + 2 * IN_FLIGHT, 30, "not resumed")

            brake = cli(pg_url, "worker", "pause")
            assert brake.returncode == 0, brake.stderr
            stopped = assert_stops_within_a_chunk(uow, batch, done(uow, batch))

            released = cli(pg_url, "worker", "resume")
            assert released.returncode == 0, released.stderr
            wait_for(lambda: done(uow, batch) == USERS, 60, "the batch never finished")

            wrong = tmp_path / "wrong.csv"  # a tenth of them: 2.5 s at the rate
            wrong.write_text("ID\n" + "\n".join(map(str, range(1, USERS // 10 + 1))) + "\n")
            revoked = cli(
                pg_url, "batch", "revoke", str(batch), "--csv", str(wrong), "--reason", "x"
            )
            assert revoked.returncode == 0, revoked.stderr
            wait_for(lambda: status(uow, batch) == "partially_revoked", 60, "never revoked")
            assert worker.poll() is None, "".join(printed)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            reader.join(10)
            worker.stdout.close()
        assert_consistent(uow)
        left = uow.execute("SELECT min(user_id), count(*) FROM unlocks").fetchone()
        assert left == (USERS // 10 + 1, USERS - USERS // 10)
    finally:
        uow.close()
    out = "".join(printed)
    assert "The publisher is paused (by cli:" in out and "The publisher was resumed." in out, out
    assert "Traceback" not in out, out
