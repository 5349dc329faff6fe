"""Login throttling: per (name, address), counted before the password check, alike for everyone.

Concurrency tests send attempts from threads, each with its own cursor, as the web server's
worker threads do.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from asgi_client import login_app, request

from core import words
from core.access import accounts, client_address, login, passwords, throttle
from core.access.login import LoginFailed
from core.access.roles import Account, Role
from core.errors import InputError
from core.store.ports.accounts import LoginFailures
from pages.web import auth, runtime

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


def test_forty_wrong_passwords_sent_at_once_get_five_checks(
    con: duckdb.DuckDBPyConnection, with_admin: duckdb.DuckDBPyConnection
) -> None:
    results = at_once(con, [lambda c: outcome(c, "admin", "guess", ATTACKER) for _ in range(40)])
    assert results == Counter(wrong=5, throttled=35)


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


def test_after_five_failures_even_the_right_password_is_refused_from_that_address(
    with_admin: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(5):
        assert outcome(with_admin, "admin", "guess", ATTACKER) == "wrong"
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "throttled"


def test_the_same_account_still_logs_in_from_another_address(
    with_admin: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(12):
        outcome(with_admin, "admin", "guess", ATTACKER)
    assert outcome(with_admin, "admin", "right-password", "198.51.100.20") == "ok"
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "throttled"


def test_a_block_ends_after_its_window(with_admin: duckdb.DuckDBPyConnection) -> None:
    for _ in range(5):
        outcome(with_admin, "admin", "guess", ATTACKER)
    with_admin.execute("UPDATE login_failures SET blocked_until = now() - INTERVAL 1 SECOND")
    assert outcome(with_admin, "admin", "right-password", ATTACKER) == "ok"


def test_the_counting_rule_is_plain_python_over_one_pair_s_counts() -> None:
    # The rule needs no store: the store only keeps each pair's counts between attempts.
    counts = None
    for _ in range(throttle.MAX_FAILURES):
        verdict, counts = throttle.counted(counts, T0)
        assert verdict.allowed
    assert counts == LoginFailures(0, 1, T0 + timedelta(minutes=1), T0)
    refused, unchanged = throttle.counted(counts, T0 + timedelta(seconds=20))
    assert (refused.allowed, refused.retry_minutes, unchanged) == (False, 1, counts)


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


def test_failures_are_shared_by_every_cursor_of_the_store(
    con: duckdb.DuckDBPyConnection, with_admin: duckdb.DuckDBPyConnection
) -> None:
    for _ in range(5):
        outcome(con.cursor(), "admin", "guess", ATTACKER)
    assert outcome(con.cursor(), "admin", "right-password", ATTACKER) == "throttled"
    assert con.execute("SELECT count(*) FROM login_failures").fetchall() == [(1,)]


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


TRUSTED = client_address.parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy configured: the header is ignored, whoever sends it.
        ("203.0.113.9", ["198.51.100.1"], (), "203.0.113.9"),
        ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),
        # A peer that is not a trusted proxy cannot choose its address with the header.
        ("203.0.113.9", ["198.51.100.1"], TRUSTED, "203.0.113.9"),
        # Behind the proxy: the right-most entry that is not a proxy; forged left ones are skipped.
        ("127.0.0.1", ["1.1.1.1, 198.51.100.7"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", ["1.1.1.1, 198.51.100.7, 10.1.2.3"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", ["1.1.1.1", "198.51.100.7"], TRUSTED, "198.51.100.7"),
        ("127.0.0.1", [], TRUSTED, "127.0.0.1"),
        ("127.0.0.1", ["10.9.9.9"], TRUSTED, "10.9.9.9"),
        (None, [], (), "unknown"),
    ],
)
def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: str | None, forwarded: list[str], trusted: tuple, expected: str
) -> None:
    assert client_address.client_address(peer, forwarded, trusted) == expected


def test_a_wrong_trusted_proxy_setting_is_refused_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(client_address.TRUSTED_PROXIES_ENV, "127.0.0.1,proxy.internal")
    with pytest.raises(InputError, match=r"'proxy\.internal', which is not an IP address"):
        client_address.trusted_proxies()


# Through the real /login route.


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The login routes on a fresh store holding the account admin / right-password."""
    db = tmp_path / "served.duckdb"
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(db))
    monkeypatch.delenv(client_address.TRUSTED_PROXIES_ENV, raising=False)
    accounts.add_account(runtime.unit_of_work(), ROOT, "admin", "admin", "right-password")
    yield db
    runtime.close_all()


def post_login(password: str, client: str = ATTACKER, **headers: str):
    return request(
        login_app(),
        "POST",
        "/login",
        form={"username": "admin", "password": password, "next": "/"},
        headers=headers,
        client=client,
    )


def test_the_login_route_throttles_per_client_address(served: Path) -> None:
    for _ in range(5):
        assert post_login("guess").status == 401
    refused = post_login("right-password")
    assert refused.status == 401 and "Too many failed attempts" in refused.text
    assert refused.header("set-cookie") is None
    elsewhere = post_login("right-password", client="198.51.100.20")
    assert elsewhere.status == 303 and auth.COOKIE in elsewhere.header("set-cookie")


def test_the_login_route_ignores_forwarded_for_unless_the_proxy_is_trusted(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Untrusted: forging X-Forwarded-For does not get the attacker a fresh address.
    for k in range(5):
        post_login("guess", client="127.0.0.1", **{"X-Forwarded-For": f"198.51.100.{k}"})
    assert post_login("right-password", client="127.0.0.1").status == 401
    # Trusted proxy on 127.0.0.1: each forwarded client is counted on its own.
    monkeypatch.setenv(client_address.TRUSTED_PROXIES_ENV, "127.0.0.1")
    for _ in range(5):
        post_login("guess", client="127.0.0.1", **{"X-Forwarded-For": ATTACKER})
    behind_proxy = {"X-Forwarded-For": "198.51.100.20"}
    assert post_login("right-password", client="127.0.0.1", **behind_proxy).status == 303
    attacker = {"X-Forwarded-For": f"10.0.0.1, {ATTACKER}"}
    assert post_login("right-password", client="127.0.0.1", **attacker).status == 401


def test_the_login_route_holds_answers_for_a_name_many_addresses_fail_on(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(auth, "_pause", record)
    assert post_login("right-password", client="198.51.100.20").status == 303
    assert pauses == []
    for k in range(10):
        post_login("guess", client=f"203.0.113.{k}")
    assert post_login("right-password", client="198.51.100.20").status == 303
    assert pauses and pauses[-1] > 0


def test_the_login_page_refuses_to_be_framed(served: Path) -> None:
    page = request(login_app(), "GET", "/login")
    assert page.status == 200
    assert page.header("x-frame-options") == "DENY"
    csp = page.header("content-security-policy")
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "default-src 'self'" in csp
    failed = post_login("guess")
    assert failed.header("x-frame-options") == "DENY"


def post_through_uvicorn(password: str, client: str, forwarded_for: str):
    """A login post as Streamlit's server hands it on: uvicorn's own proxy-header middleware
    (which believes X-Forwarded-For from loopback by default) in front of the routes."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return request(
        ProxyHeadersMiddleware(login_app(), trusted_hosts="127.0.0.1,::1"),
        "POST",
        "/login",
        form={"username": "admin", "password": password, "next": "/"},
        headers={"X-Forwarded-For": forwarded_for},
        client=client,
    )


def test_a_client_on_the_same_host_gets_no_fresh_address_from_uvicorns_forwarded_for(
    served: Path,
) -> None:
    # uvicorn rewrites the peer from the header before the app sees it; each guess naming a
    # new address must still count against the one address that really connected.
    for k in range(5):
        assert post_through_uvicorn("guess", "127.0.0.1", f"10.99.0.{k}").status == 401
    refused = post_through_uvicorn("right-password", "127.0.0.1", "10.99.0.200")
    assert refused.status == 401 and "Too many failed attempts" in refused.text
    # A remote client is its own address, whatever it writes into the header.
    assert post_through_uvicorn("right-password", "198.51.100.7", "10.99.0.201").status == 303


def test_a_victims_address_cannot_be_locked_out_by_naming_it_in_the_header(
    served: Path,
) -> None:
    for _ in range(5):
        post_through_uvicorn("guess", "127.0.0.1", "198.51.100.30")
    victim = post_login("right-password", client="198.51.100.30")
    assert victim.status == 303


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


def test_a_flood_of_logins_is_answered_at_once_in_words_without_queueing(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth._logins, "waiting", auth.MAX_LOGINS_WAITING)
    busy = post_login("right-password", client="198.51.100.40")
    assert busy.status == 503 and auth.LOGINS_BUSY in busy.text
    assert busy.header("set-cookie") is None
    monkeypatch.setattr(auth._logins, "waiting", 0)
    assert post_login("right-password", client="198.51.100.40").status == 303
    assert auth._logins.waiting == 0
