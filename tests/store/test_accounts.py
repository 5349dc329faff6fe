"""Roles, password hashing, login, unique emails, the first admin, and login sessions.

Login throttling has its own module: tests/store/test_login_throttle.py.
"""

from __future__ import annotations

import threading

import duckdb
import polars as pl
import pytest
from psycopg.errors import UniqueViolation

from core import words
from core.access import accounts, login, passwords, sessions, throttle
from core.access.login import LoginFailed
from core.access.roles import Account, Role
from core.audit import Action
from core.errors import InputError, PermissionDenied
from core.store.duckdb.connection import migrate
from tests.support.store import open_store, sql_view

ROOT = Account("root", Role.ADMIN)


@pytest.fixture
def with_accounts(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    accounts.add_account(cur, ROOT, "ada", "admin", "correct-horse", "ada@corp.example")
    accounts.add_account(cur, ROOT, "ann", Role.ANALYST, "analyst-pass")
    return cur


@pytest.mark.slow
def test_passwords_are_stored_as_argon2_hashes(with_accounts: duckdb.DuckDBPyConnection) -> None:
    stored = with_accounts.execute(
        "SELECT password_hash FROM accounts WHERE username = 'ada'"
    ).fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert "correct-horse" not in stored


@pytest.mark.slow
def test_new_hashes_use_owasp_s_argon2id_parameters(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    stored = with_accounts.execute(
        "SELECT password_hash FROM accounts WHERE username = 'ada'"
    ).fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def _stored_hash(cur: duckdb.DuckDBPyConnection, username: str) -> str:
    return cur.execute(
        "SELECT password_hash FROM accounts WHERE username = ?", [username]
    ).fetchone()[0]


def test_a_good_login_replaces_a_hash_made_with_older_parameters(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=3, memory_cost=16, parallelism=2).hash("correct-horse")
    with_accounts.execute("UPDATE accounts SET password_hash = ? WHERE username = 'ada'", [old])

    assert login.authenticate(with_accounts, "ada", "correct-horse") == Account("ada", Role.ADMIN)

    renewed = _stored_hash(with_accounts, "ada")
    assert renewed != old
    assert not passwords.needs_rehash(renewed)
    assert login.authenticate(with_accounts, "ada", "correct-horse") == Account("ada", Role.ADMIN)
    assert _stored_hash(with_accounts, "ada") == renewed  # today's hash is kept as it is


def test_a_wrong_password_never_replaces_an_old_hash(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=3, memory_cost=16, parallelism=2).hash("correct-horse")
    with_accounts.execute("UPDATE accounts SET password_hash = ? WHERE username = 'ada'", [old])
    with pytest.raises(LoginFailed):
        login.authenticate(with_accounts, "ada", "nope")
    assert _stored_hash(with_accounts, "ada") == old


def test_the_right_password_logs_in_with_the_accounts_role(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    assert login.authenticate(with_accounts, "ada", "correct-horse") == Account("ada", Role.ADMIN)


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(LoginFailed) as wrong_password:
        login.authenticate(with_accounts, "ada", "nope")
    with pytest.raises(LoginFailed) as unknown_user:
        login.authenticate(with_accounts, "nobody", "correct-horse")
    assert str(wrong_password.value) == str(unknown_user.value) == words.LOGIN_FAILED


@pytest.mark.slow
def test_five_failures_refuse_even_the_right_password_from_that_address(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(throttle.MAX_FAILURES):
        with pytest.raises(LoginFailed, match="Wrong username or password"):
            login.authenticate(with_accounts, "ada", "guess", "198.51.100.7")
    with pytest.raises(LoginFailed, match="Too many failed attempts"):
        login.authenticate(with_accounts, "ada", "correct-horse", "198.51.100.7")


@pytest.mark.slow
def test_a_success_resets_the_failure_count(with_accounts: duckdb.DuckDBPyConnection) -> None:
    for _ in range(throttle.MAX_FAILURES - 1):
        with pytest.raises(LoginFailed):
            login.authenticate(with_accounts, "ada", "guess")
    login.authenticate(with_accounts, "ada", "correct-horse")
    for _ in range(throttle.MAX_FAILURES - 1):
        with pytest.raises(LoginFailed, match="Wrong username or password"):
            login.authenticate(with_accounts, "ada", "guess")


def test_only_admins_create_accounts(with_accounts: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(PermissionDenied):
        accounts.add_account(with_accounts, Account("d", Role.DEV), "eve", "admin", "long-enough")


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("ada", "admin", "long-enough", "exists already"),
        ("two words", "admin", "long-enough", "no spaces"),
        ("eve", "owner", "long-enough", "Unknown role"),
        ("eve", "dev", "short", "too short"),
        ("eve", "dev", "long-enough", "belongs to the account 'ada'"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(
    with_accounts: duckdb.DuckDBPyConnection, username: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        # The email differs from ada's only by case and spaces: still hers.
        accounts.add_account(with_accounts, ROOT, username, role, password, " ADA@Corp.example")


@pytest.mark.slow
def test_the_account_list_never_shows_password_hashes(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    listing = accounts.list_accounts(with_accounts)
    assert listing["username"].to_list() == ["ada", "ann"]
    assert "password_hash" not in listing.columns


def test_a_session_token_identifies_its_account_until_logout(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    ada = login.authenticate(with_accounts, "ada", "correct-horse")
    token = sessions.start_session(with_accounts, ada)
    assert sessions.session_account(with_accounts, token) == ada
    assert with_accounts.execute(
        "SELECT count(*) FROM sessions WHERE token_hash = ?", [token]
    ).fetchone() == (0,)
    sessions.end_session(with_accounts, token)
    assert sessions.session_account(with_accounts, token) is None


def test_an_expired_or_unknown_session_token_identifies_nobody(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    token = sessions.start_session(with_accounts, Account("ada", Role.ADMIN))
    with_accounts.execute("UPDATE sessions SET expires_at = now() - INTERVAL '1 minute'")
    assert sessions.session_account(with_accounts, token) is None
    assert sessions.session_account(with_accounts, "made-up") is None
    assert sessions.session_account(with_accounts, None) is None


def test_single_sign_on_maps_an_email_to_its_account(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    assert accounts.account_for_email(with_accounts, "ADA@corp.example ") == Account(
        "ada", Role.ADMIN
    )
    assert accounts.account_for_email(with_accounts, "stranger@corp.example") is None


def test_two_accounts_cannot_share_an_email_even_written_directly(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises((duckdb.ConstraintException, UniqueViolation)):
        with_accounts.execute(
            "INSERT INTO accounts (username, password_hash, role, email) "
            "VALUES ('eve', 'x', 'dev', 'Ada@CORP.example')"
        )


def test_accounts_without_an_email_are_many(with_accounts: duckdb.DuckDBPyConnection) -> None:
    accounts.add_account(with_accounts, ROOT, "eve", "dev", "long-enough", "  ")
    assert accounts.list_accounts(with_accounts).filter(pl.col("email").is_null()).height == 2


def test_single_sign_on_refuses_an_email_that_matches_two_accounts(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    # Only a store that bypassed the unique index could hold this; the lookup must not pick one.
    with_accounts.execute("DROP INDEX accounts_email_unique")
    with_accounts.execute("UPDATE accounts SET email = 'ADA@corp.example' WHERE username = 'ann'")
    assert accounts.account_for_email(with_accounts, "ada@corp.example") is None


@pytest.mark.slow
def test_an_older_file_with_a_shared_email_upgrades_keeping_it_on_the_oldest_account(
    db_path,
) -> None:

    con = duckdb.connect(str(db_path))
    migrate(con, up_to=3)
    con.execute(
        """INSERT INTO accounts (username, password_hash, role, email, created_at) VALUES
           ('old', 'h', 'admin', 'Same@x.example', '2026-01-01'),
           ('new', 'h', 'dev', 'same@X.example ', '2026-02-01'),
           ('solo', 'h', 'dev', 'solo@x.example', '2026-03-01'),
           ('blank', 'h', 'dev', '', '2026-03-01')"""
    )
    con.close()
    con = open_store(db_path)
    emails = dict(con.execute("SELECT username, email FROM accounts").fetchall())
    assert emails == {"old": "Same@x.example", "new": None, "solo": "solo@x.example", "blank": None}
    # The migration writes the action as frozen SQL; it must be the name the app knows.
    (detail,) = con.execute(
        "SELECT detail FROM audit_log WHERE action = ?", [Action.ACCOUNT_EMAIL_CLEARED]
    ).fetchall()[0]
    assert detail.startswith("The account new shared its email same@X.example")
    assert "older account old" in detail
    assert accounts.account_for_email(con, "same@x.example") == Account("old", Role.ADMIN)
    con.close()


def test_the_first_admin_can_be_created_once_and_only_while_no_account_exists(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    assert not accounts.has_accounts(cur)
    first = accounts.create_first_admin(cur, "boss", "first-admin-pass")
    assert first == Account("boss", Role.ADMIN)
    assert login.authenticate(cur, "boss", "first-admin-pass") == first
    with pytest.raises(InputError, match="exists already"):
        accounts.create_first_admin(cur, "intruder", "intruder-pass")
    assert accounts.list_accounts(cur)["username"].to_list() == ["boss"]


@pytest.mark.slow
def test_first_admins_created_at_once_give_exactly_one_account(
    con: duckdb.DuckDBPyConnection,
) -> None:
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(k: int) -> None:
        cur = con.cursor()
        barrier.wait()
        try:
            accounts.create_first_admin(cur, f"admin{k}", "first-admin-pass")
            outcomes.append("created")
        except InputError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 7
    assert con.execute("SELECT count(*) FROM accounts").fetchall() == [(1,)]


def test_an_admin_ends_every_session_of_another_account(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    tokens = [sessions.start_session(with_accounts, Account("ann", Role.ANALYST)) for _ in range(2)]
    assert sessions.end_sessions_of(with_accounts, ROOT, "ann") == 2
    assert all(sessions.session_account(with_accounts, t) is None for t in tokens)
    with pytest.raises(PermissionDenied):
        sessions.end_sessions_of(with_accounts, Account("d", Role.DEV), "ann")
    with pytest.raises(InputError, match="no account named"):
        sessions.end_sessions_of(with_accounts, ROOT, "nobody")


def test_starting_a_session_purges_expired_ones(
    with_accounts: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = sessions.start_session(with_accounts, Account("ann", Role.ANALYST))
    with_accounts.execute("UPDATE sessions SET expires_at = now() - INTERVAL '1 minute'")
    monkeypatch.setattr(sessions, "_last_purge", None)
    sessions.start_session(with_accounts, Account("ada", Role.ADMIN))
    left = with_accounts.execute("SELECT token_hash FROM sessions").fetchall()
    assert len(left) == 1 and sessions.session_account(with_accounts, old) is None


@pytest.mark.slow
def test_the_command_line_logs_another_account_out_everywhere(
    tmp_path, capsys: pytest.CaptureFixture
) -> None:
    from core.cli import main

    db = tmp_path / "cli.duckdb"
    con = open_store(db)
    accounts.add_account(con, ROOT, "ann", "analyst", "analyst-pass")
    tokens = [sessions.start_session(con, Account("ann", Role.ANALYST)) for _ in range(3)]
    con.close()
    assert main(["--db", str(db), "account", "logout", "ann"]) == 0
    assert capsys.readouterr().out.strip() == "Ended 3 session(s) of ann."
    assert main(["--db", str(db), "account", "logout", "nobody"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
    con = open_store(db)
    assert all(sessions.session_account(con, t) is None for t in tokens)
    con.close()


@pytest.mark.slow
def test_init_of_a_new_file_leaves_it_empty_and_says_how_to_add_the_first_admin(
    tmp_path, capsys: pytest.CaptureFixture
) -> None:
    from core.cli import main

    db = tmp_path / "new.duckdb"
    assert main(["--db", str(db), "init"]) == 0
    assert "no account yet" in capsys.readouterr().out
    con = open_store(db)
    assert not accounts.has_accounts(con)
    con.close()


@pytest.mark.slow
def test_the_app_start_purges_expired_sessions(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pages.web import runtime
    from pages.web.lifespan import lifespan
    from tests.support.asgi import run_apart

    db = tmp_path / "app.duckdb"
    con = open_store(db)
    accounts.add_account(con, ROOT, "ann", "analyst", "analyst-pass")
    expired = sessions.start_session(con, Account("ann", Role.ANALYST))
    live = sessions.start_session(con, Account("ann", Role.ANALYST))
    con.execute(
        "UPDATE sessions SET expires_at = now() - INTERVAL '1 minute' WHERE token_hash = ?",
        [sessions.token_hash(expired)],
    )
    con.close()
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(db))

    async def start_and_stop() -> int:
        async with lifespan(None):
            return (
                sql_view(runtime.unit_of_work())
                .execute("SELECT count(*) FROM sessions")
                .fetchall()[0][0]
            )

    try:
        assert run_apart(start_and_stop()) == 1
    finally:
        runtime.close_all()
    con = open_store(db)
    assert sessions.session_account(con, live) == Account("ann", Role.ANALYST)
    con.close()


def test_two_accounts_added_at_once_with_one_email_give_one_account_and_a_refusal_in_words(
    con: duckdb.DuckDBPyConnection,
) -> None:
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def add(k: int) -> None:
        cur = con.cursor()
        barrier.wait()
        try:
            accounts.add_account(
                cur, ROOT, f"user{k}", "dev", "long-enough", "SAME@x.org" if k % 2 else "same@X.org"
            )
            outcomes.append("created")
        except InputError as exc:
            assert "email" in str(exc)
            outcomes.append("refused")

    threads = [threading.Thread(target=add, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 5
