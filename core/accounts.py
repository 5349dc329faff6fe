"""Back-office accounts: argon2 password hashes, login with lockout, and login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import labels
from core.errors import InputError
from core.roles import Account, Permission, Role, require
from core.store import frame, in_transaction

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginFailed(InputError):
    """Wrong credentials or a locked account; the message never says which field was wrong."""


def _now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def add_account(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    username: str,
    role: Role | str,
    password: str,
    email: str | None = None,
) -> Account:
    """Create a back-office account; only admins may."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    username = username.strip()
    if not username or any(ch.isspace() for ch in username):
        raise InputError("A username must be non-empty and contain no spaces. Choose another one.")
    try:
        role = Role(role)
    except ValueError:
        raise InputError(
            f"Unknown role {role!r}. Use one of: {', '.join(r.value for r in Role)}."
        ) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    password_hash = hash_password(password)

    def write(c: duckdb.DuckDBPyConnection) -> None:
        if c.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall()[:1]:
            raise InputError(f"An account named {username!r} exists already. Choose another name.")
        c.execute(
            "INSERT INTO accounts (username, password_hash, role, email) VALUES (?, ?, ?, ?)",
            [username, password_hash, role.value, email],
        )

    in_transaction(cur, write)
    return Account(username, role)


def list_accounts(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return every account without its password hash."""
    return frame(
        cur,
        "SELECT username, role, email, created_at, locked_until FROM accounts ORDER BY username",
    )


def authenticate(cur: duckdb.DuckDBPyConnection, username: str, password: str) -> Account:
    """Return the account for these credentials, or raise LoginFailed (counting the failure)."""
    row = cur.execute(
        "SELECT password_hash, role, failed_attempts, locked_until FROM accounts WHERE username = ?",
        [username.strip()],
    ).fetchall()
    row = row[0] if row else None
    if row is None:
        _verify(_DUMMY_HASH, password)
        raise LoginFailed(labels.LOGIN_FAILED)
    password_hash, role, _failed, locked_until = row
    now = _now()
    if locked_until is not None and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(labels.LOGIN_LOCKED.format(minutes=minutes))
    if not _verify(password_hash, password):
        _count_failure(cur, username.strip())
        raise LoginFailed(labels.LOGIN_FAILED)
    in_transaction(
        cur,
        lambda c: c.execute(
            "UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
            [username.strip()],
        ),
    )
    return Account(username.strip(), Role(role))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(cur: duckdb.DuckDBPyConnection, username: str) -> None:
    def write(c: duckdb.DuckDBPyConnection) -> None:
        failed = c.execute(
            "UPDATE accounts SET failed_attempts = failed_attempts + 1 WHERE username = ? "
            "RETURNING failed_attempts",
            [username],
        ).fetchall()[0][0]
        if failed >= MAX_FAILED_ATTEMPTS:
            # Lock for a while and start counting again, so a locked-out admin is not locked forever.
            c.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                [_now() + LOCKOUT, username],
            )

    in_transaction(cur, write)


def account_for_email(cur: duckdb.DuckDBPyConnection, email: str) -> Account | None:
    """Return the account whose email matches (for single sign-on), if any."""
    row = cur.execute(
        "SELECT username, role FROM accounts WHERE lower(email) = lower(?)", [email.strip()]
    ).fetchall()
    return Account(row[0][0], Role(row[0][1])) if row else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(cur: duckdb.DuckDBPyConnection, account: Account) -> str:
    """Create a login session and return its secret token (for an HttpOnly cookie)."""
    token = secrets.token_urlsafe(32)
    in_transaction(
        cur,
        lambda c: c.execute(
            "INSERT INTO sessions (token_hash, username, expires_at) VALUES (?, ?, ?)",
            [_token_hash(token), account.username, _now() + SESSION_LIFETIME],
        ),
    )
    return token


def session_account(cur: duckdb.DuckDBPyConnection, token: str | None) -> Account | None:
    """Return the account of a live session token, or None."""
    if not token:
        return None
    row = cur.execute(
        "SELECT a.username, a.role FROM sessions s JOIN accounts a USING (username) "
        "WHERE s.token_hash = ? AND s.expires_at > ?",
        [_token_hash(token), _now()],
    ).fetchall()
    return Account(row[0][0], Role(row[0][1])) if row else None


def end_session(cur: duckdb.DuckDBPyConnection, token: str | None) -> None:
    """Log out: the token stops working everywhere."""
    if token:
        in_transaction(
            cur,
            lambda c: c.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)]),
        )


def end_all_sessions(cur: duckdb.DuckDBPyConnection, username: str) -> int:
    """Log an account out everywhere (its own "Log out everywhere"); return how many ended."""

    def write(c: duckdb.DuckDBPyConnection) -> int:
        return len(
            c.execute(
                "DELETE FROM sessions WHERE username = ? RETURNING token_hash", [username]
            ).fetchall()
        )

    return in_transaction(cur, write)


def end_sessions_of(cur: duckdb.DuckDBPyConnection, actor: Account, username: str) -> int:
    """End every session of another account; only admins may. Return how many ended."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    if not cur.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall():
        raise InputError(f"There is no account named {username!r}. Check the name and try again.")
    return end_all_sessions(cur, username)


def purge_expired_sessions(cur: duckdb.DuckDBPyConnection) -> int:
    """Delete sessions past their expiry (at start and from time to time); return how many."""

    def write(c: duckdb.DuckDBPyConnection) -> int:
        return len(
            c.execute(
                "DELETE FROM sessions WHERE expires_at <= ? RETURNING token_hash", [_now()]
            ).fetchall()
        )

    return in_transaction(cur, write)
