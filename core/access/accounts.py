"""Back-office accounts: argon2 password hashes, login (throttled), the first admin, and sessions."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import audit, words
from core.access import throttle
from core.access.roles import Account, Permission, Role, require
from core.errors import DuplicateKey, InputError, StoreError
from core.store import frame, in_transaction

log = logging.getLogger("batch_unlock")

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
# Expired sessions and forgotten login failures are purged when a session starts, at most this often.
PURGE_EVERY = timedelta(minutes=10)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# The first admin is created at most once per process at a time (see create_first_admin).
_setup_lock = threading.Lock()
_last_purge: datetime | None = None
# Each argon2 hash takes 64 MiB for ~0.1 s: a flood of logins (even for unknown names) would
# otherwise run dozens at once and take gigabytes. Two at a time keep memory and the other
# users' pages steady; the login route also refuses at once when too many wait (pages/web/auth).
HASHES_AT_ONCE = 2
_hash_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)


class LoginFailed(InputError):
    """Wrong credentials or a throttled attempt; the message never says which field was wrong."""


def _now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    """Hash a password with argon2id (at most HASHES_AT_ONCE hashes run at a time)."""
    with _hash_slots:
        return _hasher.hash(password)


def _cleaned(username: str, role: Role | str, email: str | None) -> tuple[str, Role, str | None]:
    """Validate a new account's name and role; return (username, role, email) cleaned up."""
    username = username.strip()
    if not username or any(ch.isspace() for ch in username):
        raise InputError("A username must be non-empty and contain no spaces. Choose another one.")
    try:
        role = Role(role)
    except ValueError:
        raise InputError(
            f"Unknown role {role!r}. Use one of: {', '.join(r.value for r in Role)}."
        ) from None
    return username, role, (email or "").strip() or None


def _checked(
    username: str, role: Role | str, password: str, email: str | None
) -> tuple[str, Role, str | None]:
    """_cleaned, and the password long enough."""
    cleaned = _cleaned(username, role, email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    return cleaned


def _insert(
    c: duckdb.DuckDBPyConnection, username: str, role: Role, hashed: str, email: str | None
) -> None:
    """Insert one account inside the caller's transaction, refusing a taken name or email."""
    if c.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall():
        raise InputError(f"An account named {username!r} exists already. Choose another name.")
    if email is not None:
        owner = c.execute(
            "SELECT username FROM accounts WHERE lower(email) = lower(?)", [email]
        ).fetchall()
        if owner:
            raise InputError(
                f"The email {email!r} belongs to the account {owner[0][0]!r} already; single "
                "sign-on needs one account per email. Use another email, or none."
            )
    c.execute(
        "INSERT INTO accounts (username, password_hash, role, email) VALUES (?, ?, ?, ?)",
        [username, hashed, role.value, email],
    )


def add_account(
    cur: duckdb.DuckDBPyConnection,
    actor: Account,
    username: str,
    role: Role | str,
    password: str,
    email: str | None = None,
) -> Account:
    """Create a back-office account; only admins may. Emails are unique, whatever their case."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    username, role, email = _checked(username, role, password, email)
    hashed = hash_password(password)
    _write_account(cur, lambda c: _insert(c, username, role, hashed, email))
    return Account(username, role)


def _write_account(
    cur: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], object]
) -> None:
    """Run an account insert; a name or email taken at the same moment is refused in words."""
    try:
        in_transaction(cur, work)
    except DuplicateKey:
        raise InputError(
            "Another account with this username or email was created at the same moment. "
            "Choose another username or email."
        ) from None


def insert_account(
    c: duckdb.DuckDBPyConnection,
    actor: Account,
    username: str,
    role: Role | str,
    password_hash: str,
    email: str | None = None,
) -> Account:
    """Insert an account whose password is hashed already, inside the caller's transaction.

    For bulk loaders (the demo) that write accounts together with other data; the username and
    email rules are add_account's.
    """
    require(actor, Permission.MANAGE_ACCOUNTS)
    username, role, email = _cleaned(username, role, email)
    _insert(c, username, role, password_hash, email)
    return Account(username, role)


def has_accounts(cur: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether the store has any back-office account (none: the first admin is to be made)."""
    return bool(cur.execute("SELECT 1 FROM accounts LIMIT 1").fetchall())


def create_first_admin(
    cur: duckdb.DuckDBPyConnection, username: str, password: str, email: str | None = None
) -> Account:
    """Create the store's first account, an admin; refuse once any account exists."""
    username, role, email = _checked(username, Role.ADMIN, password, email)
    hashed = hash_password(password)

    def write(c: duckdb.DuckDBPyConnection) -> None:
        # Checked in the transaction that inserts; the marker row makes two first admins
        # created at once (even by two processes) conflict, so the retry sees the winner.
        if c.execute("SELECT 1 FROM accounts LIMIT 1").fetchall():
            raise InputError(
                "The first admin account exists already. Log in, or ask an admin for an account."
            )
        c.execute(
            "INSERT INTO settings VALUES ('first_admin', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [username],
        )
        _insert(c, username, role, hashed, email)
        audit.record(c, Account(username, role), "first admin created", detail=username)

    with _setup_lock:
        _write_account(cur, write)
    return Account(username, role)


def list_accounts(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return every account without its password hash."""
    return frame(cur, "SELECT username, role, email, created_at FROM accounts ORDER BY username")


def authenticate(
    cur: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    address: str = throttle.LOCAL_ADDRESS,
) -> Account:
    """Return the account for these credentials from this client address, or raise LoginFailed.

    The attempt is counted (core.access.throttle) before the password is checked, and exactly
    one argon2 verification runs whatever the outcome (unknown name, wrong password, throttled),
    so the answers cannot be told apart by their words or their time.
    """
    name = username.strip()
    attempt = throttle.reserve(cur, name, address)
    row = cur.execute(
        "SELECT password_hash, role FROM accounts WHERE username = ?", [name]
    ).fetchall()
    password_hash, role = row[0] if row else (_DUMMY_HASH, None)
    matches = _verify(password_hash, password)
    if not attempt.allowed:
        raise LoginFailed(words.LOGIN_LOCKED.format(minutes=attempt.retry_minutes))
    if role is None or not matches:
        raise LoginFailed(words.LOGIN_FAILED)
    throttle.succeeded(cur, name, address)
    return Account(name, Role(role))


def _verify(password_hash: str, password: str) -> bool:
    try:
        with _hash_slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def account_for_email(cur: duckdb.DuckDBPyConnection, email: str) -> Account | None:
    """Return the one account whose email matches (for single sign-on); None if none or several."""
    rows = cur.execute(
        "SELECT username, role FROM accounts WHERE lower(email) = lower(?) LIMIT 2",
        [email.strip()],
    ).fetchall()
    # Emails are unique (migration 4); should two ever match, refuse rather than pick one.
    return Account(rows[0][0], Role(rows[0][1])) if len(rows) == 1 else None


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
    _purge_now_and_then(cur)
    return token


def _purge_now_and_then(cur: duckdb.DuckDBPyConnection) -> None:
    """Purge expired sessions and old login failures, at most every PURGE_EVERY per process."""
    global _last_purge  # one timestamp per process is the point
    now = _now()
    if _last_purge is not None and now - _last_purge < PURGE_EVERY:
        return
    _last_purge = now
    try:
        purge_expired_sessions(cur)
        throttle.purge(cur)
    except (duckdb.Error, StoreError):
        # Housekeeping only: the session is made, so a purge that fails must not fail the login.
        log.exception("Could not purge expired sessions and login failures; will retry later")


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
