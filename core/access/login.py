"""Logging in: credentials checked, throttled, and answered alike whatever went wrong."""

from __future__ import annotations

from core import words
from core.access import passwords, throttle
from core.access.client_address import LOCAL_ADDRESS
from core.access.roles import Account, Role
from core.errors import InputError
from core.store.ports import UnitOfWork


class LoginFailed(InputError):
    """Wrong credentials or a throttled attempt; the message never says which field was wrong."""


def authenticate(
    uow: UnitOfWork, username: str, password: str, address: str = LOCAL_ADDRESS
) -> Account:
    """Return the account for these credentials from this client address, or raise LoginFailed.

    The attempt is counted (core.access.throttle) before the password is checked, and exactly
    one argon2 verification runs whatever the outcome (unknown name, wrong password, throttled),
    so the answers cannot be told apart by their words or their time.
    """
    name = username.strip()
    attempt = throttle.reserve(uow, name, address)
    password_hash, role = uow.accounts.credentials(name) or (passwords.DUMMY_HASH, None)
    matches = passwords.verify(password_hash, password)
    if not attempt.allowed:
        raise LoginFailed(words.LOGIN_LOCKED.format(minutes=attempt.retry_minutes))
    if role is None or not matches:
        raise LoginFailed(words.LOGIN_FAILED)
    throttle.succeeded(uow, name, address)
    if passwords.needs_rehash(password_hash):
        # Made with older parameters: replaced now, while the password is known to be right.
        uow.accounts.set_password_hash(name, passwords.hash_password(password))
    return Account(name, Role(role))
