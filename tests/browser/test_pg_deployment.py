"""The deployment of issue 14, for real on this machine: one PostgreSQL database, two app replicas
and two publisher workers as separate processes.

In Chromium an admin logs in on replica A, builds a 5,000-user batch by upload and publishes it;
replica B (same browser, other port: the login cookie is shared) watches it go In Progress, then
Published. Mid-batch one worker is killed with SIGKILL and the other finishes; the CLI lists the
batch while both replicas run. At the end the database holds exactly one unlock per batch user
and counters that match the users' statuses.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from playwright.sync_api import Locator, Page, expect

from core import words
from tests.browser.test_new_batch import choose_quest
from tests.support.browser import log_in, wait_idle
from tests.support.browser_actions import confirm_publish, upload
from tests.support.deployment import Deployment, Process, upload_csv, users_csv
from tests.support.postgres import PostgresServer

ADMIN, PASSWORD = "deploy.admin", "deploy-admin-pass-1"
ADD_ADMIN = ("account", "add", ADMIN, "--role", "admin", "--password-stdin")
BADGE, QUEST = "Deployment test", "Replica quest"
FIRST_ID = 700_001
PLATFORM_USERS = 5_250  # more than the batch: the upload picks 5,000 of them
BATCH_USERS = 5_000
BATCH_NAME = "Two replicas batch"
# Unlocks a second per worker, so the batch takes ~15-20 s: the kill lands mid-batch and the
# survivor has most of it left (measured: 1,400-2,400 published at the kill, ~5 s in; two workers
# on ONE batch take turns on its row lock, so together they go ~300/s, not 500/s).
RATE = 250
KILL_AFTER = 1_000  # published users before one worker is killed
# What PostgreSQL logs when a client dies inside a transaction (it then rolls it back).
ROLLED_BACK = "unexpected EOF on client connection with an open transaction"
T = TypeVar("T")
IN_PROGRESS = re.compile(rf"^{re.escape(words.IN_PROGRESS)} \(\d+%\)$")


@pytest.fixture
def deployment(pg_url: str, tmp_path: Path) -> Iterator[Deployment]:
    """A deployment on a fresh database; every process it started is stopped, pass or fail."""
    deployed = Deployment(pg_url, tmp_path, cookie_secret=secrets.token_hex(24))
    try:
        yield deployed
    finally:
        deployed.stop()


def status_badge(page: Page, pattern: re.Pattern[str]) -> Locator:
    """The detail page's status badge (st.badge), whose text matches `pattern`."""
    return page.locator(".stMarkdownBadge").filter(has_text=pattern)


def batch_row(url: str, batch_id: int) -> dict:
    """The batch's row in the database, read directly."""
    with psycopg.connect(url) as con:
        cur = con.execute(
            "SELECT status, n_users, n_unpublished, n_in_progress, n_published, n_error "
            "FROM batches WHERE id = %s",
            [batch_id],
        )
        names = [c.name for c in cur.description]
        row = cur.fetchone()
    assert row is not None, f"batch {batch_id} is not in the database"
    return dict(zip(names, row, strict=True))


def recount(url: str, batch_id: int, quest_id: int) -> dict:
    """The batch's counters beside a recount of its users and its unlocks, in one snapshot (one
    statement), so it holds even while a worker publishes."""
    with psycopg.connect(url, autocommit=True) as con:
        cur = con.execute(
            """SELECT b.status, b.n_published, b.n_unpublished + b.n_in_progress AS n_pending,
                      (SELECT count(*) FROM batch_users u
                       WHERE u.batch_id = b.id AND u.status = 'published') AS users_published,
                      (SELECT count(*) FROM batch_users u WHERE u.batch_id = b.id
                       AND u.status IN ('unpublished', 'in_progress')) AS users_pending,
                      (SELECT count(*) FROM unlocks x
                       WHERE x.batch_id = b.id AND x.quest_id = %s) AS unlocks
               FROM batches b WHERE b.id = %s""",
            [quest_id, batch_id],
        )
        names = [c.name for c in cur.description]
        row = cur.fetchone()
    assert row is not None, f"batch {batch_id} is not in the database"
    return dict(zip(names, row, strict=True))


def kill_mid_chunk(
    deployment: Deployment, workers: list[Process], batch_id: int, timeout: float = 20
) -> Process:
    """SIGKILL the worker whose chunk of `batch_id` is in flight, and return it.

    The batch's users' rows are share-locked first, so the next chunk's write (which locks them
    to count quests held) waits with its transaction open: the kill then cuts that transaction
    for certain, and PostgreSQL has a half-done chunk to roll back. (Killing when a poll saw an
    open transaction raced the commit: CI once killed just after it.)
    """
    names = [w.name for w in workers]
    with psycopg.connect(deployment.db_url) as lock:
        # In id order, as a chunk locks them (publishing_sql.held_ctes): in another order this
        # lock and a chunk in flight each held a row the other wanted (CI: deadlock detected).
        lock.execute(
            "SELECT 1 FROM platform_users WHERE id IN "
            "(SELECT user_id FROM batch_users WHERE batch_id = %s) ORDER BY id FOR SHARE",
            [batch_id],
        )
        deadline = time.monotonic() + timeout
        with psycopg.connect(deployment.db_url, autocommit=True) as con:
            while True:
                found = con.execute(
                    "SELECT application_name FROM pg_stat_activity "
                    "WHERE application_name = ANY(%s) AND backend_xid IS NOT NULL "
                    "AND wait_event_type = 'Lock'",
                    [names],
                ).fetchone()
                if found:
                    (chosen,) = [w for w in workers if w.name == found[0]]
                    deployment.kill(chosen)
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"no worker had a chunk waiting within {timeout:.0f} s\n{deployment.logs()}"
                    )
                time.sleep(0.01)
        lock.rollback()  # the killed worker's backend goes on, finds its client gone, rolls back
    return chosen


def wait_until(check: Callable[[], T], what: str, timeout: float, deployment: Deployment) -> T:
    """Poll `check()` until it returns something truthy; return that (fail with the logs)."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s\n{deployment.logs()}")
        time.sleep(0.1)
    return found


def test_two_replicas_and_two_workers_publish_a_5000_user_batch_through_a_worker_crash(
    page: Page, deployment: Deployment, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    timings: dict[str, float] = {}
    began = mark = time.monotonic()

    def lap(label: str) -> None:
        nonlocal mark
        now = time.monotonic()
        timings[label] = round(now - mark, 1)
        mark = now

    # 1. The database, filled through the command line (three commands at once: no lock).
    users_file, badges_file = tmp_path / "users.csv", tmp_path / "badges.csv"
    users_file.write_text(users_csv(FIRST_ID, PLATFORM_USERS))
    badges_file.write_text(f"badge,quest\n{BADGE},{QUEST}\n")
    with ThreadPoolExecutor(3) as pool:
        setup = [
            pool.submit(deployment.core, *ADD_ADMIN, stdin=PASSWORD + "\n"),
            pool.submit(deployment.core, "import-users", str(users_file), "--json"),
            pool.submit(deployment.core, "import-badges", str(badges_file), "--json"),
        ]
        results = [f.result() for f in setup]
    for result in results:
        assert result.returncode == 0, f"{result.args[4:]}: {result.stderr}"
    assert json.loads(results[1].stdout)["added"] == PLATFORM_USERS
    quests = deployment.core("quests", "--json")
    assert quests.returncode == 0, quests.stderr
    (quest_id,) = [q["id"] for q in json.loads(quests.stdout) if q["quest"] == QUEST]
    lap("cli setup")

    # 2. Two replicas (one cookie secret, no publisher in them) and two workers, all at once.
    replica_a, replica_b = deployment.start_replicas(2)
    workers = deployment.start_workers(["worker-1", "worker-2"], RATE)
    lap("replicas and workers up")

    # 3. On replica A: log in, build the batch by upload, publish.
    log_in(page, replica_a, ADMIN, PASSWORD)
    page.goto(f"{replica_a}/new-batch")
    wait_idle(page)
    expect(page.get_by_role("heading", name=words.NEW_BATCH)).to_be_visible()
    page.get_by_label(words.NAME).fill(BATCH_NAME)
    page.get_by_label(words.NAME).press("Enter")
    wait_idle(page)
    choose_quest(page, BADGE, QUEST)
    expect(page).to_have_url(re.compile(r"draft=\d+"))
    found = re.search(r"draft=(\d+)", page.url)
    assert found is not None
    batch_id = int(found.group(1))
    lap("login and draft on A")
    upload(page, upload_csv(range(FIRST_ID, FIRST_ID + BATCH_USERS)))
    expect(page.get_by_text(f"Users ({BATCH_USERS:,} of {BATCH_USERS:,})")).to_be_visible(
        timeout=30_000
    )
    lap("upload of 5,000 rows on A")
    confirm_publish(page)
    published_at = time.monotonic()
    lap("publish on A")

    # Replica B, same browser (the session cookie is shared across ports of one host).
    page_b = page.context.new_page()
    page_b.goto(f"{replica_b}/batch?id={batch_id}")
    wait_idle(page_b)
    expect(page_b.get_by_role("heading", name=BATCH_NAME)).to_be_visible()
    expect(status_badge(page_b, IN_PROGRESS)).to_be_visible(timeout=20_000)
    lap("B shows In Progress")

    # 4. Both workers publish; once some users are published, one of them dies mid-batch.
    for worker in workers:
        wait_until(
            lambda w=worker: f"batch {batch_id} " in w.output(),
            f"{worker.name} never reported a chunk of batch {batch_id} (the work is not shared)",
            20,
            deployment,
        )

    def published_enough() -> dict | None:
        row = batch_row(deployment.db_url, batch_id)
        return row if row["n_published"] >= KILL_AFTER else None

    wait_until(published_enough, f"{KILL_AFTER:,} users were not published", 30, deployment)
    server_log = postgres_server.data_dir / "log" if postgres_server.data_dir else None
    logged_before = server_log.stat().st_size if server_log else 0
    killed = kill_mid_chunk(deployment, workers, batch_id)
    assert killed.proc.returncode == -signal.SIGKILL
    (survivor,) = [w for w in workers if w is not killed]
    if server_log is not None:  # our own server: its log says the kill cut a transaction
        wait_until(
            lambda: ROLLED_BACK in server_log.read_text(errors="replace")[logged_before:],
            f"the server log never said {ROLLED_BACK!r} (the kill missed the chunk)",
            10,
            deployment,
        )
    at_kill = recount(deployment.db_url, batch_id, quest_id)
    assert at_kill["status"] == "in_progress", f"the kill came too late: {at_kill}"
    # Committed chunks are whole, the killed one left nothing: counters, users, unlocks agree.
    assert at_kill["n_published"] == at_kill["users_published"] == at_kill["unlocks"], at_kill
    assert at_kill["n_pending"] == at_kill["users_pending"] == BATCH_USERS - at_kill["unlocks"]
    lap("both workers publishing, then the kill")

    # 5. The command line beside two running replicas and a running worker.
    listed = deployment.core("batch", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "lock" not in listed.stderr.lower(), listed.stderr
    (row,) = [b for b in json.loads(listed.stdout) if b["id"] == batch_id]
    assert (row["name"], row["quest"], row["users"]) == (BATCH_NAME, QUEST, BATCH_USERS)
    assert row["status"] in (words.IN_PROGRESS, words.PUBLISHED), row
    lap("cli batch list")

    # The survivor finishes; replica B sees it.
    expect(status_badge(page_b, re.compile(rf"^{words.PUBLISHED}$"))).to_be_visible(timeout=60_000)
    published = page_b.get_by_test_id("stMetric").filter(
        has=page_b.get_by_test_id("stMetricLabel").get_by_text(words.PUBLISHED, exact=True)
    )
    expect(published).to_contain_text(f"{BATCH_USERS:,}")
    timings["publish to Published on B"] = round(time.monotonic() - published_at, 1)
    lap("survivor finishes, B shows Published")
    assert survivor.proc.poll() is None, f"the surviving worker died\n{deployment.logs()}"
    finished = f"batch {batch_id} “{BATCH_NAME}”: {words.PUBLISHED} (5,000 of 5,000)"
    assert finished in survivor.output(), deployment.logs()

    # 6. The database: exactly one unlock per batch user, counters equal to the users' statuses.
    with psycopg.connect(deployment.db_url) as con:
        statuses = dict(
            con.execute(
                "SELECT status, count(*) FROM batch_users WHERE batch_id = %s GROUP BY status",
                [batch_id],
            ).fetchall()
        )
        unlocks = con.execute(
            "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE batch_id = %s) "
            "FROM unlocks WHERE quest_id = %s",
            [batch_id, quest_id],
        ).fetchone()
        unlocked_members = con.execute(
            "SELECT count(*) FROM batch_users b JOIN unlocks u "
            "ON u.user_id = b.user_id AND u.quest_id = %s WHERE b.batch_id = %s",
            [quest_id, batch_id],
        ).fetchone()[0]
        charted = con.execute(
            "SELECT coalesce(sum(unlocks), 0) FROM unlock_counts WHERE batch_id = %s", [batch_id]
        ).fetchone()[0]
    assert statuses == {"published": BATCH_USERS}, statuses
    assert unlocks == (BATCH_USERS, BATCH_USERS, BATCH_USERS), unlocks
    assert unlocked_members == BATCH_USERS
    assert charted == BATCH_USERS, "the chart's unlock counts differ from the unlocks"
    final = batch_row(deployment.db_url, batch_id)
    assert final == {
        "status": "published",
        "n_users": BATCH_USERS,
        "n_unpublished": 0,
        "n_in_progress": 0,
        "n_published": BATCH_USERS,
        "n_error": 0,
    }, final
    timings["total"] = round(time.monotonic() - began, 1)
    print(f"\ndeployment: killed a worker at {at_kill['n_published']:,} published; s: {timings}")
