"""Login sessions: a secret token per login, kept (as a hash) in the store for every process."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from core.access import throttle
from core.access.roles import Account, Permission, Role, require
from core.errors import InputError
from core.store.ports import UnitOfWork

log = logging.getLogger("batch_unlock")

SESSION_LIFETIME = timedelta(hours=12)
# Expired sessions and forgotten login failures are purged when a session starts, at most this often.
PURGE_EVERY = timedelta(minutes=10)
_last_purge: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, so a copy of the file logs no one in."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(uow: UnitOfWork, account: Account) -> str:
    """Create a login session and return its secret token (for an HttpOnly cookie)."""
    token = secrets.token_urlsafe(32)
    expires = _now() + SESSION_LIFETIME
    uow.transaction(
        lambda u: u.accounts.insert_session(token_hash(token), account.username, expires)
    )
    _purge_now_and_then(uow)
    return token


def _purge_now_and_then(uow: UnitOfWork) -> None:
    """Purge expired sessions and old login failures, at most every PURGE_EVERY per process."""
    global _last_purge  # one timestamp per process is the point
    now = _now()
    if _last_purge is not None and now - _last_purge < PURGE_EVERY:
        return
    _last_purge = now
    try:
        purge_expired_sessions(uow)
        throttle.purge(uow)
    except Exception:
        # Housekeeping only: the session is made, so a purge that fails (whatever the store
        # raised) must not fail the login.
        log.exception("Could not purge expired sessions and login failures; will retry later")


def session_account(uow: UnitOfWork, token: str | None) -> Account | None:
    """Return the account of a live session token, or None."""
    if not token:
        return None
    found = uow.accounts.session_owner(token_hash(token), _now())
    return Account(found[0], Role(found[1])) if found else None


def end_session(uow: UnitOfWork, token: str | None) -> None:
    """Log out: the token stops working everywhere."""
    if token:
        uow.transaction(lambda u: u.accounts.delete_session(token_hash(token)))


def end_all_sessions(uow: UnitOfWork, username: str) -> int:
    """Log an account out everywhere (its own "Log out everywhere"); return how many ended."""
    return uow.transaction(lambda u: u.accounts.delete_sessions_of(username))


def end_sessions_of(uow: UnitOfWork, actor: Account, username: str) -> int:
    """End every session of another account; only admins may. Return how many ended."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    if not uow.accounts.exists(username):
        raise InputError(f"There is no account named {username!r}. Check the name and try again.")
    return end_all_sessions(uow, username)


def purge_expired_sessions(uow: UnitOfWork) -> int:
    """Delete sessions past their expiry (at start and from time to time); return how many."""
    return uow.transaction(lambda u: u.accounts.delete_expired_sessions(_now()))
