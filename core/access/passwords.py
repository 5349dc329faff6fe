"""Passwords: the length rule, argon2id hashing, and how many hashes may run at once."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InputError

MIN_PASSWORD_LENGTH = 8
# Each argon2 hash takes 64 MiB for ~0.1 s: a flood of logins (even for unknown names) would
# otherwise run dozens at once and take gigabytes. Two at a time keep memory and the other
# users' pages steady; the login route also refuses at once when too many wait (pages/web/auth).
HASHES_AT_ONCE = 2
_hash_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_length(password: str) -> None:
    """Refuse a password shorter than MIN_PASSWORD_LENGTH."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )


def hash_password(password: str) -> str:
    """Hash a password with argon2id (at most HASHES_AT_ONCE hashes run at a time)."""
    with _hash_slots:
        return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash` (a damaged hash matches nothing)."""
    try:
        with _hash_slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
