"""Login throttling: per (name, address), counted before the password check, alike for everyone.

Concurrency tests send attempts from threads, each with its own cursor, as the web server's
worker threads do.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from core import words
from core.access import accounts, login, passwords, throttle
from core.access.login import LoginFailed
from core.access.roles import Account, Role

ROOT = Account("root", Role.ADMIN)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.66"


@pytest.fixture
def with_admin(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    accounts.add_account(cur, ROOT, "admin", "admin", "right-password")
    return cur


def outcome(cur: duckdb.DuckDBPyConnection, name: str, password: str, address: str) -> str:
    """'ok', 'wrong' or 'throttled': what one login attempt answered."""
    try:
        login.authenticate(cur, name, password, address)
    except LoginFailed as exc:
        return "wrong" if str(exc) == words.LOGIN_FAILED else "throttled"
    return "ok"


def at_once(
    con: duckdb.DuckDBPyConnection, attempts: list[Callable[[duckdb.DuckDBPyConnection], str]]
) -> Counter:
    """Run every attempt in its own thread and cursor, released together; count the outcomes."""
    barrier = threading.Barrier(len(attempts))
    results: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[duckdb.DuckDBPyConnection], str]) -> None:
        cur = con.cursor()
        barrier.wait()
        result = attempt(cur)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(results)


@pytest.mark.slow
def test_forty_wrong_passwords_sent_at_once_get_five_checks(
    con: duckdb.DuckDBPyConnection, with_admin: duckdb.DuckDBPyConnection
) -> None:
    results = at_once(con, [lambda c: outcome(c, "admin", "guess", ATTACKER) for _ in range(40)])
    assert results == Counter(wrong=5, throttled=35)


@pytest.mark.slow
def test_nineteen_wrong_and_one_right_at_once_cannot_log_in_past_the_throttle(
    con: duckdb.DuckDBPyConnection,
    with_admin: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every verification waits until all twenty attempts have reached it, as a slow argon2
    # does: the throttle must have decided on each attempt before any password is known.
    barrier = threading.Barrier(20)
    verify = passwords.verify

    def slow_verify(password_hash: str, password: str) -> bool:
        barrier.wait()
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify", slow_verify)
    attempts = [lambda c: outcome(c, "admin", "guess", ATTACKER) for _ in range(19)]
    attempts.insert(11, lambda c: outcome(c, "admin", "right-password", ATTACKER))
    results = at_once(con, attempts)
    assert results["throttled"] == 15
    assert results["wrong"] + results["ok"] == 5  # the right one logs in only as one of the 5


@pytest.mark.slow
def test_after_five_failures_even_the_right_password_is_refused_from_that_address(
    with_admin: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(5):
        assert outcome(with_admin, "admin", "guess", ATTACKER) == "wrong"
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "throttled"


@pytest.mark.slow
def test_the_same_account_still_logs_in_from_another_address(
    with_admin: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(12):
        outcome(with_admin, "admin", "guess", ATTACKER)
    assert outcome(with_admin, "admin", "right-password", "198.51.100.20") == "ok"
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "throttled"


@pytest.mark.slow
def test_a_block_ends_after_its_window(with_admin: duckdb.DuckDBPyConnection) -> None:
    for _ in range(5):
        outcome(with_admin, "admin", "guess", ATTACKER)
    with_admin.execute("UPDATE login_failures SET blocked_until = now() - INTERVAL '1 second'")
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "ok"


@pytest.mark.slow
def test_the_window_doubles_with_each_block_up_to_an_hour(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    now = T0
    windows = []
    for _ in range(9):
        for _ in range(5):
            assert throttle.reserve(cur, "admin", ATTACKER, now).allowed
        refused = throttle.reserve(cur, "admin", ATTACKER, now)
        assert not refused.allowed
        windows.append(refused.retry_after)
        now += refused.retry_after + timedelta(seconds=1)
    minutes = [w // timedelta(minutes=1) for w in windows]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.slow
def test_a_pair_quiet_for_a_day_starts_again_from_a_short_window(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    now = T0
    for _ in range(3):  # three blocks: the next would last 8 minutes
        for _ in range(5):
            throttle.reserve(cur, "admin", ATTACKER, now)
        now += timedelta(hours=1, seconds=1)
    now += throttle.FORGET_AFTER
    for _ in range(5):
        throttle.reserve(cur, "admin", ATTACKER, now)
    assert throttle.reserve(cur, "admin", ATTACKER, now).retry_after == timedelta(minutes=1)


@pytest.mark.slow
def test_unknown_wrong_and_throttled_attempts_run_one_hash_each_and_say_the_same(
    with_admin: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    verify = passwords.verify

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    answers = {}
    for name in ("admin", "nobody"):
        for k in range(6):
            calls.clear()
            with pytest.raises(LoginFailed) as failed:
                login.authenticate(with_admin, name, f"guess{k}", ATTACKER)
            assert len(calls) == 1, (name, k)
            answers[name, k] = str(failed.value)
        calls.clear()
        with pytest.raises(LoginFailed) as failed:
            login.authenticate(with_admin, name, "right-password", ATTACKER)
        assert len(calls) == 1
        answers[name, "right"] = str(failed.value)
    for key in [k for k in answers if k[0] == "admin"]:
        assert answers[key] == answers[("nobody", key[1])]
    assert answers["admin", 0] == words.LOGIN_FAILED
    assert answers["admin", 5] == answers["admin", "right"] != words.LOGIN_FAILED


@pytest.mark.slow
def test_failures_are_shared_by_every_cursor_of_the_store(
    con: duckdb.DuckDBPyConnection, with_admin: duckdb.DuckDBPyConnection
) -> None:
    for _ in range(5):
        outcome(con.cursor(), "admin", "guess", ATTACKER)
    assert outcome(con.cursor(), "admin", "right-password", ATTACKER) == "throttled"
    assert con.execute("SELECT count(*) FROM login_failures").fetchall() == [(1,)]


@pytest.mark.slow
def test_failures_from_many_addresses_slow_the_name_down_without_locking_it(
    with_admin: duckdb.DuckDBPyConnection,
) -> None:
    assert throttle.account_delay(with_admin, "admin") == 0
    for k in range(12):
        assert outcome(with_admin, "admin", "guess", f"203.0.113.{k}") == "wrong"
    assert throttle.account_delay(with_admin, "admin") == throttle.MAX_SLOWDOWN
    assert throttle.account_delay(with_admin, "dev") == 0
    assert outcome(with_admin, "admin", "right-password", "198.51.100.20") == "ok"


def test_old_unblocked_pairs_are_purged(cur: duckdb.DuckDBPyConnection) -> None:
    throttle.reserve(cur, "admin", "198.51.100.1", T0 - timedelta(days=2))
    throttle.reserve(cur, "admin", "198.51.100.2", T0)
    assert throttle.purge(cur, T0) == 1


@pytest.mark.slow
def test_no_more_than_two_password_hashes_run_at_once_however_many_logins_arrive(
    con: duckdb.DuckDBPyConnection,
    with_admin: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running, peak, lock = 0, 0, threading.Lock()
    real = passwords._hasher

    class CountingHasher:
        """The real argon2 hasher, counting how many verifications run at the same moment."""

        def verify(self, password_hash: str, password: str) -> bool:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                return real.verify(password_hash, password)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    names = [f"nobody{k}" for k in range(12)]
    at_once(con, [lambda c, n=n: outcome(c, n, "guess", f"198.51.100.{len(n)}") for n in names])
    assert peak == passwords.HASHES_AT_ONCE
