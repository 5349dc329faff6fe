"""A data file that cannot be written or read: plain words for the user, details in the log.

A full disk is made real without root tricks: after a checkpoint DuckDB has no write-ahead log
open, and a `<file>.wal` symlink to /dev/full makes its next commit fail with "No space left on
device", exactly as on a full disk. (chmod would not do: the tests run as root.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

import duckdb
import pytest

from core import store
from core.access import accounts as account_store
from core.access import sessions
from core.access.login import authenticate
from core.errors import BatchUnlockError, StoreUnavailable
from core.publishing import actions, throttle, unlocking, worker_thread
from core.store.duckdb.base import Repository
from core.store.duckdb.schema import probe
from core.store.duckdb.unit_of_work import DuckUnitOfWork
from tests.support.faults import damaged
from tests.support.publish import batch_status, make_batch
from tests.support.store import open_store


def fill_the_disk(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Make every later commit on this store fail as on a full disk."""
    con.execute("CHECKPOINT")  # no log file open: DuckDB opens it again at the next commit
    wal = Path(f"{db_path}.wal")
    assert not wal.exists()
    wal.symlink_to("/dev/full")


@pytest.fixture
def full_con(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A migrated store whose disk fills up once the test calls `fill_the_disk`."""
    connection = open_store(db_path)
    yield connection
    with contextlib.suppress(duckdb.Error):
        connection.close()


@pytest.mark.slow
def test_a_write_on_a_full_disk_says_so_in_words_and_logs_duckdbs_own(
    full_con, db_path, caplog
) -> None:
    fill_the_disk(full_con, db_path)
    cur = full_con.cursor()
    with (
        caplog.at_level(logging.ERROR, logger="core.store"),
        pytest.raises(StoreUnavailable) as caught,
    ):
        cur.settings.put("publish_rate", "5")
    message = str(caught.value)
    assert isinstance(caught.value, BatchUnlockError)  # session.attempt shows it as it is
    assert "cannot be written" in message and "Free disk space" in message
    assert "wal" not in message.lower() and str(db_path) not in message
    assert "Could not write file" in caplog.text  # the operator still gets DuckDB's words
    assert cur.settings.get("publish_rate") is None


@pytest.mark.slow
def test_publish_on_a_full_disk_is_refused_with_a_plain_message_and_nothing_queued(
    full_con, db_path, accounts
) -> None:
    cur = full_con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (1, 'u1', 'u1@x.org', 'u1', 'u1@x.org', true)"
    )
    batch = make_batch(cur, [1])
    fill_the_disk(full_con, db_path)
    with pytest.raises(StoreUnavailable, match="disk full"):
        actions.publish(cur, accounts["admin"], batch)
    assert batch_status(cur, batch) == "draft"


@pytest.mark.slow
def test_a_login_on_a_full_disk_fails_with_the_store_message_not_a_crash(
    full_con, db_path, accounts
) -> None:
    cur = full_con.cursor()
    account_store.add_account(cur, accounts["admin"], "ada", "admin", "a-long-password-1")
    fill_the_disk(full_con, db_path)
    with pytest.raises(StoreUnavailable):  # the /login route answers it with a plain 503 page
        account = authenticate(cur, "ada", "a-long-password-1")
        sessions.start_session(cur, account)


@pytest.mark.slow
def test_a_read_only_store_refuses_writes_with_the_same_plain_message(db_path) -> None:
    open_store(db_path).close()
    read_only = duckdb.connect(str(db_path), read_only=True)
    try:
        with pytest.raises(StoreUnavailable, match="cannot be written"):
            DuckUnitOfWork(read_only.cursor()).settings.put("publish_rate", "5")
    finally:
        read_only.close()


# --- a damaged data file --------------------------------------------------------------------


def test_a_file_of_random_bytes_is_refused_on_opening_in_one_plain_sentence(tmp_path) -> None:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(20_000))
    with pytest.raises(StoreUnavailable) as caught:
        open_store(path)
    assert caught.value.reason == store.CANNOT_READ
    assert "Restore it from a backup" in str(caught.value) and "IO Error" not in str(caught.value)


@pytest.mark.slow
def test_the_health_probe_finds_a_file_that_opens_but_cannot_be_read(tmp_path, demo_file):
    # Some cut of the file opens (its first blocks are whole) yet loses the accounts' blocks.
    reasons = []
    for tenth in range(1, 10):
        path = damaged(tmp_path, demo_file, tenth / 10)
        try:
            con = duckdb.connect(str(path))  # raw: store.connect would migrate (write) it
        except duckdb.Error:
            continue
        try:
            probe(con.cursor())
        except StoreUnavailable as exc:
            reasons.append(exc.reason)
        finally:
            con.close()
    assert reasons and set(reasons) == {store.CANNOT_READ}, "the test lost its damaged case"


@pytest.mark.slow
def test_a_read_of_a_damaged_file_becomes_the_plain_error(tmp_path, demo_file) -> None:
    for tenth in range(1, 10):
        path = damaged(tmp_path, demo_file, tenth / 10)
        try:
            con = duckdb.connect(str(path))
        except duckdb.Error:
            continue
        try:
            Repository(DuckUnitOfWork(con.cursor())).frame("SELECT * FROM platform_users")
        except StoreUnavailable as exc:
            assert exc.reason == store.CANNOT_READ
            return
        finally:
            con.close()
    pytest.fail("no truncation left platform_users unreadable: the test lost its case")


def test_the_health_probe_passes_on_a_sound_store(cur) -> None:
    cur.probe()  # raises if it cannot read


# --- the publisher when the store fails -------------------------------------------------------


@pytest.mark.slow
def test_the_publisher_records_a_stall_on_a_full_disk_and_backs_off(
    full_con, db_path, accounts, monkeypatch
) -> None:
    cur = full_con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (1, 'u1', 'u1@x.org', 'u1', 'u1@x.org', true)"
    )
    batch = make_batch(cur, [1])
    actions.publish(cur, accounts["admin"], batch)
    fill_the_disk(full_con, db_path)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_AFTER", 0.01)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_MAX", 0.05)
    background = worker_thread.Worker(full_con, use_stored_rate=False)
    background.start()
    try:
        wait_for(lambda: background.status().stalled)
        status = background.status()
        assert status.running and status.stall_reason == store.CANNOT_WRITE
        sentence = status.stall_message("09:12")
        assert sentence == (
            "Publishing is stalled since 09:12: the data file cannot be written (disk full or "
            "file permissions?). It resumes by itself when this is fixed."
        )
        wait_for(lambda: background.retry_delay() == 0.05)  # 0.01, 0.02, 0.04, then the most
        assert background.status().stalled_since == status.stalled_since  # since the first
    finally:
        background.stop()
    assert batch_status(cur, batch) == "unpublished"


def test_the_retry_delay_doubles_from_2_to_at_most_30_seconds(con) -> None:
    background = worker_thread.Worker(con)
    delays = []
    for _ in range(7):
        background._record_failure(StoreUnavailable("x", store.CANNOT_WRITE))
        delays.append(background.retry_delay())
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


@pytest.mark.slow
def test_a_stall_clears_itself_when_the_store_takes_writes_again(
    con, small_world, accounts, monkeypatch
) -> None:
    cur = small_world
    failures = {"left": 3}
    real = unlocking.process_once

    def failing_then_fixed(c, limit=throttle.DEFAULT_CHUNK):
        if failures["left"]:
            failures["left"] -= 1
            raise StoreUnavailable("x", store.CANNOT_WRITE)
        return real(c, limit)

    monkeypatch.setattr(unlocking, "process_once", failing_then_fixed)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_AFTER", 0.01)
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, accounts["admin"], batch)
    background = worker_thread.Worker(con, use_stored_rate=False)
    background.start()
    try:
        wait_for(lambda: batch_status(cur, batch) == "published")
        wait_for(lambda: not background.status().stalled)
    finally:
        background.stop()
    status = background.status()
    assert status.stall_message("now") is None and status.last_error is None
    assert failures["left"] == 0


def wait_for(condition, limit: float = 20.0) -> None:
    """Poll until the condition holds; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
