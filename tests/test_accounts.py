"""Roles, password hashing, login with lockout, and login sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from core import accounts, labels
from core.accounts import LoginFailed
from core.errors import InputError, PermissionDenied
from core.roles import Account, Permission, Role, command_line_account, require

ROOT = Account("root", Role.ADMIN)


@pytest.fixture
def with_accounts(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    accounts.add_account(cur, ROOT, "ada", "admin", "correct-horse", "ada@corp.example")
    accounts.add_account(cur, ROOT, "ann", Role.ANALYST, "analyst-pass")
    return cur


def test_admins_and_devs_may_edit_batches_and_analysts_may_only_view() -> None:
    assert Account("a", Role.ADMIN).can(Permission.EDIT_BATCHES)
    assert Account("d", Role.DEV).can(Permission.EDIT_BATCHES)
    assert not Account("n", Role.ANALYST).can(Permission.EDIT_BATCHES)
    assert Account("n", Role.ANALYST).can(Permission.VIEW)
    assert not Account("d", Role.DEV).can(Permission.MANAGE_CATALOG)


def test_require_names_the_role_and_the_action_it_refuses() -> None:
    with pytest.raises(PermissionDenied, match=r"analyst.*create, edit and publish batches"):
        require(Account("n", Role.ANALYST), Permission.EDIT_BATCHES)


def test_require_without_an_account_asks_to_log_in() -> None:
    with pytest.raises(PermissionDenied, match="not logged in"):
        require(None, Permission.VIEW)


def test_the_command_line_acts_as_a_trusted_admin() -> None:
    account = command_line_account()
    assert account.role == Role.ADMIN
    assert account.username.startswith("cli:")


def test_passwords_are_stored_as_argon2_hashes(with_accounts: duckdb.DuckDBPyConnection) -> None:
    stored = with_accounts.execute(
        "SELECT password_hash FROM accounts WHERE username = 'ada'"
    ).fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert "correct-horse" not in stored


def test_the_right_password_logs_in_with_the_accounts_role(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    assert accounts.authenticate(with_accounts, "ada", "correct-horse") == Account(
        "ada", Role.ADMIN
    )


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(LoginFailed) as wrong_password:
        accounts.authenticate(with_accounts, "ada", "nope")
    with pytest.raises(LoginFailed) as unknown_user:
        accounts.authenticate(with_accounts, "nobody", "correct-horse")
    assert str(wrong_password.value) == str(unknown_user.value) == labels.LOGIN_FAILED


def test_five_failures_lock_the_account_even_for_the_right_password(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(LoginFailed):
            accounts.authenticate(with_accounts, "ada", "guess")
    with pytest.raises(LoginFailed, match="Too many failed attempts"):
        accounts.authenticate(with_accounts, "ada", "correct-horse")


def test_a_lock_ends_after_its_time(with_accounts: duckdb.DuckDBPyConnection) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    with_accounts.execute("UPDATE accounts SET locked_until = ? WHERE username = 'ada'", [past])
    assert accounts.authenticate(with_accounts, "ada", "correct-horse").username == "ada"


def test_a_success_resets_the_failure_count(with_accounts: duckdb.DuckDBPyConnection) -> None:
    for _ in range(accounts.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(LoginFailed):
            accounts.authenticate(with_accounts, "ada", "guess")
    accounts.authenticate(with_accounts, "ada", "correct-horse")
    with pytest.raises(LoginFailed, match="Wrong username or password"):
        accounts.authenticate(with_accounts, "ada", "guess")


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
    ],
)
def test_bad_accounts_are_refused_with_the_reason(
    with_accounts: duckdb.DuckDBPyConnection, username: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        accounts.add_account(with_accounts, ROOT, username, role, password)


def test_the_account_list_never_shows_password_hashes(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    listing = accounts.list_accounts(with_accounts)
    assert listing["username"].to_list() == ["ada", "ann"]
    assert "password_hash" not in listing.columns


def test_a_session_token_identifies_its_account_until_logout(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    ada = accounts.authenticate(with_accounts, "ada", "correct-horse")
    token = accounts.start_session(with_accounts, ada)
    assert accounts.session_account(with_accounts, token) == ada
    assert with_accounts.execute(
        "SELECT count(*) FROM sessions WHERE token_hash = ?", [token]
    ).fetchone() == (0,)
    accounts.end_session(with_accounts, token)
    assert accounts.session_account(with_accounts, token) is None


def test_an_expired_or_unknown_session_token_identifies_nobody(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    token = accounts.start_session(with_accounts, Account("ada", Role.ADMIN))
    with_accounts.execute("UPDATE sessions SET expires_at = now() - INTERVAL 1 MINUTE")
    assert accounts.session_account(with_accounts, token) is None
    assert accounts.session_account(with_accounts, "made-up") is None
    assert accounts.session_account(with_accounts, None) is None


def test_single_sign_on_maps_an_email_to_its_account(
    with_accounts: duckdb.DuckDBPyConnection,
) -> None:
    assert accounts.account_for_email(with_accounts, "ADA@corp.example ") == Account(
        "ada", Role.ADMIN
    )
    assert accounts.account_for_email(with_accounts, "stranger@corp.example") is None
